"""Command line: ``python -m service COMMAND``.

run            start the embedded stores (unless MONGODB_URI and S3_ENDPOINT are set), seed the
               demo school on first start, and serve http://HOST:PORT. Ctrl-C stops everything.
serve          serve against the configured stores only (production; what the Dockerfile runs).
seed-demo      create the demo school in the configured stores if it has no pupils yet.
sweep-orphans  remove objects without metadata older than ORPHAN_GRACE_SECONDS; print a report.
export DIR     write the whole archive (metadata, objects) as a BagIt bag into an empty DIR.
import DIR     validate a bag and restore it into empty stores (locks and holds reapplied).
verify-log     check the access log's hash chain; reports the first broken entry (exit 1).
audit          re-read every object: checksum mismatches, missing objects, orphans, missing
               locks. Reports only; exit code 1 when anything is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from dataclasses import replace
from datetime import date

from service.errors import ArchiveError
from service.settings import Settings

log = logging.getLogger("service")


def _serve(settings: Settings) -> None:
    import uvicorn

    from service.app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,  # URLs carry pupil ids; the access log of the access issue records who saw what
        timeout_graceful_shutdown=10,
    )


async def _with_stores(settings: Settings, action: str, path: str | None = None) -> None:
    from service.demo import seed_demo
    from service.jobs.audit import audit_archive
    from service.jobs.sweep_orphans import sweep_orphans
    from service.lifespan import open_stores

    stores = await open_stores(settings)
    try:
        if action == "seed":
            seeded = await seed_demo(settings=settings, stores=stores, today=date.today())  # noqa: DTZ011
            print("demo school created" if seeded else "the school already has pupils; nothing seeded")
        elif action == "sweep":
            print(await sweep_orphans(settings=settings, stores=stores))
        elif action == "export":
            from pathlib import Path

            from service.jobs.backup import export_archive

            report = await export_archive(settings=settings, stores=stores, target=Path(path or ""))
            print(f"exported {report.records} and {report.objects} objects ({report.bytes} bytes) to {path}")
        elif action == "import":
            from pathlib import Path

            from service.jobs.backup import import_archive

            report = await import_archive(stores=stores, source=Path(path or ""), today=date.today())  # noqa: DTZ011
            print(f"imported {report.records} and {report.objects} objects ({report.bytes} bytes)")
        elif action == "verify-log":
            from service.storage.access_log import AccessLogRepository, verify_chain

            repo = AccessLogRepository(stores.db)
            broken = False
            for school in await repo.schools():
                checked, first_broken = await verify_chain(repo, school)
                if first_broken is None:
                    print(f"{school}: {checked} entries, chain intact")
                else:
                    broken = True
                    print(f"{school}: chain broken at entry {first_broken} (checked {checked})")
            if broken:
                raise SystemExit(1)
        elif action == "audit":
            report = await audit_archive(settings=settings, stores=stores, today=date.today())  # noqa: DTZ011
            print("\n".join(report.lines()))
            if not report.ok:
                raise SystemExit(1)
    finally:
        await stores.close()


def _exit_on_sigterm() -> None:
    """uvicorn re-raises the signal that stopped it; with SIGTERM's default action the process
    would die on the spot and leave the embedded stores running. Turn it into SystemExit so
    the ``finally`` below stops them."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def _run(settings: Settings) -> int:
    from service.embedded import EmbeddedStartError, EmbeddedStores

    _exit_on_sigterm()

    embedded: EmbeddedStores | None = None
    if os.environ.get("MONGODB_URI") and os.environ.get("S3_ENDPOINT"):
        log.info("using the stores named by MONGODB_URI and S3_ENDPOINT")
    else:
        embedded = EmbeddedStores(
            data_dir=settings.data_dir.resolve(),
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
        )
        log.info("starting embedded SecantusDB and SeaweedFS under %s ...", settings.data_dir)
        try:
            embedded.start()
        except EmbeddedStartError as exc:
            print(f"Встроенные хранилища не запустились: {exc}", file=sys.stderr)
            return 1
        settings = replace(settings, mongodb_uri=embedded.mongodb_uri, s3_endpoint=embedded.s3_endpoint)
    try:
        from service.demo import demo_accounts_text

        asyncio.run(_with_stores(settings, "seed"))
        print(
            f"\n  Архив документов: http://{settings.host}:{settings.port}/ui/"
            "   (API: /schema, проверка: /health)\n"
        )
        print(demo_accounts_text() + "\n")
        _serve(settings)
    finally:
        if embedded is not None:
            log.info("stopping embedded stores")
            embedded.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    from service.app import configure_logging

    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "command",
        choices=["run", "serve", "seed-demo", "sweep-orphans", "audit", "export", "import", "verify-log"],
    )
    parser.add_argument("path", nargs="?", help="the bag folder for export / import")
    args = parser.parse_args(argv)
    configure_logging()
    settings = Settings.from_env()
    if args.command == "run":
        return _run(settings)
    if args.command == "serve":
        _serve(settings)
        return 0
    action = {"seed-demo": "seed", "sweep-orphans": "sweep"}.get(args.command, args.command)
    if action in ("export", "import") and not args.path:
        parser.error(f"{args.command} needs a folder: python -m service {args.command} DIR")
    from pymongo.errors import PyMongoError

    try:
        asyncio.run(_with_stores(settings, action, args.path))
    except ArchiveError as exc:
        print(f"Отказано: {exc.message}", file=sys.stderr)
        return 1
    except PyMongoError:
        print(
            "База данных архива недоступна. Запустите сервис (make run) в другом окне или укажите "
            "MONGODB_URI и S3_ENDPOINT работающих хранилищ.",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
