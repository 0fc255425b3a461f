"""The demo school `make run` seeds: every role has something to try, the archivist an act."""

from __future__ import annotations

from datetime import date

import anyio

from service.demo import DEMO_GRADUATE, DEMO_PUPILS, seed_demo
from service.lifespan import open_stores
from service.settings import Settings
from service.wiring import make_retention_service


def test_the_demo_school_has_pupils_a_queue_and_a_case_due_for_destruction(settings: Settings) -> None:
    today = date(2026, 12, 4)

    async def seed() -> tuple[bool, bool, list[str], int]:
        stores = await open_stores(settings)
        try:
            first = await seed_demo(settings=settings, stores=stores, today=today)
            again = await seed_demo(settings=settings, stores=stores, today=today)
            report = await make_retention_service(stores).due(settings.school_id, as_of=today)
            names = await make_retention_service(stores).pupil_names(
                settings.school_id, {d.case["student_id"] for d in report.due if d.case.get("student_id")}
            )
            pending = await stores.db.documents.count_documents({"status": "pending"})
            return first, again, sorted(names.values()), pending
        finally:
            await stores.close()

    first, again, due_pupils, pending = anyio.run(seed)
    assert first and not again  # seeded once; a second start keeps what is there
    assert due_pupils == [DEMO_GRADUATE[0]]  # only the pupil who left in 2019
    assert pending > 0 and len(DEMO_PUPILS) == 6
