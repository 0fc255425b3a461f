from __future__ import annotations

import pytest

from service.settings import Settings, SettingsError


def test_defaults_are_loopback_and_limits_from_the_issue() -> None:
    s = Settings.from_env({})
    assert s.host == "127.0.0.1"
    assert s.max_scan_bytes == 50 * 1024 * 1024
    assert s.max_work_bytes == 1024 * 1024 * 1024


@pytest.mark.parametrize(
    "env",
    [{"PORT": "eighty"}, {"SCHOOL_ID": "Школа 1"}, {"S3_ENDPOINT": "minio:9000"}, {"MAX_SCAN_BYTES": "0"}],
)
def test_bad_values_are_refused_with_the_variable_named(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert next(iter(env)) in str(caught.value)
