"""``python -m bot agents add USERNAME`` / ``list`` / ``role USERNAME ROLE`` / ``disable``: console accounts.

Roles (``bot.handoff.roles``): agent (the default), supervisor, admin.

The password is read from standard input when it is not a terminal (for scripts:
``echo "$PW" | python -m bot agents add giulia``), otherwise asked twice without echo. It
is never taken from the command line, where it would end up in the shell history.
"""
from __future__ import annotations

import argparse
import getpass
import re
import sys

from sqlalchemy import select

from bot.handoff.auth import check_password_strength, hash_password
from bot.handoff.roles import ROLES, is_role
from bot.ledger.db import session_scope
from bot.ledger.models import Agent
from bot.ledger.repository import audit

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise ValueError("the two passwords differ")
    return first


def add_agent(username: str, password: str, display_name: str | None = None, language: str = "it",
              role: str | None = None) -> int:
    """Create the account, or reset the password, name and language of an existing one.

    ``role`` sets the role too; left out, a new account is an ``agent`` and an existing one keeps its role.
    """
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise ValueError("username: 2-64 characters, lower-case letters, digits, '.', '_' or '-'")
    if language not in ("it", "en"):
        raise ValueError("language must be 'it' or 'en'")
    if role is not None and not is_role(role):
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    check_password_strength(password)
    with session_scope() as session:
        agent = session.execute(select(Agent).where(Agent.username == username)).scalar_one_or_none()
        created = agent is None
        if agent is None:
            agent = Agent(username=username, display_name=display_name or username, password_hash="")
            session.add(agent)
        elif display_name:
            agent.display_name = display_name
        agent.password_hash, agent.language, agent.active = hash_password(password), language, True
        if role is not None or created:
            agent.role = role or "agent"
        session.flush()
        audit(session, actor="cli", action="agent.created" if created else "agent.updated", entity="agent",
              entity_id=agent.id, details={"role": agent.role})
        return int(agent.id)


def set_role(username: str, role: str) -> None:
    """Give an existing account a role; the change counts from the agent's next request."""
    if not is_role(role):
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    with session_scope() as session:
        agent = session.execute(select(Agent).where(Agent.username == username.strip().lower())).scalar_one_or_none()
        if agent is None:
            raise ValueError(f"no agent named {username!r}")
        previous, agent.role = agent.role, role
        audit(session, actor="cli", action="agent.role", entity="agent", entity_id=agent.id,
              details={"from": previous, "to": role})


def _cmd_add(args: argparse.Namespace) -> int:
    agent_id = add_agent(args.username, _read_password(), args.name, args.lang, args.role)
    print(f"agent {args.username.strip().lower()} saved (id {agent_id})")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    with session_scope() as session:
        agents = session.execute(select(Agent).order_by(Agent.username)).scalars().all()
        for agent in agents:
            state = "active" if agent.active else "disabled"
            print(f"{agent.username}\t{agent.display_name}\t{agent.language}\t{agent.role}\t{state}")
    return 0


def _cmd_role(args: argparse.Namespace) -> int:
    set_role(args.username, args.role)
    print(f"agent {args.username.strip().lower()} is now {args.role}")
    return 0


def _cmd_disable(args: argparse.Namespace) -> int:
    with session_scope() as session:
        agent = session.execute(select(Agent).where(Agent.username == args.username)).scalar_one_or_none()
        if agent is None:
            raise ValueError(f"no agent named {args.username!r}")
        agent.active = False
        audit(session, actor="cli", action="agent.disabled", entity="agent", entity_id=agent.id)
    print(f"agent {args.username} disabled")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``agents`` command (add, role, list, disable) to ``python -m bot``."""
    agents = subparsers.add_parser("agents", help="agent console accounts")
    sub = agents.add_subparsers(dest="agents_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="create an agent (or reset its password); password from stdin or prompt")
    add.add_argument("username")
    add.add_argument("--name", help="name shown to debtors and colleagues (default: the username)")
    add.add_argument("--lang", choices=("it", "en"), default="it", help="console language (default it)")
    add.add_argument("--role", choices=ROLES, help="agent (default for a new account), supervisor or admin")
    add.set_defaults(func=_cmd_add)
    role = sub.add_parser("role", help="set an agent's role: agent, supervisor or admin")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    role.set_defaults(func=_cmd_role)
    sub.add_parser("list", help="list agents").set_defaults(func=_cmd_list)
    disable = sub.add_parser("disable", help="stop an agent from logging in")
    disable.add_argument("username")
    disable.set_defaults(func=_cmd_disable)
