"""Upload throughput and portfolio assembly, measured in one run on the same S3 server.

Prints:
  * upload throughput through the service (HTTP multipart, a real uvicorn process) vs. a direct
    minio-py put of the same bytes to the same S3 server (ratio; target >= 0.5);
  * portfolio assembly time and the service's peak RSS for 100 A4 JPEG scans, vs. a bare
    img2pdf + pypdf merge of the same files with no service (the floor; target <= 3x, RSS < 300 MB).

Starts its own embedded SecantusDB and SeaweedFS (or uses MONGODB_URI / S3_ENDPOINT when set).
Usage: python bench/upload_and_portfolio.py [--scans 100] [--upload-mb 256]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import img2pdf
import psutil
import pypdf
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.embedded import BENCH_ADMIN, EmbeddedStores, S3Ports, free_port, staff_headers, start_service
from service.settings import Settings
from service.storage.objects import make_minio_client

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


def floor_merge(scans: list[bytes]) -> float:
    """The same pages with no service: img2pdf per scan, merged with pypdf, written out."""
    start = time.perf_counter()
    layout = img2pdf.get_layout_fun(pagesize=(595.28, 841.89), fit=img2pdf.FitMode.into, auto_orient=True)
    writer = pypdf.PdfWriter()
    for scan in scans:
        writer.append(pypdf.PdfReader(io.BytesIO(img2pdf.convert(scan, layout_fun=layout))))
    writer.write(io.BytesIO())
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=100)
    parser.add_argument("--upload-mb", type=int, default=256)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="archive-bench-"))
    embedded = None
    if os.environ.get("MONGODB_URI") and os.environ.get("S3_ENDPOINT"):
        env = {k: os.environ[k] for k in ("MONGODB_URI", "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY")}
    else:
        embedded = EmbeddedStores(data_dir=tmp / "stores", mongo_port=free_port(), s3_ports=S3Ports.free())
        embedded.start()
        env = embedded.env()
    tag = uuid.uuid4().hex[:8]
    bucket = f"bench-{tag}"
    port = free_port()
    server_env = {
        **os.environ,
        **env,
        "MONGODB_DB": f"bench_{tag}",
        "S3_BUCKET": bucket,
        "PORT": str(port),
        "TMPDIR": str(tmp),
        **BENCH_ADMIN,
    }
    server = start_service(server_env, port=port)
    url = f"http://127.0.0.1:{port}"
    try:
        minio = make_minio_client(env["S3_ENDPOINT"], env["S3_ACCESS_KEY"], env["S3_SECRET_KEY"], "us-east-1")
        http = httpx.Client(
            base_url=url, timeout=600, headers=staff_headers(url, Settings.from_env(server_env))
        )
        student = http.post(
            "/api/v1/students", json={"full_name": "Бенчмарков Тест", "class_name": "11А"}
        ).json()

        # --- upload throughput ------------------------------------------------------------
        size = args.upload_mb * 1024 * 1024
        big = tmp / "work.bin"
        with big.open("wb") as fh:
            block = os.urandom(1024 * 1024)
            for i in range(args.upload_mb):
                fh.write(block[:-4] + i.to_bytes(4, "big"))
        start = time.perf_counter()
        with big.open("rb") as fh:
            minio.put_object(
                bucket_name=bucket,
                object_name=f"bench/direct-{tag}",
                data=fh,
                length=size,
                part_size=8 * 1024 * 1024,
            )
        direct = time.perf_counter() - start
        start = time.perf_counter()
        with big.open("rb") as fh:
            response = http.post(
                f"/api/v1/students/{student['id']}/documents",
                files={"file": ("work.bin", fh, "application/octet-stream")},
                data={"kind": "creative_work", "title": "Большая работа", "category": "creative"},
            )
        through = time.perf_counter() - start
        assert response.status_code == 201, response.text
        minio.remove_object(bucket_name=bucket, object_name=f"bench/direct-{tag}")
        mbps = lambda seconds: args.upload_mb / seconds  # noqa: E731
        print(
            f"upload {args.upload_mb} MB: direct minio put {mbps(direct):.0f} MB/s, "
            f"through the service {mbps(through):.0f} MB/s, ratio {direct / through:.2f} (target >= 0.5)"
        )

        # --- portfolio of N A4 JPEG scans --------------------------------------------------
        scans = [a4_scan(i) for i in range(args.scans)]
        print(f"{args.scans} synthetic A4 300 dpi JPEG scans, {sum(map(len, scans)) / 2**20:.0f} MB in all")
        other = http.post(
            "/api/v1/students", json={"full_name": "Портфолио Тест", "class_name": "11А"}
        ).json()
        start = time.perf_counter()
        for i, scan in enumerate(scans):
            r = http.post(
                f"/api/v1/students/{other['id']}/documents",
                files={"file": (f"scan-{i}.jpg", scan, "image/jpeg")},
                data={"kind": "gramota", "title": f"Грамота {i + 1}", "category": "academic"},
            )
            assert r.status_code == 201, r.text
        print(f"uploaded {args.scans} scans in {time.perf_counter() - start:.1f} s")

        floor = min(floor_merge(scans) for _ in range(3))
        before = psutil.Process(server.pid).memory_info().rss
        times = []
        with PeakRss(server.pid) as rss:
            for _ in range(3):
                start = time.perf_counter()
                pdf = http.get(f"/api/v1/students/{other['id']}/portfolio.pdf")
                times.append(time.perf_counter() - start)
                assert pdf.status_code == 200
        pages = len(pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
        best = min(times)
        print(
            f"portfolio ({pages} pages, {len(pdf.content) / 2**20:.0f} MB): service {best:.2f} s, "
            f"best of 3; floor img2pdf+pypdf {floor:.2f} s, ratio {best / floor:.1f}x (target <= 3x); "
            f"service peak RSS {rss.peak / 2**20:.0f} MB (target < 300 MB;"
            f" {before / 2**20:.0f} MB before the first portfolio request)"
        )
        print(f"portfolio sha256 {hashlib.sha256(pdf.content).hexdigest()[:16]}…")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if embedded is not None:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
