"""``python -m bot import-statement FILE``: camt.053/054 XML, CSV or XLSX."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.ledger.db import session_scope
from bot.statements.match import SURE
from bot.statements.read_camt import StatementError


def register(subparsers: Any) -> None:
    """Add the ``import-statement`` command."""
    cmd = subparsers.add_parser("import-statement", help="match a bank statement (camt.053/054, CSV, XLSX) to invoices")
    cmd.add_argument("file", type=Path)
    cmd.add_argument("--auto-apply-confidence", type=float, default=SURE,
                     help=f"matches at least this sure are applied; the rest wait for review (default {SURE})")
    cmd.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    """Import one file in one transaction and print what happened (no names or amounts per debtor)."""
    from bot.statements.importer import import_statement

    if not 0.5 <= args.auto_apply_confidence <= 1.0:
        raise ValueError("--auto-apply-confidence must be between 0.5 and 1")
    try:
        with session_scope() as session:
            report = import_statement(session, args.file, sure=args.auto_apply_confidence)
    except StatementError as exc:
        raise ValueError(f"{args.file.name}: {exc}") from exc
    print(f"{report.lines} lines: {report.applied} applied ({report.applied_amount} EUR), "
          f"{report.review} to review, {len(report.unmatched_ids)} unmatched, "
          f"{report.ignored} ignored (debits/other currency), {report.already_imported} already imported")
    if report.unmatched_ids:
        print("unmatched statement line ids: " + ", ".join(map(str, report.unmatched_ids[:50])))
    return 0
