"""Load: N concurrent clients upload and read against a running service for a fixed time.

Prints throughput, p50/p95/p99 latency per operation and the error count (must be 0), then
checks that every acknowledged upload is present with the right checksum.

Starts its own embedded stores and a real `python -m service serve` (or uses MONGODB_URI /
S3_ENDPOINT). Traffic goes to 127.0.0.1 only; the run is bounded in time and stops by itself.
Usage: python bench/load.py [--clients 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import bench_service


def scan(seed: int) -> bytes:
    """A small synthetic scan (~60-120 KB), different for every upload."""
    rng = random.Random(seed)
    im = Image.new("RGB", (1240, 1754), (250, 250, 245))
    draw = ImageDraw.Draw(im)
    for line in range(30):
        y = 120 + line * 50
        draw.rectangle((100, y, 100 + rng.randint(300, 1000), y + 14), fill=(30, 30, 40))
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=70)
    return out.getvalue()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def client_loop(
    http: httpx.AsyncClient,
    pupils: list[str],
    deadline: float,
    seed: int,
    latencies: dict[str, list[float]],
    errors: list[str],
    acknowledged: dict[str, str],
) -> None:
    rng = random.Random(seed)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        pupil = rng.choice(pupils)
        op = (
            "upload"
            if not acknowledged or rng.random() < 0.4
            else rng.choice(["metadata", "content", "thumbnail"])
        )
        start = time.perf_counter()
        try:
            if op == "upload":
                body = scan(seed * 1_000_000 + n)
                r = await http.post(
                    f"/api/v1/students/{pupil}/documents",
                    files={"file": (f"скан-{n}.jpg", body, "image/jpeg")},
                    data={"kind": "gramota", "title": f"Грамота {n}", "category": "academic"},
                )
                if r.status_code == 201:
                    acknowledged[r.json()["id"]] = hashlib.sha256(body).hexdigest()
            else:
                doc = rng.choice(list(acknowledged))
                path = {"metadata": "", "content": "/content", "thumbnail": "/thumbnail"}[op]
                r = await http.get(f"/api/v1/documents/{doc}{path}")
            if r.status_code >= 400:
                errors.append(f"{op}: {r.status_code} {r.text[:120]}")
        except httpx.HTTPError as exc:
            errors.append(f"{op}: {type(exc).__name__}")
        latencies[op].append(time.perf_counter() - start)


async def run(url: str, clients: int, seconds: float, headers: dict[str, str]) -> int:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    acknowledged: dict[str, str] = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits, headers=headers) as http:
        pupils = []
        for i in range(10):
            r = await http.post(
                "/api/v1/students", json={"full_name": f"Нагрузочный Тест {i}", "class_name": "8В"}
            )
            pupils.append(r.json()["id"])
        deadline = time.monotonic() + seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(client_loop(http, pupils, deadline, s, latencies, errors, acknowledged) for s in range(clients))
        )
        elapsed = time.perf_counter() - started
        total = sum(len(v) for v in latencies.values())
        print(
            f"{clients} clients, {elapsed:.0f} s: {total} requests, {total / elapsed:.1f} req/s,"
            f" errors: {len(errors)}"
        )
        for op, values in sorted(latencies.items()):
            print(
                f"  {op:9s} n={len(values):5d}  p50 {percentile(values, 50) * 1000:7.1f} ms"
                f"  p95 {percentile(values, 95) * 1000:7.1f} ms  p99 {percentile(values, 99) * 1000:7.1f} ms"
                f"  mean {statistics.fmean(values) * 1000:7.1f} ms"
            )
        for line in errors[:10]:
            print("  error:", line)
        bad = 0
        for doc, sha in acknowledged.items():
            r = await http.get(f"/api/v1/documents/{doc}/content")
            if r.status_code != 200 or hashlib.sha256(r.content).hexdigest() != sha:
                bad += 1
        print(
            f"acknowledged uploads: {len(acknowledged)};"
            f" present with the right checksum: {len(acknowledged) - bad}"
        )
        return 0 if not errors and not bad else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    with bench_service() as svc:
        return asyncio.run(
            run(svc.url, args.clients, args.seconds, {"Authorization": svc.http.headers["Authorization"]})
        )


if __name__ == "__main__":
    sys.exit(main())
