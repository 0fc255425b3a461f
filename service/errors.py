"""Domain errors. Messages are shown to school staff as they are, so they are in Russian.

No HTTP here: ``service.problems`` maps each type to a status code in one table.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Base of every expected, user-facing error."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ArchiveError):
    code = "not_found"


class NotSignedIn(ArchiveError):
    """No session, or an expired, revoked or forged one."""

    code = "not_signed_in"


class Forbidden(ArchiveError):
    """Signed in, but this role may not do this."""

    code = "forbidden"


class CsrfRejected(Forbidden):
    """A change sent with the session cookie but without the page's CSRF token."""

    code = "csrf_failed"


class TooManyAttempts(ArchiveError):
    """Sign-in locked out for a while after repeated failures."""

    code = "too_many_attempts"


class InvalidInput(ArchiveError):
    """A form field or JSON value is missing or malformed."""

    code = "invalid_input"


class Conflict(ArchiveError):
    code = "conflict"


class FileTooLarge(ArchiveError):
    code = "file_too_large"


class UnsupportedFileType(ArchiveError):
    code = "unsupported_file_type"


class UnreadableFile(ArchiveError):
    """The bytes claim to be a supported format but cannot be read safely."""

    code = "unreadable_file"


class StoreUnavailable(ArchiveError):
    """MongoDB or the S3 server did not answer; nothing was written."""

    code = "store_unavailable"


class IntegrityError(ArchiveError):
    """Stored bytes do not match their recorded checksum."""

    code = "integrity_error"
