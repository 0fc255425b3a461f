"""The S3 object store, kept S3-generic (MinIO, SeaweedFS, any AWS-compatible server).

minio-py is synchronous: every call runs in a worker thread, with keyword arguments only, and
every response is closed and its connection released.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import anyio
import urllib3
from minio import Minio
from minio.commonconfig import GOVERNANCE
from minio.deleteobjects import DeleteObject
from minio.error import MinioException, S3Error
from minio.retention import Retention

from service.errors import IntegrityError, NotFound, StoreUnavailable

log = logging.getLogger(__name__)

STREAM_CHUNK = 256 * 1024
# Memory per upload is about PART_SIZE x PARALLEL_PARTS x 2 (the part and its signing copy).
PART_SIZE = 8 * 1024 * 1024
PARALLEL_PARTS = 2

MSG_S3_DOWN = (
    "Хранилище файлов сейчас недоступно. Ничего не сохранено; попробуйте ещё раз через несколько минут."
)


def make_minio_client(endpoint: str, access_key: str, secret_key: str, region: str) -> Minio:
    """A client with short connect timeouts, so an outage is reported in seconds, not minutes."""
    url = urlsplit(endpoint)
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=3.0, read=60.0),
        maxsize=16,
        # Connection failures and 5xx are retried; a server that stops answering is not waited
        # for three times over.
        retries=urllib3.Retry(
            total=2, connect=2, read=0, status=2, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)
        ),
    )
    return Minio(
        endpoint=url.netloc,
        access_key=access_key,
        secret_key=secret_key,
        secure=url.scheme == "https",
        region=region,
        http_client=http,
    )


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    last_modified: datetime | None


class _HashingReader(io.RawIOBase):
    """Feeds the bytes it hands to the uploader into a SHA-256 as they stream past."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._fh.read(size)
        self.digest.update(chunk)
        return chunk


_FAILURES: tuple[type[BaseException], ...] = (MinioException, urllib3.exceptions.HTTPError, OSError)


class ObjectStore:
    """Objects of one bucket. Keys are always built by the service, never taken from users."""

    def __init__(self, client: Minio, bucket: str) -> None:
        self._client = client
        self.bucket = bucket
        self.lock_mode = "none"  # set by detect_lock_mode() at start

    # --- lifecycle -------------------------------------------------------------------------
    async def ensure_bucket(self) -> None:
        """Create the bucket (with Object Lock available for retention) if it is missing."""

        def run() -> None:
            if not self._client.bucket_exists(bucket_name=self.bucket):
                try:
                    self._client.make_bucket(bucket_name=self.bucket, object_lock=True)
                except S3Error as exc:
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise

        await self._call(run)

    async def ping(self) -> None:
        """Raises StoreUnavailable when the server does not answer or the bucket is missing.

        The worker thread is abandoned if the caller gives up (a hung server must not hang
        /health with it).
        """

        def run() -> None:
            if not self._client.bucket_exists(bucket_name=self.bucket):
                raise StoreUnavailable(f"bucket {self.bucket!r} does not exist")

        try:
            await anyio.to_thread.run_sync(run, abandon_on_cancel=True)
        except StoreUnavailable:
            raise
        except _FAILURES as exc:
            raise StoreUnavailable(MSG_S3_DOWN) from exc

    # --- writing ---------------------------------------------------------------------------
    async def put_file(
        self, *, key: str, fh: BinaryIO, length: int, content_type: str, sha256: str, metadata: dict[str, str]
    ) -> str | None:
        """Stream a file to S3 while hashing it; the hash must equal ``sha256``.

        Raises:
            StoreUnavailable: the server did not take the object.
            IntegrityError: the bytes changed between inspection and upload (the object is removed).
        """

        def run() -> str | None:
            fh.seek(0)
            reader = _HashingReader(fh)
            result = self._client.put_object(
                bucket_name=self.bucket,
                object_name=key,
                data=reader,
                length=length,
                content_type=content_type,
                metadata={**metadata, "sha256": sha256},
                part_size=PART_SIZE,
                num_parallel_uploads=PARALLEL_PARTS,
            )
            if reader.digest.hexdigest() != sha256:
                self._delete_all_versions(key, bypass_governance=False)
                raise IntegrityError("Файл изменился во время загрузки. Загрузите его ещё раз.")
            return result.version_id

        return await self._call(run)

    async def put_bytes(
        self, *, key: str, data: bytes, content_type: str, metadata: dict[str, str]
    ) -> str | None:
        def run() -> str | None:
            result = self._client.put_object(
                bucket_name=self.bucket,
                object_name=key,
                data=io.BytesIO(data),
                length=len(data),
                content_type=content_type,
                metadata=metadata,
            )
            return result.version_id

        return await self._call(run)

    def _delete_all_versions(self, key: str, *, bypass_governance: bool) -> int:
        """Delete every version and delete marker of ``key``; return how many were removed.

        A plain DELETE on a versioned (Object Lock) bucket only adds a delete marker and keeps
        the bytes, so removal always names each version.
        """
        versions = [
            DeleteObject(o.object_name or key, o.version_id)
            for o in self._client.list_objects(
                bucket_name=self.bucket, prefix=key, recursive=True, include_version=True
            )
            if o.object_name == key
        ]
        if not versions:
            return 0
        errors = list(
            self._client.remove_objects(
                bucket_name=self.bucket, delete_object_list=versions, bypass_governance_mode=bypass_governance
            )
        )
        if errors:
            raise StoreUnavailable(f"{len(errors)} object versions could not be deleted: {errors[0].code}")
        return len(versions)

    async def delete(self, keys: Sequence[str]) -> None:
        """Delete every version of the keys, respecting Object Lock (locked objects stay and the
        call raises StoreUnavailable). Used for objects that never became documents."""

        def run() -> None:
            for key in keys:
                self._delete_all_versions(key, bypass_governance=False)

        if keys:
            await self._call(run)

    async def destroy(self, keys: Sequence[str]) -> int:
        """Delete every version, bypassing GOVERNANCE retention (a legal hold still refuses).

        Only the execution of an approved destruction act may call this.
        """

        def run() -> int:
            return sum(self._delete_all_versions(key, bypass_governance=True) for key in keys)

        return int(await self._call(run))

    # --- Object Lock -----------------------------------------------------------------------
    async def detect_lock_mode(self) -> str:
        """ "governance" when the bucket has Object Lock enabled, else "none"."""

        def run() -> str:
            try:
                self._client.get_object_lock_config(bucket_name=self.bucket)
            except S3Error as exc:
                if exc.code in ("ObjectLockConfigurationNotFoundError", "NoSuchObjectLockConfiguration"):
                    return "none"
                raise
            return "governance"

        self.lock_mode = str(await self._call(run))
        return self.lock_mode

    async def protect_until(self, key: str, version_id: str | None, until: date) -> bool:
        """GOVERNANCE retention until ``until`` (midnight UTC); only ever extends. False if the
        bucket has no Object Lock."""
        if self.lock_mode != "governance":
            return False
        target = datetime(until.year, until.month, until.day, tzinfo=UTC)
        if target <= datetime.now(UTC):
            return False  # the period has already run out: there is nothing left to protect

        def run() -> None:
            try:
                current = self._client.get_object_retention(
                    bucket_name=self.bucket, object_name=key, version_id=version_id
                )
            except S3Error as exc:
                if exc.code not in ("NoSuchObjectLockConfiguration", "ObjectLockConfigurationNotFoundError"):
                    raise
                current = None
            if current is not None and current.retain_until_date and current.retain_until_date >= target:
                return
            self._client.set_object_retention(
                bucket_name=self.bucket,
                object_name=key,
                version_id=version_id,
                config=Retention(GOVERNANCE, target),
            )

        await self._call(run)
        return True

    async def set_legal_hold(self, key: str, version_id: str | None, *, on: bool) -> bool:
        if self.lock_mode != "governance":
            return False

        def run() -> None:
            if on:
                self._client.enable_object_legal_hold(
                    bucket_name=self.bucket, object_name=key, version_id=version_id
                )
            else:
                self._client.disable_object_legal_hold(
                    bucket_name=self.bucket, object_name=key, version_id=version_id
                )

        await self._call(run)
        return True

    async def lock_state(self, key: str, version_id: str | None) -> tuple[datetime | None, bool]:
        """(retain-until, legal hold) of one object version, for audits and tests."""

        def run() -> tuple[datetime | None, bool]:
            try:
                retention = self._client.get_object_retention(
                    bucket_name=self.bucket, object_name=key, version_id=version_id
                )
                until = retention.retain_until_date if retention else None
            except S3Error:
                until = None
            try:
                held = self._client.is_object_legal_hold_enabled(
                    bucket_name=self.bucket, object_name=key, version_id=version_id
                )
            except S3Error:
                held = False
            return until, bool(held)

        return await self._call(run)  # type: ignore[no-any-return]

    # --- reading ---------------------------------------------------------------------------
    def read_bytes_sync(self, key: str) -> bytes:
        """Whole object, for worker threads (portfolio assembly). Raises NotFound/StoreUnavailable."""
        try:
            response = self._client.get_object(bucket_name=self.bucket, object_name=key)
        except S3Error as exc:
            if exc.code == "NoSuchKey":
                raise NotFound("Файл документа не найден в хранилище.") from None
            raise StoreUnavailable(MSG_S3_DOWN) from exc
        except _FAILURES as exc:
            raise StoreUnavailable(MSG_S3_DOWN) from exc
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    async def read_bytes(self, key: str) -> bytes:
        return await anyio.to_thread.run_sync(self.read_bytes_sync, key)

    async def open_stream(self, key: str, *, expected_sha256: str | None = None) -> AsyncIterator[bytes]:
        """Open the object now (so a missing object fails before any header is sent), then
        return an iterator that streams it chunk by chunk from a worker thread.

        With ``expected_sha256`` the bytes are hashed on the way out; a mismatch aborts the
        transfer before its last chunk, so a corrupted object never arrives looking complete.
        """
        try:
            response = await anyio.to_thread.run_sync(
                lambda: self._client.get_object(bucket_name=self.bucket, object_name=key)
            )
        except S3Error as exc:
            if exc.code == "NoSuchKey":
                raise NotFound("Файл документа не найден в хранилище.") from None
            raise StoreUnavailable(MSG_S3_DOWN) from exc
        except _FAILURES as exc:
            raise StoreUnavailable(MSG_S3_DOWN) from exc

        async def chunks() -> AsyncIterator[bytes]:
            it: Iterator[bytes] = response.stream(STREAM_CHUNK)
            digest = hashlib.sha256()
            held: bytes | None = None  # the last chunk waits until the checksum is known
            try:
                while True:
                    chunk = await anyio.to_thread.run_sync(next, it, None)
                    if chunk is None:
                        break
                    if expected_sha256 is None:
                        yield chunk
                        continue
                    digest.update(chunk)
                    if held is not None:
                        yield held
                    held = chunk
                if expected_sha256 is not None:
                    if digest.hexdigest() != expected_sha256:
                        log.error("checksum mismatch while serving an object", extra={"key": key})
                        raise IntegrityError("Файл в хранилище повреждён: контрольная сумма не совпадает.")
                    if held is not None:
                        yield held
            finally:
                response.close()
                response.release_conn()

        return chunks()

    async def size_of(self, key: str) -> int | None:
        """The object's size, or None when there is no such object."""

        def run() -> int | None:
            try:
                return self._client.stat_object(bucket_name=self.bucket, object_name=key).size
            except S3Error as exc:
                if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                    return None
                raise

        result: int | None = await self._call(run)
        return result

    async def list_objects(self, prefix: str) -> list[StoredObject]:
        def run() -> list[StoredObject]:
            return [
                StoredObject(key=o.object_name or "", size=o.size or 0, last_modified=o.last_modified)
                for o in self._client.list_objects(bucket_name=self.bucket, prefix=prefix, recursive=True)
            ]

        return await self._call(run)

    # --- helpers ---------------------------------------------------------------------------
    @staticmethod
    async def _call(fn: Any) -> Any:
        try:
            return await anyio.to_thread.run_sync(fn)
        except (StoreUnavailable, IntegrityError, NotFound):
            raise
        except S3Error as exc:
            raise StoreUnavailable(MSG_S3_DOWN + f" ({exc.code})") from exc
        except _FAILURES as exc:
            raise StoreUnavailable(MSG_S3_DOWN) from exc
