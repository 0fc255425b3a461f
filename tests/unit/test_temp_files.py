"""Temporary files a killed process left behind."""

from __future__ import annotations


def test_stale_temporary_files_of_ours_are_removed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import time

    from service.jobs.temp_files import remove_stale_temp_files

    old = tmp_path / "archive-portfolio-abc.pdf"
    young = tmp_path / "archive-render-new"
    foreign = tmp_path / "someone-else.tmp"
    for path in (old, young, foreign):
        path.write_bytes(b"x")
    hours_ago = time.time() - 7200
    os.utime(old, (hours_ago, hours_ago))
    os.utime(foreign, (hours_ago, hours_ago))
    assert remove_stale_temp_files(older_than_seconds=3600, folder=tmp_path) == 1
    assert not old.exists() and young.exists() and foreign.exists()
