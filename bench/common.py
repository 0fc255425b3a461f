"""What the benchmarks share: synthetic scans, peak-RSS sampling, a private service on its own stores."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.embedded import BENCH_ADMIN, EmbeddedStores, S3Ports, free_port, staff_headers, start_service
from service.settings import Settings

A4_300DPI = (2480, 3508)


def a4_scan(index: int) -> bytes:
    """A synthetic A4 page at 300 dpi, JPEG quality 85 (~0.5-1 MB, like a real scan)."""
    im = Image.effect_noise((A4_300DPI[0] // 4, A4_300DPI[1] // 4), 24).convert("RGB")
    im = im.resize(A4_300DPI).point(lambda v: 200 + v // 5)
    draw = ImageDraw.Draw(im)
    for line in range(40):
        y = 300 + line * 75
        draw.rectangle((200, y, 200 + (index * 37 + line * 53) % 1900 + 150, y + 22), fill=(40, 40, 60))
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=85)
    return out.getvalue()


class PeakRss:
    """Samples a process's resident memory every 5 ms and keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()

    def __enter__(self) -> PeakRss:
        self.peak = self.proc.memory_info().rss

        def run() -> None:
            while not self._stop.is_set():
                self.peak = max(self.peak, self.proc.memory_info().rss)
                time.sleep(0.005)

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class BenchService:
    url: str
    process: subprocess.Popen[bytes]
    http: httpx.Client
    env: dict[str, str]
    bucket: str
    tmp: Path


@contextmanager
def bench_service(extra_env: dict[str, str] | None = None) -> Iterator[BenchService]:
    """A real `python -m service serve` on embedded stores of its own (or MONGODB_URI / S3_ENDPOINT),
    signed in as staff; everything is stopped afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="archive-bench-"))
    embedded = None
    if os.environ.get("MONGODB_URI") and os.environ.get("S3_ENDPOINT"):
        env = {k: os.environ[k] for k in ("MONGODB_URI", "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY")}
    else:
        embedded = EmbeddedStores(data_dir=tmp / "stores", mongo_port=free_port(), s3_ports=S3Ports.free())
        embedded.start()
        env = embedded.env()
    tag = uuid.uuid4().hex[:8]
    port = free_port()
    server_env = {
        **os.environ,
        **env,
        "MONGODB_DB": f"bench_{tag}",
        "S3_BUCKET": f"bench-{tag}",
        "PORT": str(port),
        "TMPDIR": str(tmp),
        **BENCH_ADMIN,
        **(extra_env or {}),
    }
    server = start_service(server_env, port=port)
    url = f"http://127.0.0.1:{port}"
    try:
        headers = staff_headers(url, Settings.from_env(server_env))
        with httpx.Client(base_url=url, timeout=600, headers=headers) as http:
            yield BenchService(url, server, http, server_env, f"bench-{tag}", tmp)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if embedded is not None:
            embedded.stop()
