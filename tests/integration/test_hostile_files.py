"""Generated hostile files: each is refused (or safely taken) within bounded time and memory, and a
refusal leaves nothing behind. The decoders run in a child process with hard limits; these tests
check that the service process itself neither grows nor waits for ever."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psutil
import pytest
from litestar.testing import TestClient
from minio import Minio
from pymongo import MongoClient

from service.app import create_app
from service.settings import Settings
from tests import hostile
from tests.conftest import count_stored, create_student, staff_client, upload
from tests.helpers import jpeg_bytes

SECONDS = 8  # the child's CPU limit in these tests
MEMORY_MB = 400  # the child's address-space limit
SERVICE_GROWTH_MB = 120  # what the service process itself may grow by while one file is refused

CASES: list[tuple[str, Callable[[], bytes]]] = [
    ("flate-bomb.pdf", hostile.flate_bomb_pdf),
    ("objstm-bomb.pdf", hostile.object_stream_bomb_pdf),
    ("nested-arrays.pdf", hostile.nested_arrays_pdf),
    ("deep-page-tree.pdf", hostile.deep_page_tree_pdf),
    ("page-tree-loop.pdf", hostile.page_tree_loop_pdf),
    ("huge-dims.png", lambda: hostile.png_claiming(100_000, 100_000)),
    ("huge-dims.jpg", lambda: hostile.jpeg_claiming(65_000, 65_000)),
    ("pixel-flood.png", hostile.png_pixel_flood),
]


@contextmanager
def peak_rss_growth() -> Iterator[list[float]]:
    """Samples this process's RSS every 20 ms; yields [growth in MB] filled in on exit."""
    me = psutil.Process()
    start = me.memory_info().rss
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], me.memory_info().rss)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result: list[float] = [0.0]
    try:
        yield result
    finally:
        done.set()
        sampler.join()
        result[0] = (peak[0] - start) / 2**20


@pytest.fixture(scope="module")
def hostile_files() -> dict[str, bytes]:
    return {name: make() for name, make in CASES}


@pytest.fixture
def limited_client(make_settings) -> Iterator[tuple[TestClient, Settings]]:  # type: ignore[no-untyped-def]
    settings = make_settings(inspect_memory_mb=MEMORY_MB, inspect_seconds=SECONDS)
    with staff_client(create_app(settings, sweep_at_start=False)) as client:
        yield client, settings


@pytest.mark.parametrize("name", [n for n, _ in CASES])
def test_hostile_file_is_refused_in_bounded_time_and_memory(
    name: str,
    hostile_files: dict[str, bytes],
    limited_client: tuple[TestClient, Settings],
    mongo: MongoClient,
    s3: Minio,
) -> None:
    client, settings = limited_client
    pupil = create_student(client)
    upload(client, pupil["id"], jpeg_bytes())  # warm up: the first upload starts the decoder pool
    before = count_stored(settings, mongo, s3)
    started = time.monotonic()
    with peak_rss_growth() as growth:
        response = upload(client, pupil["id"], hostile_files[name], name)
    elapsed = time.monotonic() - started
    print(
        "HOSTILE",
        name,
        response.status_code,
        f"{elapsed:.2f}s",
        f"{growth[0]:.0f}MB",
        response.json().get("detail"),
    )

    assert response.status_code in (415, 422), response.text
    detail = response.json()["detail"]
    assert detail and "Traceback" not in detail and all(ch not in detail for ch in "<>{}")
    assert count_stored(settings, mongo, s3) == before
    assert elapsed < 2 * SECONDS + 10, f"{name}: {elapsed:.1f} s"
    assert growth[0] < SERVICE_GROWTH_MB, f"{name}: the service grew by {growth[0]:.0f} MB"
    # Still serving.
    assert upload(client, pupil["id"], jpeg_bytes(color="gray")).status_code == 201
