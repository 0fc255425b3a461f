"""compose.yaml passes the service exactly the variables its settings read."""

from __future__ import annotations

from pathlib import Path

import yaml

from service.settings import ENV_VARS, Settings

ROOT = Path(__file__).resolve().parents[2]


class _Loader(yaml.SafeLoader):
    pass


# Compose's merge tags (!reset, !override) are plain values to this check.
_Loader.add_constructor("!reset", lambda loader, node: None)
_Loader.add_constructor("!override", lambda loader, node: loader.construct_mapping(node))  # type: ignore[arg-type]


def load(name: str) -> dict:
    return yaml.load((ROOT / name).read_text(encoding="utf-8"), Loader=_Loader)


def test_compose_environment_matches_settings() -> None:
    compose = load("compose.yaml")
    env = compose["services"]["archive"]["environment"]
    assert set(env) <= set(ENV_VARS), (
        f"compose passes variables the settings never read: {set(env) - set(ENV_VARS)}"
    )
    for required in ("MONGODB_URI", "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET"):
        assert required in env


def test_settings_read_every_listed_variable() -> None:
    env = {name: "" for name in ENV_VARS}
    env.update(
        MONGODB_URI="mongodb://db:27017/?replicaSet=rs0",
        S3_ENDPOINT="https://s3.example.org",
        S3_BUCKET="b",
        PORT="9000",
        MAX_SCAN_BYTES="1000",
        SCHOOL_ID="school-7",
    )
    settings = Settings.from_env(env)
    assert settings.mongodb_uri == env["MONGODB_URI"]
    assert settings.s3_endpoint == env["S3_ENDPOINT"]
    assert settings.port == 9000 and settings.max_scan_bytes == 1000 and settings.school_id == "school-7"


def test_production_stack_is_pinned_and_healthchecked() -> None:
    services = load("compose.yaml")["services"]
    assert services["mongodb"]["image"].startswith("mongo:8")
    assert "--replSet" in services["mongodb"]["command"]
    assert services["minio"]["image"].startswith("minio/minio:RELEASE.")
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert services["archive"]["environment"]["MONGODB_URI"].endswith("replicaSet=rs0")


def test_seaweedfs_override_points_the_service_at_seaweedfs() -> None:
    override = load("compose.seaweedfs.yaml")
    assert override["services"]["archive"]["environment"]["S3_ENDPOINT"].startswith("http://seaweedfs:")
    assert set(override["services"]["archive"]["environment"]) <= set(ENV_VARS)
