"""Portfolio of 200 mixed documents (JPEG scans and multi-page PDFs, about 400 pages) through the
service, against a bare merge of the same files with the same libraries and no service.

Prints assembly time (best of 3, each after a change of input, so nothing is served from the
portfolio cache) and the service's peak RSS, and the same time for the floor: img2pdf for each
JPEG, pypdf for each PDF, one pypdf writer, written out. Targets: service <= 2x the floor, peak
RSS <= 500 MB.

Starts its own embedded SecantusDB and SeaweedFS (or uses MONGODB_URI / S3_ENDPOINT when set).
Usage: python bench/portfolio.py [--scans 150] [--pdfs 50] [--pdf-pages 5]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import img2pdf
import pypdf

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PeakRss, a4_scan, bench_service

A4 = (595.28, 841.89)


def pdf_of(index: int, pages: int) -> bytes:
    """A scanned multi-page PDF, as a copier makes them: one JPEG per page."""
    layout = img2pdf.get_layout_fun(pagesize=A4, fit=img2pdf.FitMode.into)
    return bytes(img2pdf.convert([a4_scan(index * 100 + p) for p in range(pages)], layout_fun=layout))


def floor_merge(files: list[tuple[str, bytes]]) -> float:
    start = time.perf_counter()
    layout = img2pdf.get_layout_fun(pagesize=A4, fit=img2pdf.FitMode.into, auto_orient=True)
    writer = pypdf.PdfWriter()
    for kind, data in files:
        pdf = data if kind == "pdf" else img2pdf.convert(data, layout_fun=layout)
        writer.append(pypdf.PdfReader(io.BytesIO(pdf)))
    writer.write(io.BytesIO())
    return time.perf_counter() - start


def in_process_assembly(files: list[tuple[str, bytes]]) -> float:
    """The service's own assembly code on the same files held in memory: no S3, no HTTP."""
    from service.domain.portfolio import assemble_portfolio
    from service.models import Category, Document, DocumentKind, DocumentMetadata, FileFacts, Student

    blobs: dict[str, bytes] = {}
    documents = []
    for i, (kind, data) in enumerate(files):
        blobs[f"k{i}"] = data
        documents.append(
            Document(
                id=f"d{i}",
                school_id="bench",
                student_id="p",
                metadata=DocumentMetadata(
                    kind=DocumentKind.DIPLOMA,
                    title=f"Документ {i + 1}",
                    category=Category.OLYMPIAD_CONTEST,
                    academic_year="2025/2026",
                ),
                file=FileFacts(
                    media_type="application/pdf" if kind == "pdf" else "image/jpeg",
                    size=len(data),
                    sha256=str(i),
                    pages=1 if kind == "jpeg" else len(pypdf.PdfReader(io.BytesIO(data)).pages),
                    is_scan=True,
                ),
                original_filename="x",
                object_key=f"k{i}",
                thumbnail_key="t",
                created_at=datetime.now(UTC),
            )
        )
    student = Student(id="p", school_id="bench", full_name="Портфолио Тест", class_name="11А")
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        assemble_portfolio(
            student=student,
            school_name="Гимназия",
            documents=documents,
            fetch=blobs.__getitem__,
            today=date.today(),
            out=out,
        )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=150)
    parser.add_argument("--pdfs", type=int, default=50)
    parser.add_argument("--pdf-pages", type=int, default=5)
    args = parser.parse_args()

    files = [("jpeg", a4_scan(i)) for i in range(args.scans)]
    files += [("pdf", pdf_of(i, args.pdf_pages)) for i in range(args.pdfs)]
    pages_in = args.scans + args.pdfs * args.pdf_pages
    print(f"{len(files)} documents, {pages_in} pages, {sum(len(d) for _, d in files) / 2**20:.0f} MB")

    with bench_service({"PORTFOLIO_ASYNC_THRESHOLD": "1000000"}) as svc:
        http = svc.http
        pupil = http.post(
            "/api/v1/students", json={"full_name": "Портфолио Тест", "class_name": "11А"}
        ).json()
        first = None
        start = time.perf_counter()
        for i, (kind, data) in enumerate(files):
            r = http.post(
                f"/api/v1/students/{pupil['id']}/documents",
                files={
                    "file": (f"doc-{i}.{'pdf' if kind == 'pdf' else 'jpg'}", data, "application/octet-stream")
                },
                data={"kind": "diploma", "title": f"Документ {i + 1}", "category": "olympiad_contest"},
            )
            assert r.status_code == 201, r.text
            first = first or r.json()["id"]
        print(f"uploaded in {time.perf_counter() - start:.1f} s")

        floor = min(floor_merge(files) for _ in range(3))
        own = min(in_process_assembly(files) for _ in range(3))
        times = []
        with PeakRss(svc.process.pid) as rss:
            for run in range(3):
                http.patch(f"/api/v1/documents/{first}", json={"title": f"Документ 1 (ред. {run})"})
                start = time.perf_counter()
                pdf = http.get(f"/api/v1/students/{pupil['id']}/portfolio.pdf")
                times.append(time.perf_counter() - start)
                assert pdf.status_code == 200, pdf.text
        pages = len(pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
        best = min(times)
        print(
            f"portfolio ({pages} pages, {len(pdf.content) / 2**20:.0f} MB): service {best:.2f} s best of 3 "
            f"(runs {', '.join(f'{t:.2f}' for t in times)}); floor {floor:.2f} s; ratio {best / floor:.2f}x "
            f"(target <= 2x); service peak RSS {rss.peak / 2**20:.0f} MB (target <= 500 MB)"
        )
        print(
            f"the service's assembly code alone, in this process on the same files: {own:.2f} s, "
            f"{own / floor:.2f}x the floor"
        )
        # What moving the bytes costs by itself: the same PDF again, kept in S3, over HTTP.
        start = time.perf_counter()
        kept = http.get(f"/api/v1/students/{pupil['id']}/portfolio.pdf")
        print(
            f"the same portfolio again, served from S3 with no assembly: {time.perf_counter() - start:.2f} s "
            f"(identical: {kept.content == pdf.content})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
