"""``python -m bot outreach run|preview|train|report``."""
from __future__ import annotations

import argparse
import logging
import signal
import threading
from datetime import date
from typing import Any

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``outreach`` command and its ``run``, ``preview``, ``train`` and ``report`` sub-commands."""
    out = subparsers.add_parser("outreach", help="proactive reminders: worker, preview, model, report")
    sub = out.add_subparsers(dest="outreach_command", required=True)

    run = sub.add_parser("run", help="plan today's messages and send them (loops until SIGTERM/Ctrl-C)")
    run.add_argument("--once", action="store_true", help="one pass, then exit")
    run.add_argument("--poll-seconds", type=float, default=None, help="pause between passes (default: creditor.yml)")
    run.add_argument("--lease-seconds", type=int, default=None,
                     help="after how long a claimed/sending row of a dead worker is taken over (default 300)")
    run.add_argument("--no-plan", action="store_true", help="only send what is already in the outbox")
    run.set_defaults(func=cmd_run)

    prev = sub.add_parser("preview", help="who would be contacted day by day (nothing is sent or written)")
    prev.add_argument("--days", type=int, default=14)
    prev.add_argument("--start", type=date.fromisoformat, default=None, help="first day (YYYY-MM-DD), default today")
    prev.add_argument("--configured-only", action="store_true",
                      help="use only the channels configured here (default: assume all are)")
    prev.add_argument("--no-text", action="store_true", help="hide the message texts")
    prev.set_defaults(func=cmd_preview)

    train = sub.add_parser("train", help="train the payment-propensity model on the ledger's history")
    train.add_argument("--simulate", type=int, default=0, metavar="DEBTORS",
                       help="train on N simulated debtors instead (for a demo ledger with no history)")
    train.set_defaults(func=cmd_train)

    report = sub.add_parser("report", help="outbox totals, skip reasons and A/B results")
    report.add_argument("--days", type=int, default=14, help="window for replies and payments after a message")
    report.set_defaults(func=cmd_report)


def _ensure_schema() -> None:
    from sqlalchemy import inspect

    from bot.ledger.db import get_engine
    from bot.ledger.migrate import upgrade_database

    if not inspect(get_engine()).has_table("outbox_messages"):
        upgrade_database()


def _scorer() -> Any:
    from bot.outreach import propensity

    return propensity.scorer(propensity.load())


def cmd_run(args: argparse.Namespace) -> int:
    """Run the outreach worker, one pass with ``--once`` or until SIGTERM/Ctrl-C; creates the schema if missing."""
    from bot.ledger.db import get_engine
    from bot.outreach.config import get_outreach_config
    from bot.outreach.senders import configured_sender
    from bot.outreach.worker import Worker

    _ensure_schema()
    config = get_outreach_config()
    sender = configured_sender()
    if not sender.available_channels():
        log.warning("outreach: no channel configured (Twilio/Telegram); messages will be skipped as "
                    "channel_not_configured")
    worker = Worker(get_engine(), sender, config, lease_seconds=args.lease_seconds, scorer=_scorer())
    if args.once:
        stats = worker.run_once(plan=not args.no_plan)
        print(f"planned {stats.planned}, sent {stats.sent}, skipped {stats.skipped}, failed {stats.failed}, "
              f"deferred {stats.deferred}, reconciled {stats.reconciled}")
        return 0
    stop = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        log.info("outreach worker stopping on signal %d", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("outreach worker %s started", worker.worker_id)
    worker.run_forever(stop, args.poll_seconds)
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    """Print the day-by-day outreach preview; nothing is sent or queued. ValueError unless 1 <= --days <= 366."""
    from bot.ledger.db import get_engine
    from bot.outreach.config import CHANNELS, get_outreach_config
    from bot.outreach.preview import format_preview, preview
    from bot.outreach.rules import timezone_for, utc_now
    from bot.outreach.senders import configured_sender

    if args.days < 1 or args.days > 366:
        raise ValueError("--days must be between 1 and 366")
    _ensure_schema()
    config = get_outreach_config()
    channels = configured_sender().available_channels() if args.configured_only else CHANNELS
    first = args.start or utc_now().astimezone(timezone_for(None, config)).date()
    lines = preview(get_engine(), args.days, config, available_channels=channels, scorer=_scorer(), start=first)
    if not args.configured_only:
        print("(assuming every channel is configured; --configured-only to use this machine's settings)")
    print(format_preview(lines, first, args.days, config, show_text=not args.no_text))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Train and save the propensity model on the ledger, or on a throw-away simulated ledger with ``--simulate``."""
    from bot.ledger.db import make_engine, session_factory, session_scope
    from bot.ledger.models import Base
    from bot.outreach import propensity

    today = date.today()
    if args.simulate:
        from bot.outreach.simulate import simulate_history

        engine = make_engine("sqlite://")
        Base.metadata.create_all(engine)
        with session_factory(engine)() as session:
            simulate_history(session, today, debtors=args.simulate)
            model = propensity.train(session, today)
    else:
        _ensure_schema()
        with session_scope() as session:
            model = propensity.train(session, today)
    print(f"trained on {model.trained_on} snapshots (paid within 30 days: {model.positive_share:.0%}); "
          f"saved to {propensity.MODEL_PATH}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Print outbox totals by status, skip and failure reasons, and reply/payment rates per A/B variant."""
    from sqlalchemy import func, select

    from bot.ledger.db import session_scope
    from bot.outreach.experiments import variant_report
    from bot.outreach.models import OutboxMessage

    _ensure_schema()
    with session_scope() as session:
        by_status = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        reasons = session.execute(select(OutboxMessage.skip_reason, func.count()).where(
            OutboxMessage.skip_reason.is_not(None)).group_by(OutboxMessage.skip_reason)
            .order_by(func.count().desc())).all()
        stats = variant_report(session, args.days)
    print("outbox: " + (", ".join(f"{status} {n}" for status, n in sorted(by_status)) or "empty"))
    for reason, n in reasons:
        print(f"  skipped/failed because {reason}: {n}")
    print(f"\nvariants (replies and payments within {args.days} days of the message):")
    print(f"{'step':<22}{'variant':<9}{'sent':>6}{'reply rate':>12}{'paid rate':>11}")
    for s in stats:
        print(f"{s.step:<22}{s.variant:<9}{s.sent:>6}{s.reply_rate:>12.0%}{s.payment_rate:>11.0%}")
    if not stats:
        print("(nothing sent yet)")
    return 0
