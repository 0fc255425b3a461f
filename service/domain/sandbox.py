"""Inspect an uploaded file in a short-lived child process with hard limits.

Decoders are where hostile files bite: a zip-bomb-like PDF, an image that decodes to gigabytes,
a malformed TIFF that crashes a C library. In a child process each of these costs only the
child: its address space (RLIMIT_AS) and CPU time (RLIMIT_CPU) are capped, a wall-clock timeout
backs them up, and a crash cannot take the service down. Children are forked from a
forkserver that has the decoders imported already, so starting one costs milliseconds.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil
import tempfile
from multiprocessing.connection import Connection
from typing import Any, BinaryIO

from service.domain.images import has_scan_signature
from service.domain.inspection import Inspection, inspect_upload, looks_like_pdf
from service.errors import ArchiveError, UnreadableFile, UnsupportedFileType

MSG_TOO_SLOW = (
    "Файл обрабатывается слишком долго: вероятно, он повреждён или устроен слишком сложно. "
    "Сохраните документ заново (PDF, JPEG или PNG) и загрузите снова."
)
MSG_TOO_BIG_TO_DECODE = (
    "Файл слишком велик для обработки: при открытии он занимает больше памяти, чем разрешено. "
    "Отсканируйте документ с меньшим разрешением."
)
MSG_CRASHED = "Файл не удалось прочитать: он повреждён. Сохраните документ заново и загрузите снова."

_ERRORS: dict[str, type[ArchiveError]] = {
    "UnreadableFile": UnreadableFile,
    "UnsupportedFileType": UnsupportedFileType,
}

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["service.domain.inspection", "service.domain.portfolio"])


def _limit(max_pixels: int, memory: int, seconds: int) -> None:
    """In the child: cap its address space and CPU time, and Pillow's pixel count."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels


def _inspect(path: str, free_form: bool, max_pixels: int) -> Any:
    with open(path, "rb") as fh:
        return inspect_upload(fh, free_form=free_form, max_image_pixels=max_pixels)


def _render(path: str, free_form: bool, max_pixels: int) -> Any:
    from service.domain.portfolio import image_pages

    with open(path, "rb") as fh:
        return image_pages(fh.read())


_WORK = {"inspect": _inspect, "render": _render}


def _child(
    work: str, path: str, free_form: bool, max_pixels: int, memory: int, seconds: int, conn: Connection
) -> None:
    _limit(max_pixels, memory, seconds)
    message: tuple[Any, ...]
    try:
        message = ("ok", _WORK[work](path, free_form, max_pixels))
    except ArchiveError as exc:
        message = ("refused", type(exc).__name__, exc.message)
    except MemoryError:
        message = ("memory",)
    except BaseException as exc:  # noqa: BLE001 - anything else is a broken file, reported as such
        message = ("crash", type(exc).__name__)
    conn.send(message)
    conn.close()


def _run_in_child(
    work: str, path: str, *, free_form: bool, max_image_pixels: int, memory_bytes: int, seconds: int
) -> Any:
    """Run ``work`` on the file at ``path`` in a limited child; return its result.

    Raises what the work raises (an ArchiveError the child reported), or UnreadableFile when
    the child runs out of time or memory or dies."""
    receive, send = _context.Pipe(duplex=False)
    child = _context.Process(
        target=_child,
        args=(work, path, free_form, max_image_pixels, memory_bytes, seconds, send),
        daemon=True,
    )
    child.start()
    send.close()
    try:
        # The CPU limit ends a busy child; the wall clock also catches one that waits.
        if not receive.poll(seconds * 2 + 10):
            raise UnreadableFile(MSG_TOO_SLOW)
        message = receive.recv()
    except EOFError:
        child.join(5)
        slow = child.exitcode in (-24, -9)  # SIGXCPU, SIGKILL
        raise UnreadableFile(MSG_TOO_SLOW if slow else MSG_CRASHED) from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    kind = message[0]
    if kind == "ok":
        return message[1]
    if kind == "refused":
        raise _ERRORS.get(message[1], UnreadableFile)(message[2])
    if kind == "memory":
        raise UnreadableFile(MSG_TOO_BIG_TO_DECODE)
    raise UnreadableFile(MSG_CRASHED)


def inspect_in_child(
    fh: BinaryIO, *, free_form: bool, max_image_pixels: int, memory_bytes: int, seconds: int
) -> Inspection:
    """Blocking; call from a worker thread. Raises what ``inspect_upload`` raises, plus
    UnreadableFile when the child runs out of time or memory or dies."""
    fh.seek(0)
    head = fh.read(2048)
    fh.seek(0)
    if not (looks_like_pdf(head) or has_scan_signature(head)):
        # Nothing will be decoded (a video, an archive): sniffing and hashing are safe in-process,
        # and a 1 GB creative work is not copied for nothing.
        return inspect_upload(fh, free_form=free_form, max_image_pixels=max_image_pixels)
    with tempfile.NamedTemporaryFile(prefix="archive-inspect-", delete=True) as copy:
        fh.seek(0)
        shutil.copyfileobj(fh, copy, length=1024 * 1024)
        copy.flush()
        fh.seek(0)
        result: Inspection = _run_in_child(
            "inspect",
            copy.name,
            free_form=free_form,
            max_image_pixels=max_image_pixels,
            memory_bytes=memory_bytes,
            seconds=seconds,
        )
        return result


def image_pages_in_child(data: bytes, *, max_image_pixels: int, memory_bytes: int, seconds: int) -> bytes:
    """A stored image's portfolio pages (PDF bytes), decoded in a child process with limits, so a
    100-megapixel scan costs the service nothing. Blocking; call from a worker thread.

    Raises UnreadableFile when the child runs out of time or memory or dies.
    """
    with tempfile.NamedTemporaryFile(prefix="archive-render-", delete=True) as copy:
        copy.write(data)
        copy.flush()
        pdf: bytes = _run_in_child(
            "render",
            copy.name,
            free_form=False,
            max_image_pixels=max_image_pixels,
            memory_bytes=memory_bytes,
            seconds=seconds,
        )
        return pdf


def warm_up() -> None:
    """Start the forkserver now rather than on the first upload."""
    if os.environ.get("ARCHIVE_NO_FORKSERVER_WARMUP"):
        return
    _context.Process(target=int, daemon=True).start()
