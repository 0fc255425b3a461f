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
import time
from pathlib import Path

import img2pdf
import psutil
import pypdf

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PeakRss, a4_scan, bench_service

from service.storage.objects import make_minio_client


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

    # Assembly is timed in the request itself: no background job, and each run follows a change
    # of input (the service keeps a portfolio until an input changes).
    with bench_service({"PORTFOLIO_ASYNC_THRESHOLD": "1000000"}) as svc:
        http, env, bucket, tmp, server = svc.http, svc.env, svc.bucket, svc.tmp, svc.process
        tag = bucket.removeprefix("bench-")
        minio = make_minio_client(env["S3_ENDPOINT"], env["S3_ACCESS_KEY"], env["S3_SECRET_KEY"], "us-east-1")
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
        first = None
        for i, scan in enumerate(scans):
            r = http.post(
                f"/api/v1/students/{other['id']}/documents",
                files={"file": (f"scan-{i}.jpg", scan, "image/jpeg")},
                data={"kind": "gramota", "title": f"Грамота {i + 1}", "category": "academic"},
            )
            assert r.status_code == 201, r.text
            first = first or r.json()["id"]
        print(f"uploaded {args.scans} scans in {time.perf_counter() - start:.1f} s")

        floor = min(floor_merge(scans) for _ in range(3))
        before = psutil.Process(server.pid).memory_info().rss
        times = []
        with PeakRss(server.pid) as rss:
            for run in range(3):
                # A new title is a new input: the portfolio is assembled again, not served kept.
                http.patch(f"/api/v1/documents/{first}", json={"title": f"Грамота 1 (ред. {run})"})
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
        start = time.perf_counter()
        kept = http.get(f"/api/v1/students/{other['id']}/portfolio.pdf")
        print(
            f"the same portfolio again (kept in S3): {time.perf_counter() - start:.2f} s, "
            f"identical: {kept.content == pdf.content}"
        )
        print(f"portfolio sha256 {hashlib.sha256(pdf.content).hexdigest()[:16]}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
