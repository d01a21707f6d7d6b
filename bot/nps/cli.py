"""``python -m bot nps report`` and ``python -m bot nps tasks [close|assign]``."""
from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from bot.ledger.states import TaskStatus
from bot.settings import ROOT


def iso_date(text: str) -> date:
    """Argument type for YYYY-MM-DD dates; anything else is a usage error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``nps report`` and ``nps tasks`` (list, close, assign) sub-commands."""
    nps = subparsers.add_parser("nps", help="NPS report and detractor follow-up tasks")
    nps_sub = nps.add_subparsers(dest="nps_command", required=True, metavar="{report,tasks}")

    report = nps_sub.add_parser("report", help="NPS figures, themes in the open answers, HTML/JSON/CSV",
                                description="Writes nps_report.html, nps.json, nps_breakdown.csv and "
                                            "nps_themes.csv and nps_comments.csv (row,theme,polarity) into --out.")
    report.add_argument("--since", type=iso_date, help="first day included (YYYY-MM-DD)")
    report.add_argument("--until", type=iso_date, help="last day included (YYYY-MM-DD)")
    report.add_argument("--from-csv", type=Path, metavar="FILE",
                        help="read answers from a CSV (created_at,channel,journey,outcome,language,score,comment) "
                             "instead of the database")
    report.add_argument("--out", type=Path, default=ROOT / "var" / "reports", metavar="DIR")
    report.add_argument("--themes", type=int, metavar="K", help="number of themes (default: chosen from the data)")
    report.add_argument("--lang", choices=("it", "en"), default="it", help="language of the HTML page")
    report.set_defaults(func=run_report)

    tasks = nps_sub.add_parser("tasks", help="list detractor follow-up tasks; 'close ID --note' records what was done")
    tasks.add_argument("--status", choices=("open", "done", "all"), default="open")
    tasks.add_argument("--owner")
    tasks.set_defaults(func=run_list_tasks)
    actions = tasks.add_subparsers(dest="tasks_command", metavar="{close,assign}")
    close = actions.add_parser("close", help="close a task and record what was done")
    close.add_argument("id", type=int)
    close.add_argument("--note", required=True, help="what was done (required)")
    close.add_argument("--by", default="cli", help="who closed it (recorded in the audit log)")
    close.set_defaults(func=run_close_task)
    assign = actions.add_parser("assign", help="give a task to someone (and optionally a new due date)")
    assign.add_argument("id", type=int)
    assign.add_argument("--owner", required=True)
    assign.add_argument("--due", type=iso_date)
    assign.set_defaults(func=run_assign_task)


def run_report(args: argparse.Namespace) -> int:
    """Build the NPS report from the database or a CSV, write its files to ``--out`` and print a summary."""
    from bot.nps.report import build_report_with_labels, write_outputs
    from bot.nps.sources import load_csv, load_from_db

    if args.since and args.until and args.since > args.until:
        raise ValueError("--since is after --until")
    started = time.perf_counter()
    if args.from_csv:
        data = load_csv(args.from_csv).within(args.since, args.until)
        source = f"csv:{args.from_csv.name}"
    else:
        from bot.ledger.db import session_scope

        with session_scope() as session:
            data = load_from_db(session, args.since, args.until)
        source = "database"
    report, per_comment = build_report_with_labels(data, n_themes=args.themes, source=source)
    paths = write_outputs(report, args.out, lang=args.lang, per_comment=per_comment)
    o = report["overall"]
    nps = "—" if o["nps"] is None else f"{o['nps']:.1f} (95% CI {o['ci95_low']:.1f}…{o['ci95_high']:.1f})"
    print(f"responses: {o['n']}  NPS: {nps}  themes: {len(report['themes'])}  "
          f"({time.perf_counter() - started:.1f}s)")
    for theme in report["themes"]:
        print(f"  - {theme['name']}: {theme['size']} comments, mean {theme['mean_score']}, NPS {theme['nps']}")
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0


def run_list_tasks(args: argparse.Namespace) -> int:
    """Print the follow-up tasks matching the filters; overdue ones are marked with '!'."""
    from bot.ledger.db import session_scope
    from bot.nps.tasks import list_tasks

    today = date.today()
    with session_scope() as session:
        views = list_tasks(session, status=None if args.status == "all" else args.status, owner=args.owner)
    if not views:
        print("no tasks")
        return 0
    print(f"{'id':>5}  {'status':6}  {'due':10}  {'owner':16}  {'score':>5}  {'channel':9}  comment / resolution")
    for v in views:
        due = (v.due_on.isoformat() if v.due_on else "-") + ("!" if v.overdue(today) else "")
        text = v.resolution if v.status == TaskStatus.DONE else v.comment
        print(f"{v.id:>5}  {v.status:6}  {due:10}  {(v.owner or '-')[:16]:16}  "
              f"{'' if v.score is None else v.score:>5}  {(v.channel or '-')[:9]:9}  {(text or '')[:70]}")
    overdue = sum(v.overdue(today) for v in views)
    print(f"{len(views)} task(s), {overdue} overdue (!)")
    return 0


def run_close_task(args: argparse.Namespace) -> int:
    """Close a task with the note saying what was done; ValueError if it is unknown or already closed."""
    from bot.ledger.db import session_scope
    from bot.nps.tasks import close_task

    with session_scope() as session:
        task = close_task(session, args.id, args.note, actor=args.by)
        print(f"task {task.id} closed: {task.resolution}")
    return 0


def run_assign_task(args: argparse.Namespace) -> int:
    """Give a task to an owner, optionally with a new due date; an unknown id raises ValueError."""
    from bot.ledger.db import session_scope
    from bot.nps.tasks import assign_task

    with session_scope() as session:
        task = assign_task(session, args.id, args.owner, args.due)
        print(f"task {task.id} assigned to {task.owner}, due {task.due_on or '-'}")
    return 0
