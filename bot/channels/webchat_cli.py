"""``python -m bot webchat revoke --invoice N | --token T``: kill web chat links before they expire.

Revocations live in the database (table ``webchat_revocations``), so every server process
refuses the link at its next request. ``--invoice`` revokes every link of that invoice
issued so far and withdraws the verification of its web chat conversations (send the
debtor a fresh link with ``python -m bot webchat link``); ``--token`` revokes one link
(the token itself, or the whole URL that carries it).
"""
from __future__ import annotations

import argparse

from bot.channels.tokens import token_key
from bot.channels.webchat_links import revoke_invoice, revoke_token
from bot.ledger.db import session_scope


def revoke(invoice: str | None = None, token: str | None = None) -> str:
    """Record the revocation; returns a one-line receipt for the operator."""
    if bool(invoice) == bool(token):
        raise ValueError("give exactly one of --invoice N or --token T")
    with session_scope() as session:
        if invoice:
            number = revoke_invoice(session, invoice, actor="cli")
            return f"revoked every web chat link of invoice {number} issued until now"
        key = token_key(token or "")
        revoke_token(session, key, actor="cli")
        return f"revoked web chat link {key[:12]}…"


def _revoke(args: argparse.Namespace) -> int:
    print(revoke(args.invoice, args.token))
    return 0


def _webchat_actions(subparsers: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The ``webchat`` command's sub-commands (``bot.channels.cli`` declares ``webchat link``)."""
    parser = subparsers.choices.get("webchat")
    if parser is None:
        parser = subparsers.add_parser("webchat", help="web chat widget tools")
        return parser.add_subparsers(dest="webchat_command", required=True, metavar="ACTION")
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``webchat revoke`` to ``python -m bot``, next to the ``webchat link`` of ``bot.channels.cli``."""
    cmd = _webchat_actions(subparsers).add_parser(
        "revoke", help="revoke the web chat links of an invoice, or one link")
    group = cmd.add_mutually_exclusive_group(required=True)
    group.add_argument("--invoice", metavar="N", help="every link of invoice N issued until now")
    group.add_argument("--token", metavar="T", help="one link: its token, or the whole URL")
    cmd.set_defaults(func=_revoke)
