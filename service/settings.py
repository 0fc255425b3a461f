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
    act_lease_seconds: int = 300  # a killed act execution can be resumed after this
    portfolio_async_threshold: int = 50  # more documents than this: assembled in the background
    portfolio_lease_seconds: int = 60  # a killed portfolio worker's job is taken over after this
    upload_session_hours: int = 168  # an unfinished resumable upload is removed by the sweep after this
    session_minutes: int = 480  # browser sign-in sessions
    token_days: int = 30  # bearer tokens of API clients
    lockout_failures: int = 5  # wrong passwords in a row before the account is locked
    lockout_minutes: int = 15
    sign_in_per_minute: int = 30  # sign-in attempts per client address
    argon2_time_cost: int = 3  # password hashing cost (argon2-cffi defaults)
    argon2_memory_kib: int = 65536
    bootstrap_admin_login: str = ""  # created on start when set and missing
    bootstrap_admin_password: str = ""
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
            act_lease_seconds=_int(env, "ACT_LEASE_SECONDS", d.act_lease_seconds),
            portfolio_async_threshold=_int(env, "PORTFOLIO_ASYNC_THRESHOLD", d.portfolio_async_threshold),
            portfolio_lease_seconds=_int(env, "PORTFOLIO_LEASE_SECONDS", d.portfolio_lease_seconds),
            upload_session_hours=_int(env, "UPLOAD_SESSION_HOURS", d.upload_session_hours),
            inspect_memory_mb=_int(env, "INSPECT_MEMORY_MB", d.inspect_memory_mb),
            inspect_seconds=_int(env, "INSPECT_SECONDS", d.inspect_seconds),
            session_minutes=_int(env, "SESSION_MINUTES", d.session_minutes),
            token_days=_int(env, "TOKEN_DAYS", d.token_days),
            lockout_failures=_int(env, "LOCKOUT_FAILURES", d.lockout_failures),
            lockout_minutes=_int(env, "LOCKOUT_MINUTES", d.lockout_minutes),
            sign_in_per_minute=_int(env, "SIGN_IN_PER_MINUTE", d.sign_in_per_minute),
            argon2_time_cost=_int(env, "ARGON2_TIME_COST", d.argon2_time_cost),
            argon2_memory_kib=_int(env, "ARGON2_MEMORY_KIB", d.argon2_memory_kib),
            bootstrap_admin_login=env.get("BOOTSTRAP_ADMIN_LOGIN") or d.bootstrap_admin_login,
            bootstrap_admin_password=env.get("BOOTSTRAP_ADMIN_PASSWORD") or d.bootstrap_admin_password,
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
        if min(self.session_minutes, self.token_days, self.lockout_failures, self.sign_in_per_minute) <= 0:
            raise SettingsError(
                "SESSION_MINUTES, TOKEN_DAYS, LOCKOUT_FAILURES, SIGN_IN_PER_MINUTE must be positive"
            )
        if self.argon2_time_cost < 1 or self.argon2_memory_kib < 1024:
            raise SettingsError("ARGON2_TIME_COST must be >= 1 and ARGON2_MEMORY_KIB >= 1024")
        if bool(self.bootstrap_admin_login) != bool(self.bootstrap_admin_password):
            raise SettingsError("set both BOOTSTRAP_ADMIN_LOGIN and BOOTSTRAP_ADMIN_PASSWORD, or neither")
        if self.bootstrap_admin_password and len(self.bootstrap_admin_password) < 10:
            raise SettingsError("BOOTSTRAP_ADMIN_PASSWORD must be at least 10 characters")

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
    "SESSION_MINUTES",
    "TOKEN_DAYS",
    "LOCKOUT_FAILURES",
    "LOCKOUT_MINUTES",
    "SIGN_IN_PER_MINUTE",
    "ARGON2_TIME_COST",
    "ARGON2_MEMORY_KIB",
    "BOOTSTRAP_ADMIN_LOGIN",
    "BOOTSTRAP_ADMIN_PASSWORD",
    "HOST",
    "PORT",
    "DATA_DIR",
)
