"""Large files stream through the service with flat memory (measured on a real server process)."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from PIL import Image

from service.embedded import free_port, service_env, staff_headers, start_service
from service.settings import Settings

SIZE = 200 * 1024 * 1024
BUDGET = 64 * 1024 * 1024


class PeakRss:
    """Samples a process's resident memory in the background and keeps the peak."""

    def __init__(self, pid: int) -> None:
        self._proc = psutil.Process(pid)
        self.start = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            time.sleep(0.01)

    def __enter__(self) -> PeakRss:
        self.start = self.peak = self._proc.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.start


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, int, dict[str, str]]]:
    port = free_port()
    env = {**service_env(settings), "TMPDIR": str(tmp_path)}
    proc = start_service(env, port=port, log_path=tmp_path / "server.log")
    try:
        yield f"http://127.0.0.1:{port}", proc.pid, staff_headers(f"http://127.0.0.1:{port}", settings)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _big_file(path: Path, size: int = SIZE) -> str:
    digest = hashlib.sha256()
    block = os.urandom(1024 * 1024)
    with path.open("wb") as fh:
        for i in range(size // len(block)):
            chunk = block[:-4] + i.to_bytes(4, "big")  # no two megabytes alike
            digest.update(chunk)
            fh.write(chunk)
    return digest.hexdigest()


def test_200_mb_creative_work_streams_in_and_out_with_flat_memory(
    server: tuple[str, int, dict[str, str]], tmp_path: Path
) -> None:
    url, pid, headers = server
    path = tmp_path / "выступление.mp4"
    expected = _big_file(path)
    with httpx.Client(base_url=url, timeout=300, headers=headers) as http:
        student = http.post(
            "/api/v1/students", json={"full_name": "Образцов Пётр", "class_name": "9В"}
        ).json()
        # Warm up: first requests import and allocate what every request will reuse.
        warm = http.post(
            f"/api/v1/students/{student['id']}/documents",
            files={"file": ("warm.bin", os.urandom(2 * 1024 * 1024))},
            data={"kind": "creative_work", "title": "Разминка", "category": "creative"},
        )
        assert warm.status_code == 201

        with path.open("rb") as fh, PeakRss(pid) as upload_rss:
            response = http.post(
                f"/api/v1/students/{student['id']}/documents",
                files={"file": (path.name, fh, "video/mp4")},
                data={"kind": "creative_work", "title": "Видео выступления", "category": "creative"},
            )
        assert response.status_code == 201, response.text
        doc = response.json()
        assert doc["sha256"] == expected and doc["size"] == SIZE

        digest = hashlib.sha256()
        with (
            PeakRss(pid) as download_rss,
            http.stream("GET", f"/api/v1/documents/{doc['id']}/content") as stream,
        ):
            for chunk in stream.iter_bytes():
                digest.update(chunk)
        assert digest.hexdigest() == expected

    print(
        f"\nservice RSS growth: upload {upload_rss.growth / 2**20:.1f} MB,"
        f" download {download_rss.growth / 2**20:.1f} MB"
    )
    assert upload_rss.growth < BUDGET
    assert download_rss.growth < BUDGET


def test_a_1_gb_bundle_streams_with_flat_memory(
    server: tuple[str, int, dict[str, str]], tmp_path: Path
) -> None:
    url, pid, headers = server
    expected: dict[str, str] = {}
    with httpx.Client(base_url=url, timeout=600, headers=headers) as http:
        student = http.post(
            "/api/v1/students", json={"full_name": "Образцов Пётр", "class_name": "9В"}
        ).json()
        for n in range(5):
            path = tmp_path / f"концерт-{n}.mp4"
            sha = _big_file(path)
            with path.open("rb") as fh:
                response = http.post(
                    f"/api/v1/students/{student['id']}/documents",
                    files={"file": (path.name, fh, "video/mp4")},
                    data={"kind": "creative_work", "title": f"Концерт {n}", "category": "creative"},
                )
            assert response.status_code == 201, response.text
            expected[sha] = path.name
            path.unlink()
        # Warm up: the first bundle assembles and keeps the portfolio.
        http.get(f"/api/v1/students/{student['id']}/portfolio.pdf").raise_for_status()

        target = tmp_path / "bundle.zip"
        with (
            PeakRss(pid) as rss,
            http.stream("GET", f"/api/v1/students/{student['id']}/bundle.zip") as stream,
            target.open("wb") as out,
        ):
            assert stream.status_code == 200
            for chunk in stream.iter_bytes():
                out.write(chunk)
    size = target.stat().st_size
    assert size > 5 * SIZE
    with zipfile.ZipFile(target) as bundle:
        for name in bundle.namelist():
            if name.endswith(".mp4"):
                digest = hashlib.sha256()
                with bundle.open(name) as member:
                    while block := member.read(1024 * 1024):
                        digest.update(block)
                assert digest.hexdigest() in expected, name
    print(f"\nbundle of {size / 2**20:.0f} MB: service RSS growth {rss.growth / 2**20:.1f} MB")
    assert rss.growth < BUDGET


def test_a_100_megapixel_scan_is_decoded_for_the_portfolio_outside_the_service(
    server: tuple[str, int, dict[str, str]], tmp_path: Path
) -> None:
    url, pid, headers = server
    big = tmp_path / "огромный.png"
    Image.new("RGB", (10_000, 10_000), (250, 250, 250)).save(big, format="PNG")
    with httpx.Client(base_url=url, timeout=300, headers=headers) as http:
        student = http.post(
            "/api/v1/students", json={"full_name": "Образцов Пётр", "class_name": "9В"}
        ).json()
        with big.open("rb") as fh:
            r = http.post(
                f"/api/v1/students/{student['id']}/documents",
                files={"file": (big.name, fh, "image/png")},
                data={"kind": "diploma", "title": "Диплом", "category": "academic"},
            )
        assert r.status_code == 201, r.text
        with PeakRss(pid) as rss:
            pdf = http.get(f"/api/v1/students/{student['id']}/portfolio.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    print(f"\nportfolio with a 100 MP scan: service RSS growth {rss.growth / 2**20:.1f} MB")
    assert rss.growth < BUDGET * 2
