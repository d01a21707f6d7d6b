"""Command line: ``python -m bot <command>``.

Each feature package contributes its own sub-commands through a ``register(subparsers)``
function in its ``cli`` module, so this file only lists them. A module is imported only
when present, which keeps start-up fast and the commands independent.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from bot.logs import configure_logging

# Modules exposing ``register(subparsers: argparse._SubParsersAction) -> None``.
COMMAND_MODULES = (
    "bot.ledger.cli",        # db upgrade, import-ledger, demo-data
    "bot.nps.cli",           # nps report, nps tasks
    "bot.kpi.cli",           # kpi, simulate
    "bot.channels.cli",      # telegram set-webhook, webchat link
    "bot.channels.webchat_cli",  # webchat revoke
    "bot.handoff.cli",       # agents add
    "bot.outreach.cli",      # outreach run, preview, train, report
    "bot.urls_cli",          # urls
    "bot.privacy.cli",       # privacy export/erase/retention, audit
    "bot.statements.cli",    # import-statement
    "bot.agentdesk.cli",     # canned add, canned list
)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with the sub-commands of every feature module that is installed."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Debt-collection assistant tools")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not (exc.name and name.startswith(exc.name)):  # a missing dependency, not an absent feature
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code: 2 with a one-line message on a bad input, 130 on Ctrl-C."""
    configure_logging()
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (ValueError, FileNotFoundError) as exc:
        logging.getLogger("bot").debug("command failed", exc_info=True)
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
