"""Bulk intake: a ZIP of scans plus a CSV; every row gets its own outcome, nothing half-written."""

from __future__ import annotations

import csv
import io
import stat
import zipfile

from litestar.testing import TestClient
from minio import Minio
from pymongo import MongoClient

from service.settings import Settings
from tests.conftest import count_stored, create_student, make_user
from tests.helpers import jpeg_bytes, png_bytes

HEADER = "file;external_id;full_name;class_name;kind;title;category;event_level;result\n"


def _zip(entries: dict[str, bytes], *, links: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return out.getvalue()


def _post(client: TestClient, archive: bytes, table: str | None, **kwargs):  # type: ignore[no-untyped-def]
    files = {"archive": ("сканы.zip", archive, "application/zip")}
    if table is not None:
        files["table"] = ("таблица.csv", table.encode("utf-8-sig"), "text/csv")
    return client.post("/api/v1/imports", files=files, **kwargs)


def test_every_row_gets_its_own_outcome(
    client: TestClient, settings: Settings, mongo: MongoClient, s3: Minio
) -> None:
    a = create_student(client, "Образцова Мария Петровна", "7Б", external_id="A-1")
    b = create_student(client, "Примеров Лев", "7Б")
    create_student(client, "Двойникова Анна", "7Б")
    create_student(client, "Двойникова Анна", "7Б")
    scan = jpeg_bytes()
    bomb = b"\0" * (20 * 1024 * 1024)  # 20 MB of zeros: a compression ratio of about 1000
    archive = _zip(
        {
            "диплом 1.jpg": scan,
            "папка/грамота.png": png_bytes(),
            "копия.jpg": scan,
            "письмо.txt": b"not a scan",
            "чужой.jpg": jpeg_bytes(color="gray"),
            "двойник.jpg": jpeg_bytes(color="navy"),
            "../../evil.jpg": jpeg_bytes(color="olive"),
            "bomb.jpg": bomb,
            "без названия.jpg": jpeg_bytes(color="teal"),
        },
        links=("link.jpg",),
    )
    table = (
        HEADER
        + "диплом 1.jpg;A-1;;;diploma;Диплом победителя;olympiad_contest;regional;winner\n"
        + "папка/грамота.png;;примеров  лев;7б;gramota;Грамота;sport;school;participant\n"
        + "копия.jpg;A-1;;;diploma;Диплом победителя;olympiad_contest;regional;winner\n"
        + "письмо.txt;A-1;;;diploma;Письмо;academic;;\n"
        + "чужой.jpg;;Нет Такого;7Б;diploma;Диплом;sport;;\n"
        + "двойник.jpg;;Двойникова Анна;7Б;diploma;Диплом;sport;;\n"
        + "нет-файла.jpg;A-1;;;diploma;Диплом;sport;;\n"
        + "../../evil.jpg;A-1;;;diploma;Диплом;sport;;\n"
        + "bomb.jpg;A-1;;;diploma;Диплом;sport;;\n"
        + "link.jpg;A-1;;;diploma;Диплом;sport;;\n"
        + "без названия.jpg;A-1;;;diploma;;sport;;\n"
    )
    response = _post(client, archive, table)
    assert response.status_code == 201, response.text
    report = response.json()
    statuses = [r["status"] for r in report["rows"]]
    assert statuses == [
        "stored",
        "stored",
        "duplicate",
        "refused",
        "pupil_not_found",
        "pupil_ambiguous",
        "file_missing",
        "refused",
        "refused",
        "refused",
        "refused",
    ]
    rows = report["rows"]
    assert rows[0]["student_id"] == a["id"] and rows[1]["student_id"] == b["id"]
    assert rows[2]["document_id"] == rows[0]["document_id"]
    assert "не похож" in rows[3]["message"] or "скан" in rows[3]["message"]
    assert "за его пределы" in rows[7]["message"] and "zip-бомб" in rows[8]["message"]
    assert "ссылка" in rows[9]["message"] and "название" in rows[10]["message"]
    assert report["counts"] == {
        "stored": 2,
        "duplicate": 1,
        "refused": 5,
        "pupil_not_found": 1,
        "pupil_ambiguous": 1,
        "file_missing": 1,
    }
    # Exactly the stored documents exist, each with its original and thumbnail.
    assert count_stored(settings, mongo, s3).documents == 2
    assert count_stored(settings, mongo, s3).objects == 4
    assert client.get(f"/api/v1/documents/{rows[0]['document_id']}/content").content == scan

    again = client.get(report["report_url"])
    table_rows = list(csv.reader(io.StringIO(again.content.decode("utf-8-sig")), delimiter=";"))
    assert table_rows[0][:3] == ["Строка", "Файл", "Итог"] and len(table_rows) == 12
    assert table_rows[1][2] == "сохранён" and table_rows[5][2] == "обучающийся не найден"


def test_a_table_inside_the_zip_and_a_teacher_s_reach(client: TestClient) -> None:
    mine = create_student(client, "Образцова Мария", "7Б")
    create_student(client, "Примеров Лев", "8А")
    archive = _zip(
        {
            "a.jpg": jpeg_bytes(),
            "b.jpg": jpeg_bytes(color="gray"),
            "list.csv": (
                "Файл,ФИО,Класс,Вид документа,Название,Направление\n"
                "a.jpg,Образцова Мария,7Б,diploma,Диплом,sport\n"
                "b.jpg,Примеров Лев,8А,diploma,Диплом,sport\n"
            ).encode(),
        }
    )
    teacher = make_user(client, "teacher-imp", ["teacher"], class_names=["7Б"])
    report = _post(client, archive, None, headers=teacher).json()
    assert [r["status"] for r in report["rows"]] == ["stored", "pupil_not_found"]
    assert report["rows"][0]["student_id"] == mine["id"] and report["rows"][1]["student_id"] is None
    other_teacher = make_user(client, "teacher-imp2", ["teacher"], class_names=["8А"])
    assert client.get(f"/api/v1/imports/{report['id']}", headers=other_teacher).status_code == 404
    assert client.get(f"/api/v1/imports/{report['id']}").status_code == 200  # the deputy sees every report


def test_unusable_archives_and_tables_are_refused_in_russian(client: TestClient) -> None:
    create_student(client)
    not_zip = _post(client, b"PK\x03\x04 not really", HEADER)
    assert not_zip.status_code == 422 and "ZIP" in not_zip.json()["detail"]
    no_column = _post(client, _zip({"a.jpg": jpeg_bytes()}), "name;title\na.jpg;x\n")
    assert no_column.status_code == 422 and "file" in no_column.json()["detail"]
    no_table = _post(client, _zip({"a.jpg": jpeg_bytes()}), None)
    assert no_table.status_code == 422 and no_table.json()["field"] == "table"
    nothing = client.post("/api/v1/imports", files={"table": ("t.csv", HEADER.encode(), "text/csv")})
    assert nothing.status_code == 422 and nothing.json()["field"] == "archive"


class _Cp866Info(zipfile.ZipInfo):
    def _encodeFilenameFlags(self):  # type: ignore[no-untyped-def]
        return self.filename.encode("cp866"), self.flag_bits & ~0x800


def _cp866_zip(entries: dict[str, bytes]) -> bytes:
    """What Windows Explorer writes on a Russian system: cp866 names, no UTF-8 flag."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(_Cp866Info(name), data)
    return out.getvalue()


def test_windows_names_repeated_names_russian_values_and_reach(client: TestClient) -> None:
    pupil = create_student(client, "Образцова Мария", "7Б")
    create_student(client, "Двойников Иван", "9В")
    create_student(client, "Двойников Иван", "9В")
    archive = _cp866_zip({"диплом.jpg": jpeg_bytes()})
    table = (
        "Файл;ФИО;Класс;Вид документа;Название;Направление;Уровень;Результат\n"
        "диплом.jpg;Образцова Мария;7Б;Диплом;Диплом;Спорт;региональный;победитель\n"
    )
    report = _post(client, archive, table).json()
    assert [r["status"] for r in report["rows"]] == ["stored"], report
    stored = client.get(f"/api/v1/documents/{report['rows'][0]['document_id']}").json()
    assert (stored["kind"], stored["category"], stored["event_level"], stored["result"]) == (
        "diploma",
        "sport",
        "regional",
        "winner",
    )
    assert stored["student_id"] == pupil["id"]

    # Two entries whose names differ only in case (or not at all) are never guessed between.
    twice = io.BytesIO()
    with zipfile.ZipFile(twice, "w") as z:
        z.writestr("same.jpg", jpeg_bytes(color="gray"))
        z.writestr("SAME.JPG", jpeg_bytes(color="navy"))
    rows = _post(
        client, twice.getvalue(), HEADER + "same.jpg;;Образцова Мария;7Б;diploma;Диплом;sport;;\n"
    ).json()["rows"]
    assert rows[0]["status"] == "refused" and "несколько файлов" in rows[0]["message"]

    # A teacher of 7Б learns nothing of 9В: not even that a name there is ambiguous.
    teacher = make_user(client, "teacher-reach", ["teacher"], class_names=["7Б"])
    rows = _post(
        client,
        _zip({"x.jpg": jpeg_bytes(color="olive")}),
        HEADER + "x.jpg;;Двойников Иван;9В;diploma;Диплом;sport;;\n",
        headers=teacher,
    ).json()["rows"]
    assert rows[0]["status"] == "pupil_not_found"
    only_header = _post(client, _zip({"x.jpg": jpeg_bytes()}), HEADER)
    assert only_header.status_code == 422 and "нет строк" in only_header.json()["detail"]
