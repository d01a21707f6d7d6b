"""Ledger commands: ``db upgrade``, ``import-ledger``, ``demo-data``."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from sqlalchemy import func, inspect, select

MAX_PRINTED_ERRORS = 200  # all are checked; a terminal needs only so many to act on


def register(subparsers: Any) -> None:
    """Add the ``db``, ``import-ledger`` and ``demo-data`` sub-commands."""
    db = subparsers.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the Alembic migrations (upgrade to head)").set_defaults(func=cmd_db_upgrade)

    imp = subparsers.add_parser(
        "import-ledger", help="import invoices (and payments) from CSV, XLSX or FatturaPA e-invoices",
        description="Import the ledger in one transaction: any problem is reported with file, line and "
                    "column, and nothing is written. Re-importing the same file changes nothing.")
    imp.add_argument("invoices", help="invoices .csv, or an .xlsx with sheet 'invoices' (and optionally 'payments'), "
                                      "or FatturaPA e-invoices: an .xml/.xml.p7m file, a folder or a .zip of them")
    imp.add_argument("--payments", help="payments .csv or .xlsx (sheet 'payments')")
    imp.add_argument("--locale", choices=("auto", "it", "standard"), default="auto",
                     help="how the spreadsheets write amounts and dates: 'it' (1.240,50 and dd/mm/yyyy), "
                          "'standard' (1240.50 and YYYY-MM-DD) or 'auto' (decided per file; an ambiguous "
                          "file is refused)")
    imp.add_argument("--creditor", default=None, help="creditor id the rows belong to (default: 'default')")
    imp.set_defaults(func=cmd_import_ledger)

    demo = subparsers.add_parser("demo-data", help="load the demo ledger (dates relative to today)")
    demo.add_argument("--if-empty", action="store_true", help="do nothing when the ledger already has invoices")
    demo.set_defaults(func=cmd_demo_data)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Bring the database schema to the latest migration."""
    from bot.ledger.migrate import upgrade_database

    upgrade_database()
    print("database schema is up to date")
    return 0


def _ensure_schema() -> None:
    """A fresh database gets the migrations first; one already set up is left alone."""
    from bot.ledger.db import get_engine

    if not inspect(get_engine()).has_table("invoices"):
        from bot.ledger.migrate import upgrade_database

        upgrade_database()


def _print_summary(counts: dict[str, int]) -> None:
    for kind in ("debtors", "invoices", "payments"):
        parts = [f"{counts[f'{kind}_{what}']} {what}" for what in ("created", "updated", "unchanged")
                 if f"{kind}_{what}" in counts]
        print(f"{kind + ':':<10}{', '.join(parts)}")


def cmd_import_ledger(args: argparse.Namespace) -> int:
    """Import the ledger files in one transaction; 1 with the problems listed when it is refused."""
    from bot.ledger.db import session_scope
    from bot.ledger.importer import LedgerImportError, import_ledger
    from bot.ledger.models import DEFAULT_CREDITOR

    creditor_id = args.creditor or DEFAULT_CREDITOR
    if len(creditor_id) > 40:
        raise ValueError("--creditor: at most 40 characters")
    _ensure_schema()
    try:
        with session_scope() as session:
            summary = import_ledger(session, args.invoices, args.payments, creditor_id=creditor_id,
                                    locale=args.locale)
    except LedgerImportError as exc:
        for message in exc.errors[:MAX_PRINTED_ERRORS]:
            print(message, file=sys.stderr)
        if len(exc.errors) > MAX_PRINTED_ERRORS:
            print(f"… and {len(exc.errors) - MAX_PRINTED_ERRORS} more", file=sys.stderr)
        print(f"import refused: {len(exc.errors)} problem(s) found; nothing was written", file=sys.stderr)
        return 1
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print("import completed" if summary.changed else "import completed: nothing changed")
    _print_summary(summary.as_dict())
    if summary.instalments_written:
        print(f"instalments: {summary.instalments_written} written (invoices with several due dates)")
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    """Load the demo ledger, creating the schema first on a new database."""
    from bot.ledger.db import session_scope
    from bot.ledger.demo import load_demo_ledger
    from bot.ledger.models import Invoice

    _ensure_schema()
    with session_scope() as session:
        if args.if_empty and session.execute(select(func.count()).select_from(Invoice)).scalar_one():
            print("the ledger already has invoices: demo ledger not loaded")
            return 0
        counts = load_demo_ledger(session, date.today())
    print("demo ledger loaded")
    _print_summary(counts)
    return 0
