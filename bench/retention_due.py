"""Time to list due cases and to draft an act over 100,000 documents.

Synthetic records are written straight into MongoDB (the shape the service stores: 2,000
pupils, 10 years of cases each, 100,000 documents; a quarter of the pupils left in 2015, so
their cases are due); then the service's own RetentionService.due() and ActService.draft() run
against them. Starts its own embedded SecantusDB and SeaweedFS (or uses MONGODB_URI /
S3_ENDPOINT). Usage: python bench/retention_due.py [--documents 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import anyio
from pymongo import MongoClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.embedded import EmbeddedStores, S3Ports, free_port
from service.lifespan import open_stores
from service.settings import Settings
from service.storage.retention_repo import CaseRepository
from service.wiring import make_act_service, make_retention_service

SCHOOL = "bench-school"
PUPILS = 2000
YEARS = range(2006, 2016)


def populate(db, documents: int) -> int:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    per_case = max(1, documents // (PUPILS * len(YEARS)))
    students, cases, docs = [], [], []
    for p in range(PUPILS):
        sid = f"pupil-{p:05d}"
        left = date(2015, 6, 30) if p % 4 == 0 else None
        students.append(
            {
                "_id": sid,
                "school_id": SCHOOL,
                "full_name": f"Обучающийся {p}",
                "class_name": "11А",
                "left_on": left.isoformat() if left else None,
                "created_at": now,
            }
        )
        for year in YEARS:
            case_id = f"07-03/{year}/{sid}"
            due = "2019-01-01" if left else None  # left 2015 -> from 01.01.2016 + 3 years
            cases.append(
                {
                    "_id": case_id,
                    "school_id": SCHOOL,
                    "index": "07-03",
                    "year": year,
                    "student_id": sid,
                    "nomenclature_version": 1,
                    "title": "Копии документов о достижениях обучающихся",
                    "retention": {"kind": "years_after_leaving", "years": 3},
                    "retention_label": "3 года после выбытия обучающегося",
                    "article": None,
                    "epk": False,
                    "to_be_confirmed": True,
                    "note": "",
                    "review": None,
                    "dmn_decision": None,
                    "closes_on": f"{year}-12-31",
                    "event_on": left.isoformat() if left else None,
                    "expires_on": due,
                    "destroy_not_before": due,
                    "created_at": now,
                    "documents": per_case,
                    "bytes": per_case * 500_000,
                }
            )
            for k in range(per_case):
                did = str(uuid.uuid4())
                docs.append(
                    {
                        "_id": did,
                        "school_id": SCHOOL,
                        "student_id": sid,
                        "case_id": case_id,
                        "meta": {
                            "kind": "diploma",
                            "title": f"Диплом {k}",
                            "category": "olympiad_contest",
                            "academic_year": f"{year}/{year + 1}",
                            "source": "school",
                            "issued_on": None,
                            "issuer": None,
                            "event": None,
                            "event_level": None,
                            "result": None,
                        },
                        "file": {
                            "media_type": "image/jpeg",
                            "size": 500_000,
                            "sha256": did.replace("-", ""),
                            "pages": 1,
                            "is_scan": True,
                            "original_filename": "скан.jpg",
                            "object_key": f"schools/{SCHOOL}/documents/{did}/original",
                            "thumbnail_key": f"schools/{SCHOOL}/documents/{did}/thumbnail.jpg",
                            "object_version": None,
                            "thumbnail_version": None,
                        },
                        "due_from": due,
                        "created_at": now,
                    }
                )
    db.students.insert_many(students)
    for i in range(0, len(cases), 5000):
        db.cases.insert_many(cases[i : i + 5000])
    for i in range(0, len(docs), 5000):
        db.documents.insert_many(docs[i : i + 5000])
    return len(docs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args()
    embedded = None
    if os.environ.get("MONGODB_URI") and os.environ.get("S3_ENDPOINT"):
        settings = Settings.from_env()
    else:
        embedded = EmbeddedStores(
            data_dir=Path(tempfile.mkdtemp(prefix="retention-bench-")),
            mongo_port=free_port(),
            s3_ports=S3Ports.free(),
        )
        embedded.start()
        settings = Settings(
            mongodb_uri=embedded.mongodb_uri,
            s3_endpoint=embedded.s3_endpoint,
            s3_access_key=embedded.access_key,
            s3_secret_key=embedded.secret_key,
        )
    settings = replace(
        settings,
        mongodb_db=f"bench_{uuid.uuid4().hex[:8]}",
        s3_bucket=f"bench-{uuid.uuid4().hex[:8]}",
        school_id=SCHOOL,
    )
    mongo = MongoClient(settings.mongodb_uri)
    try:

        async def prepare() -> None:
            stores = await open_stores(settings)  # creates the indexes
            await stores.close()

        anyio.run(prepare)
        start = time.perf_counter()
        n = populate(mongo[settings.mongodb_db], args.documents)
        print(f"inserted {n} documents in {time.perf_counter() - start:.1f} s")
        plan = (
            mongo[settings.mongodb_db]
            .cases.find(CaseRepository.destroyable_query(SCHOOL, date(2027, 1, 1)))
            .explain()
        )
        stage = plan["queryPlanner"]["winningPlan"]
        print(
            f"due query plan: {stage.get('stage')} <- {stage.get('inputStage', {}).get('stage')} "
            f"({stage.get('inputStage', {}).get('indexName')})"
        )

        async def measure() -> None:
            stores = await open_stores(settings)
            try:
                retention = make_retention_service(stores)
                acts = make_act_service(settings, stores, retention)
                for attempt in range(2):
                    t = time.perf_counter()
                    report = await retention.due(SCHOOL, as_of=date(2027, 1, 15))
                    due_s = time.perf_counter() - t
                    t = time.perf_counter()
                    act = await acts.draft(
                        SCHOOL, as_of=date(2027, 1, 15), compiled_by="bench", today=date(2027, 1, 15)
                    )
                    draft_s = time.perf_counter() - t
                    print(
                        f"run {attempt + 1}: due list {due_s:.2f} s ({len(report.due)} cases, "
                        f"{sum(c.documents for c in report.due)} documents); "
                        f"draft act {draft_s:.2f} s ({act['total_items']} items, {len(act['rows'])} rows)"
                    )
                    await acts.cancel(SCHOOL, act["_id"], {"cancelled_by": "bench", "reason": "bench"})
            finally:
                await stores.close()

        anyio.run(measure)
    finally:
        mongo.drop_database(settings.mongodb_db)
        mongo.close()
        if embedded is not None:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
