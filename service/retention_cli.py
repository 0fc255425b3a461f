"""`retention` command line for the archivist: due list, acts, holds.

    retention due [--as-of 2027-01-15]
    retention act draft [--as-of DATE] [--compiled-by NAME]
    retention act approve ACT_ID --by NAME --protocol N --protocol-date DATE
    retention act execute ACT_ID --by NAME
    retention act cancel ACT_ID --by NAME --reason TEXT
    retention act show ACT_ID
    retention hold place --type document|case|student --id ID --reason TEXT --by NAME
    retention hold release HOLD_ID --by NAME
    retention hold list

Uses the stores named by MONGODB_URI / S3_ENDPOINT (the same settings as the service). Exit
code 0 on success, 1 when the request was refused (the message says why), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

import anyio
from pymongo.errors import PyMongoError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from retention.acts import STATUS_RU, ActStatus
from service.errors import ArchiveError
from service.lifespan import open_stores
from service.settings import Settings
from service.wiring import make_act_service, make_retention_service

SKIP_REASONS_RU = {
    "on_hold": "наложен запрет на уничтожение",
    "not_due": "срок хранения не истёк (изменились сроки или решение ЭК)",
    "changed_since_draft": "документ изменён после составления акта",
    "not_in_this_act": "уничтожен по другому акту",
}

console = Console()
errors = Console(stderr=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retention", description="Сроки хранения, акты и запреты на уничтожение"
    )
    parser.add_argument("--school", help="школа (по умолчанию SCHOOL_ID)")
    sub = parser.add_subparsers(dest="command", required=True)

    due = sub.add_parser("due", help="дела, подлежащие уничтожению на дату")
    due.add_argument("--as-of", type=date.fromisoformat, default=None)

    act = sub.add_parser("act", help="акты о выделении к уничтожению").add_subparsers(
        dest="act_command", required=True
    )
    draft = act.add_parser("draft", help="составить проект акта")
    draft.add_argument("--as-of", type=date.fromisoformat, default=None)
    draft.add_argument("--compiled-by")
    approve = act.add_parser("approve", help="утвердить акт (директор)")
    approve.add_argument("act_id")
    approve.add_argument("--by", required=True)
    approve.add_argument("--protocol", required=True)
    approve.add_argument("--protocol-date", required=True)
    execute = act.add_parser("execute", help="исполнить утверждённый акт")
    execute.add_argument("act_id")
    execute.add_argument("--by", required=True)
    cancel = act.add_parser("cancel", help="отменить неисполненный акт")
    cancel.add_argument("act_id")
    cancel.add_argument("--by", required=True)
    cancel.add_argument("--reason", required=True)
    show = act.add_parser("show", help="показать акт")
    show.add_argument("act_id")

    hold = sub.add_parser("hold", help="запреты на уничтожение").add_subparsers(
        dest="hold_command", required=True
    )
    place = hold.add_parser("place", help="наложить запрет")
    place.add_argument("--type", dest="target_type", required=True, choices=["document", "case", "student"])
    place.add_argument("--id", dest="target_id", required=True)
    place.add_argument("--reason", required=True)
    place.add_argument("--by", required=True)
    release = hold.add_parser("release", help="снять запрет")
    release.add_argument("hold_id")
    release.add_argument("--by", required=True)
    release.add_argument("--reason")
    hold.add_parser("list", help="действующие запреты")
    return parser


def _print_act(act: dict[str, Any]) -> None:
    status = STATUS_RU.get(ActStatus(act["status"]), act["status"])
    table = Table(title=f"Акт № {act['number']} от {act['act_date']} — {status}")
    for column in ("№", "Индекс", "Заголовок дела", "Год", "Ед. хр.", "Срок хранения"):
        table.add_column(column)
    for row in act["rows"]:
        table.add_row(
            str(row["number"]),
            row["index"],
            row["title"][:60],
            row["years"],
            str(row["items"]),
            row["retention"],
        )
    console.print(table)
    console.print(f"id: {act['_id']}; итого {act['total_items']} ед. хр., {act['total_bytes']} байт")
    if act.get("execution") and act["status"] == "executed":
        result = act["execution"]
        console.print(f"уничтожено: {len(result['destroyed'])}; пропущено: {len(result['skipped'])}")
        for skipped in result["skipped"]:
            reason = SKIP_REASONS_RU.get(skipped["reason"], skipped["reason"])
            console.print(f"  пропущен {skipped['document_id']}: {reason}")


async def _run(args: argparse.Namespace, settings: Settings) -> None:
    stores = await open_stores(settings)
    try:
        retention = make_retention_service(stores)
        acts = make_act_service(settings, stores, retention)
        school = args.school or settings.school_id
        today = date.today()  # noqa: DTZ011 - the school's calendar date
        if args.command == "due":
            report = await retention.due(school, as_of=args.as_of or today)
            for title, items in (
                ("Подлежат уничтожению", report.due),
                ("Требуют экспертизы ценности (ЭПК)", report.expert_review),
                ("Требуют решения «надобность миновала» (ДМН)", report.needs_decision),
                ("Под запретом на уничтожение", report.on_hold),
            ):
                table = Table(title=f"{title} на {report.as_of:%d.%m.%Y}")
                for column in ("Дело", "Заголовок", "Документов", "Байт"):
                    table.add_column(column)
                for item in items:
                    table.add_row(
                        item.case["_id"], item.case["title"][:60], str(item.documents), str(item.bytes)
                    )
                console.print(table)
        elif args.command == "act":
            if args.act_command == "draft":
                _print_act(
                    await acts.draft(
                        school, as_of=args.as_of or today, compiled_by=args.compiled_by, today=today
                    )
                )
            elif args.act_command == "approve":
                fields = {
                    "approved_by": args.by,
                    "protocol_number": args.protocol,
                    "protocol_date": args.protocol_date,
                }
                _print_act(await acts.approve(school, args.act_id, fields, today=today))
            elif args.act_command == "cancel":
                _print_act(
                    await acts.cancel(school, args.act_id, {"cancelled_by": args.by, "reason": args.reason})
                )
            elif args.act_command == "show":
                _print_act(await acts.get(school, args.act_id))
            elif args.act_command == "execute":
                await acts.check_executable(school, args.act_id)  # refuse before drawing a progress bar
                with Progress(
                    TextColumn("Уничтожение"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                    console=errors,
                    transient=False,
                ) as progress:
                    task = progress.add_task("execute", total=None)

                    def step(done: int, total: int) -> None:
                        progress.update(task, completed=done, total=total)

                    act = await acts.execute(
                        school, args.act_id, executed_by=args.by, today=today, progress=step
                    )
                _print_act(act)
        elif args.command == "hold":
            if args.hold_command == "place":
                hold = await retention.place_hold(
                    school,
                    {
                        "target_type": args.target_type,
                        "target_id": args.target_id,
                        "reason": args.reason,
                        "placed_by": args.by,
                    },
                )
                console.print(f"запрет наложен: {hold['_id']}")
            elif args.hold_command == "release":
                await retention.release_hold(
                    school, args.hold_id, {"released_by": args.by, "reason": args.reason}
                )
                console.print("запрет снят")
            else:
                for hold in await retention.holds(school, active_only=True):
                    console.print(
                        f"{hold['_id']}  {hold['target_type']}:{hold['target_id']}  {hold['reason']}"
                    )
    finally:
        await stores.close()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        anyio.run(_run, args, Settings.from_env())
    except ArchiveError as exc:
        errors.print(f"[red]Отказано:[/red] {exc.message}")
        return 1
    except PyMongoError:
        errors.print(
            "[red]База данных архива недоступна.[/red] Запустите сервис (make run) или укажите "
            "MONGODB_URI и S3_ENDPOINT работающих хранилищ."
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
