"""The archivist's path end to end: cases, clocks, holds, acts, WORM storage, tombstones."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import date
from typing import Any

import anyio
import pypdf
import pytest
from litestar.testing import TestClient
from minio import Minio
from minio.error import S3Error
from pymongo import MongoClient

from service.embedded import service_env
from service.errors import Conflict, InvalidInput, StoreUnavailable
from service.lifespan import open_stores
from service.settings import Settings
from service.storage.retention_repo import CaseRepository
from service.wiring import make_act_service, make_retention_service
from tests.conftest import Clock, create_student, run_cli, upload
from tests.helpers import jpeg_bytes, png_bytes

R = "/api/v1/retention"


def versions(s3: Minio, settings: Settings, prefix: str) -> list[Any]:
    return list(
        s3.list_objects(bucket_name=settings.s3_bucket, prefix=prefix, recursive=True, include_version=True)
    )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def leave(client: TestClient, student_id: str, on: str) -> None:
    response = client.post(
        f"/api/v1/students/{student_id}/leaving", json={"left_on": on, "order_number": "45-у"}
    )
    assert response.status_code == 200, response.text


def test_nomenclature_default_versions_and_validation(app_client: TestClient) -> None:
    current = app_client.get(f"{R}/nomenclature").json()
    assert current["version"] == 1
    by_index = {e["index"]: e for e in current["entries"]}
    assert (
        by_index["07-03"]["to_be_confirmed_label"] == "Срок подлежит утверждению экспертной комиссией школы"
    )
    assert by_index["07-01"]["to_be_confirmed"] is False

    bad = app_client.post(
        f"{R}/nomenclature", json={"text": "[[entry]]\nindex='x'\n", "uploaded_by": "Архивариус"}
    )
    assert bad.status_code == 422
    assert "07-03" in bad.json()["detail"]

    text = (
        app_client.get("/schema/openapi.json").status_code
        and open("retention/default_nomenclature.toml", encoding="utf-8").read()
    )
    changed = text.replace('index = "07-03"', 'index = "07-03"\n# ЭК, протокол № 3', 1).replace(
        "years = 3\npupil_level", "years = 5\npupil_level", 1
    )
    new = app_client.post(f"{R}/nomenclature", json={"text": changed, "uploaded_by": "Архивариус"})
    assert new.status_code == 201, new.text
    assert new.json()["version"] == 2
    assert [v["version"] for v in app_client.get(f"{R}/nomenclature/versions").json()] == [2, 1]
    assert app_client.get(f"{R}/nomenclature", params={"version": 1}).json()["version"] == 1


def test_documents_are_filed_into_cases_that_remember_their_version(
    app_client: TestClient, clock: Clock
) -> None:
    pupil = create_student(app_client)
    diploma = upload(app_client, pupil["id"], jpeg_bytes()).json()
    work = upload(app_client, pupil["id"], png_bytes(), kind="creative_work", category="creative").json()
    assert diploma["case_id"] == f"07-03/2020/{pupil['id']}"
    assert work["case_id"] == f"07-04/2020/{pupil['id']}"
    case = app_client.get(f"{R}/cases/{diploma['case_id']}").json()
    assert case["nomenclature_version"] == 1 and case["state"] == "open"
    assert case["retention_label"] == "3 года после выбытия обучающегося"
    clock.today = date(2021, 1, 10)
    assert app_client.get(f"{R}/cases/{diploma['case_id']}").json()["state"] == "waiting_for_event"
    listed = app_client.get(f"{R}/cases", params={"index": "07-04"}).json()
    assert [c["case_id"] for c in listed] == [work["case_id"]]
    assert app_client.get(f"{R}/cases/07-99/2020").status_code == 404


def test_leaving_starts_the_clock_and_the_due_list_follows_it(app_client: TestClient, clock: Clock) -> None:
    pupil = create_student(app_client)
    stays = create_student(app_client, "Примеров Лев", "5А")
    doc = upload(app_client, pupil["id"], jpeg_bytes()).json()
    upload(app_client, stays["id"], jpeg_bytes(color="gray")).json()
    clock.today = date(2021, 6, 1)
    leave(app_client, pupil["id"], "31.05.2021")
    assert app_client.get(f"/api/v1/students/{pupil['id']}").json()["left_on"] == "2021-05-31"
    # left in 2021 -> clock from 01.01.2022 -> 3 years run out on 01.01.2025
    case = app_client.get(f"{R}/cases/{doc['case_id']}").json()
    assert case["destroy_not_before"] == "2025-01-01"
    early = app_client.get(f"{R}/due", params={"as_of": "2024-12-31"}).json()
    assert early["due"]["cases"] == []
    due = app_client.get(f"{R}/due", params={"as_of": "2025-01-01"}).json()
    assert [c["case_id"] for c in due["due"]["cases"]] == [doc["case_id"]]
    assert due["due"]["documents"] == 1 and due["due"]["bytes"] == doc["size"]
    view = app_client.get(f"/api/v1/students/{pupil['id']}/retention").json()
    assert view["documents"][0]["destroy_not_before"] == "2025-01-01"
    assert "01.01.2025" in view["documents"][0]["explanation"]


def test_epk_and_dmn_cases_need_recorded_decisions(app_client: TestClient, clock: Clock) -> None:
    pupil = create_student(app_client)
    work = upload(app_client, pupil["id"], png_bytes(), kind="creative_work", category="creative").json()
    clock.today = date(2023, 2, 1)
    due = app_client.get(f"{R}/due").json()
    assert [c["case_id"] for c in due["needs_decision"]["cases"]] == [work["case_id"]]
    assert due["due"]["cases"] == []
    decided = app_client.post(
        f"{R}/dmn-decisions",
        params={"case_id": work["case_id"]},
        json={"reason": "Работа передана семье, надобность миновала", "decided_by": "Архивариус Тестова"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "due"
    assert [c["case_id"] for c in app_client.get(f"{R}/due").json()["due"]["cases"]] == [work["case_id"]]
    # A review is refused for a case without the ЭПК mark.
    refused = app_client.post(
        f"{R}/case-reviews",
        params={"case_id": work["case_id"]},
        json={"decision": "destroy", "protocol_number": "1", "protocol_date": "01.02.2023"},
    )
    assert refused.status_code == 422


def _due_act(app_client: TestClient, clock: Clock) -> tuple[dict, dict, dict]:
    pupil = create_student(app_client)
    other = create_student(app_client, "Примеров Лев", "5А")
    doc = upload(app_client, pupil["id"], jpeg_bytes()).json()
    second = upload(app_client, pupil["id"], png_bytes()).json()
    kept = upload(app_client, other["id"], jpeg_bytes(color="gray")).json()
    clock.today = date(2021, 6, 1)
    leave(app_client, pupil["id"], "2021-05-31")
    clock.today = date(2025, 2, 3)
    act = app_client.post(f"{R}/acts", json={"as_of": "2025-02-03", "compiled_by": "Архивариус Тестова"})
    assert act.status_code == 201, act.text
    return act.json(), {"doc": doc, "second": second, "pupil": pupil}, kept


def approve(app_client: TestClient, act_id: str) -> dict:
    response = app_client.post(
        f"{R}/acts/{act_id}/approve",
        json={
            "approved_by": "Директор Образцов П. П.",
            "protocol_number": "4",
            "protocol_date": "2025-02-03",
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_act_draft_approve_execute_leaves_tombstones_and_nothing_else(
    app_client: TestClient, clock: Clock, settings: Settings, s3: Minio, mongo: MongoClient
) -> None:
    act, pupil, kept = _due_act(app_client, clock)
    doc, second = pupil["doc"], pupil["second"]
    assert act["status"] == "draft" and act["number"] == "2025-1"
    # One case is one unit of storage (ед. хр.); it holds the pupil's two documents.
    assert (
        act["total_items"] == 1
        and act["total_documents"] == 2
        and [r["index"] for r in act["rows"]] == ["07-03"]
    )
    assert "Образцова Мария Петровна" in act["rows"][0]["title"] and "документов: 2" in act["rows"][0]["note"]
    draft_pdf = app_client.get(act["pdf_url"])
    text = pdf_text(draft_pdf.content)
    assert "АКТ № 2025-1" in text and "УТВЕРЖДАЮ" in text and "СОГЛАСОВАНО" in text and "ПРОЕКТ" in text
    assert "07-03" in text and "Итого 1 ед. хр." in text

    # A draft destroys nothing.
    refused = app_client.post(f"{R}/acts/{act['id']}/execute", json={"executed_by": "Архивариус"})
    assert refused.status_code == 409
    assert app_client.get(f"/api/v1/documents/{doc['id']}/content").status_code == 200

    approved = approve(app_client, act["id"])
    assert approved["approval"]["protocol_number"] == "4"
    assert (
        app_client.post(
            f"{R}/acts/{act['id']}/approve",
            json={"approved_by": "x", "protocol_number": "5", "protocol_date": "2025-02-03"},
        ).status_code
        == 409
    )
    # A kept portfolio holds copies of the pages about to be destroyed.
    assert app_client.get(f"/api/v1/students/{pupil['pupil']['id']}/portfolio.pdf").status_code == 200
    portfolios = f"schools/{settings.school_id}/portfolios/{pupil['pupil']['id']}/"
    assert len(versions(s3, settings, portfolios)) == 1
    result = app_client.post(f"{R}/acts/{act['id']}/execute", json={"executed_by": "Архивариус Тестова"})
    assert result.status_code == 200, result.text
    executed = result.json()
    assert executed["status"] == "executed"
    assert versions(s3, settings, portfolios) == []
    assert sorted(executed["execution"]["destroyed"]) == sorted([doc["id"], second["id"]])

    for d in (doc, second):
        assert app_client.get(f"/api/v1/documents/{d['id']}").status_code == 404
        assert versions(s3, settings, f"schools/{settings.school_id}/documents/{d['id']}/") == []
    tombstone = mongo[settings.mongodb_db].tombstones.find_one({"_id": doc["id"]})
    assert tombstone["state"] == "destroyed" and tombstone["sha256"] == doc["sha256"]
    assert tombstone["act_number"] == "2025-1" and tombstone["case_id"] == doc["case_id"]
    # Outside the act nothing changed.
    assert app_client.get(f"/api/v1/documents/{kept['id']}/content").status_code == 200
    view = app_client.get(f"/api/v1/students/{pupil['pupil']['id']}/retention").json()
    assert view["documents"] == [] and {d["document_id"] for d in view["destroyed"]} == {
        doc["id"],
        second["id"],
    }

    log = app_client.get("/api/v1/access-log", params={"student_id": pupil["pupil"]["id"]}).json()
    destroyed_log = [e for e in log if e["action"] == "destroy"]
    assert {e["document_id"] for e in destroyed_log} == {doc["id"], second["id"]}
    assert all(e["actor"] == "Архивариус Тестова" and e["details"]["act"] == "2025-1" for e in destroyed_log)
    pd = app_client.get(executed["pd_destruction_pdf_url"])
    assert pd.status_code == 200
    pd_text = pdf_text(pd.content)
    assert "об уничтожении персональных данных" in pd_text and "Образцова Мария Петровна" in pd_text
    assert doc["sha256"][:16] in pd_text.replace("\n", "")
    assert "Отметка об уничтожении" in pdf_text(app_client.get(act["pdf_url"]).content)
    # Executing again is harmless; cancelling an executed act is refused.
    again = app_client.post(f"{R}/acts/{act['id']}/execute", json={"executed_by": "x"})
    assert again.status_code == 409
    assert (
        app_client.post(f"{R}/acts/{act['id']}/cancel", json={"cancelled_by": "x", "reason": "y"}).status_code
        == 409
    )


def test_hold_wins_over_an_approved_act(app_client: TestClient, clock: Clock) -> None:
    act, pupil, _ = _due_act(app_client, clock)
    doc = pupil["doc"]
    approve(app_client, act["id"])
    hold = app_client.post(
        f"{R}/holds",
        json={
            "target_type": "document",
            "target_id": doc["id"],
            "reason": "Запрос прокуратуры",
            "placed_by": "Директор",
        },
    )
    assert hold.status_code == 201, hold.text
    executed = app_client.post(f"{R}/acts/{act['id']}/execute", json={"executed_by": "Архивариус"}).json()
    assert executed["execution"]["skipped"] == [{"document_id": doc["id"], "reason": "on_hold"}]
    assert executed["execution"]["destroyed"] == [pupil["second"]["id"]]
    assert app_client.get(f"/api/v1/documents/{doc['id']}/content").status_code == 200
    # While held, no act can take it; released, it goes into the next act.
    assert app_client.post(f"{R}/acts", json={}).status_code == 422
    release = f"{R}/holds/{hold.json()['id']}/release"
    # The reason for lifting a hold is part of the record: without one nothing changes.
    for blank in [{"released_by": "Директор"}, {"released_by": "Директор", "reason": "   "}]:
        assert app_client.post(release, json=blank).status_code == 422
    assert app_client.post(f"{R}/acts", json={}).status_code == 422  # still held
    reason = {"released_by": "Директор", "reason": "Проверка завершена"}
    released = app_client.post(release, json=reason)
    assert released.status_code == 200 and released.json()["release_reason"] == "Проверка завершена"
    assert app_client.post(release, json=reason).status_code == 409
    assert app_client.post(f"{R}/acts", json={}).json()["total_items"] == 1


def test_student_hold_moves_cases_to_on_hold(app_client: TestClient, clock: Clock) -> None:
    act, pupil, _ = _due_act(app_client, clock)
    assert (
        app_client.post(
            f"{R}/acts/{act['id']}/cancel", json={"cancelled_by": "Архивариус", "reason": "Ошибка"}
        ).status_code
        == 200
    )
    hold = app_client.post(
        f"{R}/holds",
        json={
            "target_type": "student",
            "target_id": pupil["pupil"]["id"],
            "reason": "Заявление родителей",
            "placed_by": "Директор",
        },
    )
    assert hold.status_code == 201
    due = app_client.get(f"{R}/due").json()
    assert due["due"]["cases"] == [] and len(due["on_hold"]["cases"]) == 1
    assert app_client.get(f"{R}/holds").json()[0]["reason"] == "Заявление родителей"
    assert (
        app_client.post(
            f"{R}/holds", json={"target_type": "planet", "target_id": "x", "reason": "y", "placed_by": "z"}
        ).status_code
        == 422
    )
    assert (
        app_client.post(
            f"{R}/holds",
            json={"target_type": "document", "target_id": "nope", "reason": "y", "placed_by": "z"},
        ).status_code
        == 404
    )


def test_objects_are_worm_locked_and_held(
    app_client: TestClient, settings: Settings, s3: Minio, clock: Clock
) -> None:
    # Object Lock runs on the S3 server's real clock, so this test lives in the present.
    year = date.today().year
    clock.today = date(year, 3, 2)
    pupil = create_student(app_client)
    doc = upload(app_client, pupil["id"], jpeg_bytes()).json()
    key = f"schools/{settings.school_id}/documents/{doc['id']}/original"
    (version,) = [v for v in versions(s3, settings, key) if not v.is_delete_marker]
    retention = s3.get_object_retention(
        bucket_name=settings.s3_bucket, object_name=key, version_id=version.version_id
    )
    assert retention.mode == "GOVERNANCE"
    # 07-03 is "3 years after leaving": at least until 1 January, 3 years after next year.
    assert retention.retain_until_date.date() == date(year + 4, 1, 1)
    with pytest.raises(S3Error):
        s3.remove_object(bucket_name=settings.s3_bucket, object_name=key, version_id=version.version_id)

    async def plain_delete() -> None:
        stores = await open_stores(settings)
        try:
            with pytest.raises(StoreUnavailable):
                await stores.objects.delete([key])  # the sweep's delete: no bypass
        finally:
            await stores.close()

    anyio.run(plain_delete)
    # Leaving later extends the lock to the computed due date.
    clock.today = date(year + 1, 6, 1)
    leave(app_client, pupil["id"], f"{year + 1}-05-31")
    retention = s3.get_object_retention(
        bucket_name=settings.s3_bucket, object_name=key, version_id=version.version_id
    )
    assert retention.retain_until_date.date() == date(year + 5, 1, 1)
    app_client.post(
        f"{R}/holds",
        json={"target_type": "case", "target_id": doc["case_id"], "reason": "Суд", "placed_by": "Директор"},
    )
    assert s3.is_object_legal_hold_enabled(
        bucket_name=settings.s3_bucket, object_name=key, version_id=version.version_id
    )
    assert app_client.get(f"/api/v1/documents/{doc['id']}/content").status_code == 200


def test_no_destruction_outside_an_approved_act(
    app_client: TestClient, clock: Clock, settings: Settings
) -> None:
    act, pupil, _ = _due_act(app_client, clock)
    doc = pupil["doc"]
    # API: there is no delete route for documents at all.
    assert app_client.delete(f"/api/v1/documents/{doc['id']}").status_code in (404, 405)
    assert app_client.post(f"{R}/acts/unknown/execute", json={"executed_by": "x"}).status_code == 404

    async def direct() -> None:
        stores = await open_stores(settings)
        try:
            acts = make_act_service(settings, stores, make_retention_service(stores))
            with pytest.raises(Conflict):
                await acts.execute(
                    settings.school_id, act["id"], executed_by="x", today=date(2025, 2, 3)
                )  # still a draft
            await acts.cancel(settings.school_id, act["id"], {"cancelled_by": "x", "reason": "проверка"})
            with pytest.raises(Conflict):
                await acts.execute(
                    settings.school_id, act["id"], executed_by="x", today=date(2025, 2, 3)
                )  # cancelled
        finally:
            await stores.close()

    anyio.run(direct)
    assert app_client.get(f"/api/v1/documents/{doc['id']}/content").status_code == 200


def test_interrupted_execution_completes_on_rerun(
    app_client: TestClient, clock: Clock, settings: Settings, s3: Minio
) -> None:
    act, pupil, kept = _due_act(app_client, clock)
    approve(app_client, act["id"])

    class Crash(Exception):
        pass

    def crash_after_first(done: int, total: int) -> None:
        if done == 1:
            raise Crash

    async def run(progress: Any) -> dict[str, Any]:
        stores = await open_stores(settings)
        try:
            acts = make_act_service(settings, stores, make_retention_service(stores))
            return await acts.execute(
                settings.school_id,
                act["id"],
                executed_by="Архивариус",
                today=date(2025, 2, 3),
                progress=progress,
            )
        finally:
            await stores.close()

    with pytest.raises(Crash):
        anyio.run(run, crash_after_first)
    assert app_client.get(f"{R}/acts/{act['id']}").json()["status"] == "executing"
    finished = anyio.run(run, None)
    assert finished["status"] == "executed"
    assert sorted(finished["execution"]["destroyed"]) == sorted([pupil["doc"]["id"], pupil["second"]["id"]])
    assert app_client.get(f"/api/v1/documents/{kept['id']}/content").status_code == 200
    for d in (pupil["doc"], pupil["second"]):
        assert versions(s3, settings, f"schools/{settings.school_id}/documents/{d['id']}/") == []


def test_due_query_uses_an_index(settings: Settings, mongo: MongoClient, app_client: TestClient) -> None:
    db = mongo[settings.mongodb_db]
    db.cases.insert_many(
        [
            {"_id": f"c{i}", "school_id": settings.school_id, "destroy_not_before": f"20{i % 40:02d}-01-01"}
            for i in range(500)
        ]
    )
    plan = db.cases.find(CaseRepository.destroyable_query(settings.school_id, date(2030, 1, 1))).explain()
    assert "IXSCAN" in str(plan["queryPlanner"]["winningPlan"])
    assert "COLLSCAN" not in str(plan["queryPlanner"]["winningPlan"])


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(settings, *args, module="service.retention_cli")


def test_cli_refuses_to_execute_a_draft_and_executes_an_approved_act(
    app_client: TestClient, clock: Clock, settings: Settings
) -> None:
    act, pupil, kept = _due_act(app_client, clock)
    due = _cli(settings, "due", "--as-of", "2025-02-03")
    assert due.returncode == 0, due.stderr
    assert pupil["doc"]["case_id"] in due.stdout

    refused = _cli(settings, "act", "execute", act["id"], "--by", "Архивариус")
    assert refused.returncode == 1
    assert "только по утверждённому акту" in refused.stderr
    assert app_client.get(f"/api/v1/documents/{pupil['doc']['id']}").status_code == 200

    approved = _cli(
        settings,
        "act",
        "approve",
        act["id"],
        "--by",
        "Директор",
        "--protocol",
        "9",
        "--protocol-date",
        "2025-02-03",
    )
    assert approved.returncode == 0, approved.stderr
    executed = _cli(settings, "act", "execute", act["id"], "--by", "Архивариус")
    assert executed.returncode == 0, executed.stderr
    assert "уничтожено: 2" in executed.stdout
    assert app_client.get(f"/api/v1/documents/{pupil['doc']['id']}").status_code == 404
    assert app_client.get(f"/api/v1/documents/{kept['id']}").status_code == 200

    hold = _cli(
        settings,
        "hold",
        "place",
        "--type",
        "document",
        "--id",
        kept["id"],
        "--reason",
        "Проверка",
        "--by",
        "Директор",
    )
    assert hold.returncode == 0 and "запрет наложен" in hold.stdout
    assert kept["id"] in _cli(settings, "hold", "list").stdout


def test_inventory_of_a_closed_year_as_csv_and_pdf(app_client: TestClient, clock: Clock) -> None:
    pupil = create_student(app_client)
    upload(app_client, pupil["id"], jpeg_bytes())
    upload(app_client, pupil["id"], png_bytes(), kind="creative_work", category="creative")
    assert app_client.get(f"{R}/inventory", params={"year": 2020}).status_code == 422  # the year is not over
    clock.today = date(2021, 1, 12)
    csv_response = app_client.get(f"{R}/inventory", params={"year": 2020, "format": "csv"})
    assert csv_response.status_code == 200
    lines = csv_response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("№ п/п;Индекс дела;Заголовок дела")
    assert (
        len(lines) == 3
        and "07-03" in lines[1]
        and "Образцова Мария Петровна" in lines[1]
        and "07-04" in lines[2]
    )
    pdf = app_client.get(f"{R}/inventory", params={"year": 2020})
    text = pdf_text(pdf.content)
    assert "ОПИСЬ" in text and "2020" in text and "07-03" in text


def test_acts_are_not_dated_ahead_and_dates_follow_the_procedure(
    app_client: TestClient, clock: Clock
) -> None:
    act, _, _ = _due_act(app_client, clock)
    ahead = app_client.post(f"{R}/acts", json={"as_of": "2025-03-01"})
    assert ahead.status_code == 422 and "будущим" in ahead.json()["detail"]
    early_protocol = app_client.post(
        f"{R}/acts/{act['id']}/approve",
        json={"approved_by": "Директор", "protocol_number": "1", "protocol_date": "2025-01-01"},
    )
    assert early_protocol.status_code == 422 and "не по порядку" in early_protocol.json()["detail"]
    backdated = app_client.post(
        f"{R}/acts/{act['id']}/approve",
        json={
            "approved_by": "Директор",
            "protocol_number": "1",
            "protocol_date": "2025-02-03",
            "approved_on": "2020-01-01",
        },
    )
    assert backdated.status_code == 422


def test_parallel_drafts_never_share_a_document(
    app_client: TestClient, clock: Clock, settings: Settings
) -> None:
    _due_act(app_client, clock)  # the first act holds every due document already
    assert app_client.post(f"{R}/acts", json={}).status_code == 422

    async def race() -> list[str]:
        stores = await open_stores(settings)
        outcomes: list[str] = []
        try:
            acts = make_act_service(settings, stores, make_retention_service(stores))
            first = (await acts.list(settings.school_id))[0]
            await acts.cancel(settings.school_id, first["_id"], {"cancelled_by": "x", "reason": "гонка"})

            async def one() -> None:
                try:
                    await acts.draft(
                        settings.school_id, as_of=date(2025, 2, 3), compiled_by="x", today=date(2025, 2, 3)
                    )
                    outcomes.append("drafted")
                except (Conflict, InvalidInput):
                    outcomes.append("refused")

            async with anyio.create_task_group() as tg:
                for _ in range(6):
                    tg.start_soon(one)
        finally:
            await stores.close()
        return outcomes

    outcomes = anyio.run(race)
    assert outcomes.count("drafted") == 1, outcomes


def test_parallel_executions_run_once(
    app_client: TestClient, clock: Clock, settings: Settings, mongo: MongoClient
) -> None:
    act, pupil, _ = _due_act(app_client, clock)
    approve(app_client, act["id"])

    async def race() -> list[str]:
        stores = await open_stores(settings)
        outcomes: list[str] = []
        try:
            acts = make_act_service(settings, stores, make_retention_service(stores))

            async def one() -> None:
                try:
                    await acts.execute(settings.school_id, act["id"], executed_by="x", today=date(2025, 2, 3))
                    outcomes.append("executed")
                except Conflict:
                    outcomes.append("refused")

            async with anyio.create_task_group() as tg:
                for _ in range(4):
                    tg.start_soon(one)
        finally:
            await stores.close()
        return outcomes

    outcomes = anyio.run(race)
    assert outcomes.count("executed") == 1, outcomes
    case = mongo[settings.mongodb_db].cases.find_one({"_id": pupil["doc"]["case_id"]})
    assert case["documents"] == 0 and case["bytes"] == 0


def test_act_execution_killed_outright_completes_on_rerun(
    app_client: TestClient, clock: Clock, settings: Settings, s3: Minio, mongo: MongoClient
) -> None:
    # Many documents in one due case, so that SIGKILL lands in the middle of the run.
    pupil = create_student(app_client)
    other = create_student(app_client, "Примеров Лев", "5А")
    docs = [
        upload(app_client, pupil["id"], jpeg_bytes((100 + n, 140), color=(n * 5, 90, 90))).json()["id"]
        for n in range(40)
    ]
    kept = upload(app_client, other["id"], jpeg_bytes(color="gray")).json()["id"]
    clock.today = date(2021, 6, 1)
    leave(app_client, pupil["id"], "2021-05-31")
    clock.today = date(2025, 2, 3)
    act = app_client.post(f"{R}/acts", json={"as_of": "2025-02-03", "compiled_by": "Архивариус"}).json()
    approve(app_client, act["id"])
    tombstones = mongo[settings.mongodb_db].tombstones

    env = {**os.environ, **service_env(settings), "ACT_LEASE_SECONDS": "2"}
    command = [
        sys.executable,
        "-m",
        "service.retention_cli",
        "act",
        "execute",
        act["id"],
        "--by",
        "Архивариус",
    ]
    runner = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while tombstones.count_documents({}) < 3 and runner.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    runner.send_signal(signal.SIGKILL)
    runner.wait(timeout=30)
    begun = tombstones.count_documents({})
    assert 0 < begun < len(docs), f"the kill did not land mid-run ({begun} of {len(docs)})"
    assert app_client.get(f"{R}/acts/{act['id']}").json()["status"] == "executing"

    # While the dead runner's lease lasts, a second runner is refused; after it, the rerun finishes.
    assert _cli(settings, "act", "execute", act["id"], "--by", "Архивариус").returncode == 1
    time.sleep(2.5)
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert app_client.get(f"{R}/acts/{act['id']}").json()["status"] == "executed"
    assert sorted(t["_id"] for t in tombstones.find({})) == sorted(docs)
    for doc_id in docs:
        assert app_client.get(f"/api/v1/documents/{doc_id}").status_code == 404
        assert versions(s3, settings, f"schools/{settings.school_id}/documents/{doc_id}/") == []
    assert app_client.get(f"/api/v1/documents/{kept}/content").status_code == 200


def test_unknown_case_states_and_anonymous_uploads_are_refused(app_client: TestClient) -> None:
    refused = app_client.get(f"{R}/cases", params={"state": "zzz"})
    assert refused.status_code == 422 and "due" in refused.json()["detail"]
    assert app_client.get(f"{R}/cases", params={"state": "open"}).status_code == 200
    text = app_client.get(f"{R}/nomenclature").json()
    assert text  # the default version exists
    blank = app_client.post(f"{R}/nomenclature", json={"text": "x = 1", "uploaded_by": "   "})
    assert blank.status_code == 422 and blank.json()["field"] == "uploaded_by"
