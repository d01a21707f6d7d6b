"""``python -m bot canned add|list``: canned replies from the command line (setup scripts, first install).

Supervisors normally manage them on the console's ``/canned`` page; this is the same save,
audited as ``cli``.
"""
from __future__ import annotations

import argparse

from bot.agentdesk import canned
from bot.ledger.db import session_scope


def _add(args: argparse.Namespace) -> int:
    with session_scope() as session:
        title = " ".join(args.title.split())
        existing = next((r.id for r in canned.all_replies(session) if (r.language, r.title) == (args.lang, title)),
                        None)
        try:
            row = canned.save(session, language=args.lang, title=title, body=args.body, actor="cli",
                              reply_id=existing)
        except canned.CannedError as exc:
            raise ValueError(f"{exc.code}{': ' + exc.detail if exc.detail else ''}") from exc
        print(f"canned reply {row.id} saved ({row.language}: {row.title})")
    return 0


def _list(_args: argparse.Namespace) -> int:
    with session_scope() as session:
        for row in canned.all_replies(session):
            state = "" if row.active else " [retired]"
            print(f"{row.id}\t{row.language}\t{row.title}{state}\t{row.body}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``canned add`` and ``canned list``."""
    parser = subparsers.add_parser("canned", help="canned replies for the agent console")
    sub = parser.add_subparsers(dest="canned_command", required=True)
    add = sub.add_parser("add", help="add or replace (same language and title) a canned reply")
    add.add_argument("--lang", required=True, choices=canned.LANGUAGES)
    add.add_argument("--title", required=True)
    add.add_argument("--body", required=True,
                     help="text; variables {name} {balance} {next_instalment} {next_instalment_date} {agent}")
    add.set_defaults(func=_add)
    sub.add_parser("list", help="list canned replies").set_defaults(func=_list)
