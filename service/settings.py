"""Service configuration, read once from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

MB = 1024 * 1024

SCHOOL_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class SettingsError(ValueError):
    """A configuration variable has a value the service cannot use."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    """Everything the service needs to know about where it runs.

    Every field has an environment variable of the same name in upper case (see ``ENV_VARS``).
    """

    mongodb_uri: str = "mongodb://127.0.0.1:27018"
    mongodb_db: str = "school_archive"
    s3_endpoint: str = "http://127.0.0.1:8333"
    s3_access_key: str = "archive-dev"
    s3_secret_key: str = "archive-dev-secret"  # noqa: S105 - loopback-only development default
    s3_bucket: str = "school-archive"
    s3_region: str = "us-east-1"
    school_id: str = "gymnasium-1"
    school_name: str = "Гимназия № 1"
    school_address: str = ""  # printed on personal-data destruction records
    max_scan_bytes: int = 50 * MB
    max_work_bytes: int = 1024 * MB
    max_image_pixels: int = 120_000_000
    orphan_grace_seconds: int = 3600
    inspect_memory_mb: int = 1536  # address space of the child process that decodes an upload
    inspect_seconds: int = 60  # its CPU time
    audit_interval_seconds: int = 86400  # the scheduled integrity audit; 0 turns it off
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = field(default_factory=lambda: Path("var"))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables; unset ones keep their defaults.

        Raises:
            SettingsError: a variable is set to a value that cannot be used.
        """
        env = os.environ if env is None else env
        d = cls()
        settings = cls(
            mongodb_uri=env.get("MONGODB_URI") or d.mongodb_uri,
            mongodb_db=env.get("MONGODB_DB") or d.mongodb_db,
            s3_endpoint=env.get("S3_ENDPOINT") or d.s3_endpoint,
            s3_access_key=env.get("S3_ACCESS_KEY") or d.s3_access_key,
            s3_secret_key=env.get("S3_SECRET_KEY") or d.s3_secret_key,
            s3_bucket=env.get("S3_BUCKET") or d.s3_bucket,
            s3_region=env.get("S3_REGION") or d.s3_region,
            school_id=env.get("SCHOOL_ID") or d.school_id,
            school_name=env.get("SCHOOL_NAME") or d.school_name,
            school_address=env.get("SCHOOL_ADDRESS") or d.school_address,
            max_scan_bytes=_int(env, "MAX_SCAN_BYTES", d.max_scan_bytes),
            max_work_bytes=_int(env, "MAX_WORK_BYTES", d.max_work_bytes),
            max_image_pixels=_int(env, "MAX_IMAGE_PIXELS", d.max_image_pixels),
            orphan_grace_seconds=_int(env, "ORPHAN_GRACE_SECONDS", d.orphan_grace_seconds),
            audit_interval_seconds=_int(env, "AUDIT_INTERVAL_SECONDS", d.audit_interval_seconds),
            inspect_memory_mb=_int(env, "INSPECT_MEMORY_MB", d.inspect_memory_mb),
            inspect_seconds=_int(env, "INSPECT_SECONDS", d.inspect_seconds),
            host=env.get("HOST") or d.host,
            port=_int(env, "PORT", d.port),
            data_dir=Path(env.get("DATA_DIR") or d.data_dir),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raises SettingsError when values contradict each other or are malformed."""
        if not SCHOOL_ID_PATTERN.match(self.school_id):
            raise SettingsError("SCHOOL_ID must be 1-40 characters: lower-case latin letters, digits, '-'")
        if not self.s3_endpoint.startswith(("http://", "https://")):
            raise SettingsError("S3_ENDPOINT must start with http:// or https://")
        if min(self.max_scan_bytes, self.max_work_bytes, self.max_image_pixels) <= 0:
            raise SettingsError("MAX_SCAN_BYTES, MAX_WORK_BYTES and MAX_IMAGE_PIXELS must be positive")

    @property
    def max_request_bytes(self) -> int:
        """The largest request body accepted: the largest file plus room for the form fields."""
        return max(self.max_scan_bytes, self.max_work_bytes) + MB


# Names of the environment variables the settings read (compose.yaml is checked against this).
ENV_VARS: tuple[str, ...] = (
    "MONGODB_URI",
    "MONGODB_DB",
    "S3_ENDPOINT",
    "S3_ACCESS_KEY",
    "S3_SECRET_KEY",
    "S3_BUCKET",
    "S3_REGION",
    "SCHOOL_ID",
    "SCHOOL_NAME",
    "SCHOOL_ADDRESS",
    "MAX_SCAN_BYTES",
    "MAX_WORK_BYTES",
    "MAX_IMAGE_PIXELS",
    "ORPHAN_GRACE_SECONDS",
    "AUDIT_INTERVAL_SECONDS",
    "INSPECT_MEMORY_MB",
    "INSPECT_SECONDS",
    "HOST",
    "PORT",
    "DATA_DIR",
)
