"""Channel commands: ``python -m bot telegram set-webhook`` and ``python -m bot webchat link INVOICE``."""
from __future__ import annotations

import argparse
import asyncio
from urllib.parse import urlencode

from bot.channels.tokens import make_token
from bot.ledger.db import session_scope
from bot.ledger.models import Debtor
from bot.ledger.repository import find_invoice
from bot.settings import ROOT, get_settings

DEFAULT_BASE_URL = "http://localhost:5005"
LOCAL_SECRET_FILE = ROOT / "var" / "webchat_secret"  # written by `make run` when the variable is unset


def webchat_secret() -> str:
    """The link-signing secret: ``WEBCHAT_TOKEN_SECRET``, else ``var/webchat_secret``; ``ValueError`` if neither."""
    secret = get_settings().webchat_token_secret
    if not secret and LOCAL_SECRET_FILE.is_file():
        secret = LOCAL_SECRET_FILE.read_text().strip()
    if not secret:
        raise ValueError("WEBCHAT_TOKEN_SECRET is not set (and no var/webchat_secret from `make run`)")
    return secret


def demo_link(invoice_number: str, base_url: str = DEFAULT_BASE_URL, ttl_minutes: int | None = None) -> str:
    """A signed link to the demo invoice page of ``invoice_number`` (which must be in the ledger)."""
    with session_scope() as session:
        invoice = find_invoice(session, invoice_number)
        if invoice is None:
            raise ValueError(f"invoice {invoice_number!r} is not in the ledger")
        debtor = session.get(Debtor, invoice.debtor_id)
        debtor_ref, number, language = debtor.debtor_ref, invoice.invoice_number, debtor.language
    ttl = ttl_minutes or get_settings().webchat_token_ttl_minutes
    token = make_token(webchat_secret(), debtor_ref, number, ttl, language=language)
    return f"{base_url.rstrip('/')}/webhooks/webchat/demo?{urlencode({'token': token})}"


def _link(args: argparse.Namespace) -> int:
    print(demo_link(args.invoice, args.base_url, args.ttl_minutes))
    return 0


def _set_webhook(args: argparse.Namespace) -> int:
    from bot.channels.telegram import set_webhook

    url = asyncio.run(set_webhook(drop_pending_updates=args.drop_pending_updates))
    print(f"Telegram webhook set to {url}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``telegram set-webhook`` and ``webchat link`` sub-commands to ``python -m bot``."""
    telegram = subparsers.add_parser("telegram", help="Telegram channel tools")
    tg_sub = telegram.add_subparsers(dest="telegram_command", required=True, metavar="ACTION")
    hook = tg_sub.add_parser("set-webhook", help="register PUBLIC_BASE_URL/webhooks/telegram/webhook with Telegram")
    hook.add_argument("--drop-pending-updates", action="store_true", help="discard updates queued at Telegram")
    hook.set_defaults(func=_set_webhook)

    webchat = subparsers.add_parser("webchat", help="web chat widget tools")
    wc_sub = webchat.add_subparsers(dest="webchat_command", required=True, metavar="ACTION")
    link = wc_sub.add_parser("link", help="print a signed demo invoice-page link for INVOICE")
    link.add_argument("invoice", metavar="INVOICE", help="an invoice number of the ledger")
    link.add_argument("--base-url", default=DEFAULT_BASE_URL, help=f"server address (default {DEFAULT_BASE_URL})")
    link.add_argument("--ttl-minutes", type=int, default=None, help="link lifetime (default WEBCHAT_TOKEN_TTL_MINUTES)")
    link.set_defaults(func=_link)
