"""Operator view, preview on the demo ledger, the CLI, settings and the migration."""
from __future__ import annotations

import argparse
import os
from datetime import date, timedelta

import pytest
from sqlalchemy import func, inspect, select

from bot.ledger.db import make_engine, session_factory
from bot.ledger.demo import load_demo_ledger
from bot.ledger.migrate import downgrade_database, upgrade_database
from bot.ledger.models import Base, ContactPreference, Debtor, Invoice
from bot.outreach import cli
from bot.outreach.config import OutreachConfig, load_outreach_config, parse_outreach
from bot.outreach.models import OutboxMessage
from bot.outreach.planner import plan_day
from bot.outreach.preview import preview
from bot.outreach.views import (
    PAUSE_URL, RESUME_URL, handle_pause_form, handle_resume_form, render_outreach_page,
)
from tests.schema_compare import schema_diff
from tests.outreach.conftest import CREDITOR, MONDAY, FixedClock, at, debtor_with_invoice


def test_console_page_shows_schedule_skips_and_pause_controls(session):
    debtor_with_invoice(session, "A", "+393331234567", due=MONDAY - timedelta(days=3))
    _, held = debtor_with_invoice(session, "BB", "+393339999999", due=MONDAY - timedelta(days=3))
    held.collection_hold = "dispute"
    session.flush()
    plan_day(session, MONDAY, at(MONDAY, 7), OutreachConfig(), creditor_name=CREDITOR)
    page = render_outreach_page(session, "it", csrf_token="tok<en>")
    assert "In programma" in page and "Debtor A" in page and "fattura contestata" in page
    assert f'action="{PAUSE_URL}"' in page and 'name="csrf" value="tok&lt;en&gt;"' in page
    assert "+393331234567" not in page  # numbers are masked
    assert "Invoice disputed" not in page and "invoice disputed" in render_outreach_page(session, "en")

    pause = handle_pause_form(session, {"scope": "debtor", "debtor_ref": "A", "reason": "call first"}, "agent:anna")
    page = render_outreach_page(session, "en")
    assert f'action="{RESUME_URL}"' in page and f'value="{pause.id}"' in page and "call first" in page
    handle_resume_form(session, {"pause_id": str(pause.id)}, "agent:anna")
    assert f'value="{pause.id}"' not in render_outreach_page(session, "en")
    for bad in ({"scope": "debtor", "debtor_ref": "nobody"}, {"scope": "campaign", "campaign": "nope"}, {"scope": "x"}):
        with pytest.raises(ValueError):
            handle_pause_form(session, bad, "agent:anna")
    with pytest.raises(ValueError):
        handle_resume_form(session, {"pause_id": str(pause.id)}, "agent:anna")  # already lifted


def test_preview_on_the_demo_ledger_never_contacts_sundays_disputes_or_opt_outs(engine):
    today = MONDAY
    with session_factory(engine)() as s:
        load_demo_ledger(s, today)
        disputed = s.execute(select(Invoice).where(Invoice.invoice_number == "INV-88655")).scalar_one()
        disputed.collection_hold = "dispute"
        opted = s.execute(select(Debtor).where(Debtor.debtor_ref == "D-1002")).scalar_one()
        s.add(ContactPreference(channel="all", address=opted.phone, opted_out=True))
        s.commit()
        names = {"disputed": disputed.debtor.name, "opted": opted.name}
    lines = preview(engine, 30, OutreachConfig(), clock=FixedClock(at(today, 7)), creditor_name=CREDITOR)
    sent = [line for line in lines if line.status == "queued"]
    assert sent and all(line.day.weekday() != 6 for line in sent)
    assert not any(line.day in (date(2026, 12, 8), date(2026, 12, 25)) for line in sent)
    assert not [line for line in sent if line.debtor in names.values()]
    reasons = {line.reason for line in lines if line.debtor in names.values()}
    assert {"dispute", "opted_out_all"} <= reasons
    by_day: dict = {}
    for line in sent:
        by_day.setdefault((line.debtor, line.day), []).append(line)
    assert max(len(v) for v in by_day.values()) == 1  # the daily cap holds across the simulation
    with session_factory(engine)() as s:
        assert s.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == 0  # nothing written


def _run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_preview_run_and_report(app_db, capsys):
    with session_factory(app_db)() as s:
        load_demo_ledger(s, date.today())
        s.commit()
    assert _run_cli(["outreach", "preview", "--days", "10", "--no-text"]) == 0
    out = capsys.readouterr().out
    assert "SEND" in out and "would be sent" in out
    assert _run_cli(["outreach", "run", "--once"]) == 0  # no channel configured here: skipped, with the reason
    assert "planned" in capsys.readouterr().out
    assert _run_cli(["outreach", "report"]) == 0
    assert "outbox:" in capsys.readouterr().out
    with pytest.raises(ValueError):
        _run_cli(["outreach", "preview", "--days", "0"])


def test_settings_block_defaults_and_errors(tmp_path):
    assert load_outreach_config(tmp_path / "absent.yml") == OutreachConfig()
    path = tmp_path / "creditor.yml"
    path.write_text("name: X\noutreach:\n  caps: {per_day: 1, per_week: 2}\n  steps:\n"
                    "    - {name: gentle, kind: invoice, offset_days: 7, template: post_due, variants: [a, b]}\n")
    cfg = load_outreach_config(path)
    assert cfg.max_per_week == 2 and [s.name for s in cfg.steps] == ["gentle"] and cfg.steps[0].variants == ("a", "b")
    for bad in ({"caps": {"per_day": 3, "per_week": 1}}, {"contact_hours": {"mon": "21:00-08:00"}},
                {"contact_hours": {"xyz": "08:00-09:00"}}, {"channels": ["fax"]}, {"timezone": "Mars/Base"},
                {"steps": [{"name": "a", "kind": "letter"}]}):
        with pytest.raises(ValueError):
            parse_outreach(bad)


def test_migration_0002_upgrades_and_downgrades(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    try:
        upgrade_database(url)
        with engine.connect() as conn:
            assert schema_diff(conn) == []
        assert {"outbox_messages", "outreach_assignments", "outreach_pauses"} <= set(inspect(engine).get_table_names())
        downgrade_database(url, "0001")
        assert "outbox_messages" not in set(inspect(engine).get_table_names())
        assert "invoices" in set(inspect(engine).get_table_names())
    finally:
        downgrade_database(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        engine.dispose()
