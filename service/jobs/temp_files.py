"""Temporary files a killed process left behind (a SIGKILL runs no cleanup), removed at start."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

PREFIXES = ("archive-portfolio-", "archive-inspect-", "archive-render-")


def remove_stale_temp_files(*, older_than_seconds: float, folder: Path | None = None) -> int:
    """Delete our own temporary files older than the given age; return how many went."""
    root = folder or Path(tempfile.gettempdir())
    cutoff = time.time() - older_than_seconds
    removed = 0
    for path in root.iterdir():
        if not path.name.startswith(PREFIXES) or not path.is_file():
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue  # another process's file, or gone already
    return removed
