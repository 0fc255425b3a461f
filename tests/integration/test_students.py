from __future__ import annotations

from litestar.testing import TestClient

from tests.conftest import create_student


def test_create_and_read_student(client: TestClient) -> None:
    created = create_student(
        client, "Тестова Алиса Игоревна", "7б", birth_date="14.03.2013", external_id="ext-1"
    )
    assert created["class_name"] == "7Б"
    assert created["birth_date"] == "2013-03-14"
    fetched = client.get(f"/api/v1/students/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_list_students_filters_by_class(client: TestClient) -> None:
    a = create_student(client, "Примеров Лев", "5А")
    b = create_student(client, "Условная Вера", "7Б")
    all_ids = {s["id"] for s in client.get("/api/v1/students").json()}
    assert all_ids == {a["id"], b["id"]}
    only_7b = client.get("/api/v1/students", params={"class_name": "7Б"}).json()
    assert [s["id"] for s in only_7b] == [b["id"]]


def test_unknown_student_is_404_in_russian(client: TestClient) -> None:
    response = client.get("/api/v1/students/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["detail"] == "Обучающийся не найден."


def test_missing_name_is_rejected_with_field(client: TestClient) -> None:
    response = client.post("/api/v1/students", json={"full_name": "   ", "class_name": "7Б"})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "full_name"
    assert "ФИО" in body["detail"]


def test_malformed_json_is_400_in_russian(client: TestClient) -> None:
    response = client.post("/api/v1/students", json={"class_name": "7Б"})
    assert response.status_code == 400
    assert "ФИО" in response.json()["detail"]


def test_future_birth_date_is_rejected(client: TestClient) -> None:
    response = client.post(
        "/api/v1/students",
        json={"full_name": "Шаблонов Артём", "class_name": "9В", "birth_date": "2999-01-01"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "birth_date"


def test_duplicate_external_id_is_409(client: TestClient) -> None:
    create_student(client, "Первый", "5А", external_id="X-1")
    response = client.post(
        "/api/v1/students", json={"full_name": "Второй", "class_name": "5А", "external_id": "X-1"}
    )
    assert response.status_code == 409
    assert len(client.get("/api/v1/students").json()) == 1
