"""`python -m bot urls`: where to click after `make run` (demo invoice pages, console)."""
from __future__ import annotations

import argparse
import secrets

from sqlalchemy import select

from bot.ledger.db import session_scope
from bot.ledger.models import Agent, Debtor, Invoice

DEMO_AGENT = "demo"


def _first_invoices() -> dict[str, str]:
    """One open demo invoice per language, for the demo links."""
    with session_scope() as session:
        rows = session.execute(
            select(Invoice.invoice_number, Debtor.language).join(Debtor).order_by(Invoice.id)
        ).all()
    found: dict[str, str] = {}
    for number, language in rows:
        found.setdefault(language, number)
    return found


def _ensure_demo_agent() -> str | None:
    """On a ledger with no agents yet, create `demo` with a random password and return it."""
    from bot.handoff.cli import add_agent

    with session_scope() as session:
        if session.execute(select(Agent.id).limit(1)).first() is not None:
            return None
    password = secrets.token_urlsafe(9)
    add_agent(DEMO_AGENT, password, "Demo agent", "it", role="admin")  # the demo shows every console page
    return password


def _run(args: argparse.Namespace) -> int:
    from bot.channels.cli import demo_link

    base = f"http://localhost:{args.port}"
    print(f"REST channel:   POST {base}/webhooks/rest/webhook  {{\"sender\": \"me\", \"message\": \"Buongiorno\"}}")
    for language, number in sorted(_first_invoices().items()):
        try:
            print(f"Invoice page ({language}): {demo_link(number, base)}")
        except ValueError as exc:  # no web chat secret configured: the widget is off
            print(f"Invoice page ({language}): unavailable ({exc})")
    print(f"Agent console:  {base}/webhooks/console/")
    if args.demo_agent:
        password = _ensure_demo_agent()
        if password:
            print(f"Console login:  {DEMO_AGENT} / {password}   (add agents: python -m bot agents add NAME --role agent|supervisor|admin)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``urls`` sub-command."""
    parser = subparsers.add_parser("urls", help="print the demo invoice page and console URLs")
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--demo-agent", action="store_true", help="create a 'demo' agent when there is none")
    parser.set_defaults(func=_run)
