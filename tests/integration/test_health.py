from __future__ import annotations

from dataclasses import replace

from litestar.testing import TestClient

from service.app import create_app
from service.settings import Settings


def test_health_ok_when_both_stores_answer(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "mongodb": "ok", "s3": "ok"}


def test_health_names_the_store_that_is_down(settings: Settings) -> None:
    with TestClient(create_app(settings, sweep_at_start=False)) as client:
        # The bucket vanishing is S3 failing for this service; MongoDB still answers.
        client.app.state.stores.objects.bucket = "bucket-that-does-not-exist"
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "mongodb": "ok", "s3": "unavailable"}


def test_openapi_schema_lists_the_api(client: TestClient) -> None:
    schema = client.get("/schema/openapi.json").json()
    for path in (
        "/health",
        "/api/v1/students",
        "/api/v1/students/{student_id}/documents",
        "/api/v1/documents/{document_id}/content",
        "/api/v1/documents/{document_id}/thumbnail",
        "/api/v1/students/{student_id}/portfolio.pdf",
    ):
        assert path in schema["paths"]


def test_service_refuses_to_start_without_mongodb(settings: Settings) -> None:
    broken = replace(settings, mongodb_uri="mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500")
    try:
        with TestClient(create_app(broken, sweep_at_start=False)):
            started = True
    except Exception:  # noqa: BLE001 - any startup failure is the expected outcome
        started = False
    assert not started


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ("/health", "/api/v1/students", "/api/v1/documents/missing"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["content-security-policy"].startswith("default-src 'none'")
    docs = client.get("/schema/swagger")
    assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
