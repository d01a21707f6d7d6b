"""Export document, retention dry-run vs real, the commands, and the append-only audit log."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa

from bot.__main__ import main
from bot.ledger.models import AuditLog, NpsResponse
from bot.ledger.repository import audit
from bot.privacy.export import export_debtor
from bot.privacy.retention import RetentionPolicy, apply_retention
from tests.privacy.conftest import PHONE_2, SECRET_1, SECRET_2

LATER = datetime(2027, 6, 1)  # seven months after the fixture's conversations


def test_export_holds_every_store_and_only_this_debtor(world) -> None:
    with sa.orm.Session(world.engine, future=True) as session:
        doc = export_debtor(session, "D1")
    stores = doc["stores"]
    for name in ("debtors", "invoices", "payments", "payment_plans", "plan_instalments", "promises",
                 "disputes", "reconciliation_cases", "contact_preferences", "verification_attempts",
                 "nps_responses", "followup_tasks", "conversations", "transcript_messages", "handoffs",
                 "audit_log", "outbox_messages", "outreach_assignments", "outreach_pauses", "tracker_events"):
        assert stores[name], name
    assert {p["amount"] for p in stores["payments"]} == {"100.00", "50.00"}  # Decimal as strings
    assert stores["invoices"][0]["issue_date"] in ("2026-09-15", "2014-01-10")
    assert stores["tracker_events"][0]["data"]["text"] == SECRET_1
    assert stores["handoffs"][0]["summary"]["said"] == SECRET_1
    text = json.dumps(doc)
    assert SECRET_2 not in text and PHONE_2 not in text and "wa:d2" not in text


def test_retention_dry_run_counts_and_real_run_deletes(world) -> None:
    policy = RetentionPolicy(transcripts=30, tracker_events=30, nps_comments=30, verification_attempts=30,
                             outreach_log=30, audit=30)
    with sa.orm.Session(world.engine, future=True) as session:
        dry = apply_retention(session, policy, now=LATER, dry_run=True)
        session.commit()
    assert dry == {"transcripts": 2, "tracker_events": 4, "nps_comments": 2, "verification_attempts": 2,
                   "outreach_log": 2, "audit": 4}
    with sa.orm.Session(world.engine, future=True) as session:
        assert apply_retention(session, policy, now=LATER, dry_run=True) == dry  # nothing changed
        real = apply_retention(session, policy, now=LATER)
        session.commit()
    assert real == dry
    with sa.orm.Session(world.engine, future=True) as session:
        assert all(v == 0 for v in apply_retention(session, policy, now=LATER, dry_run=True).values())
        scores = session.execute(sa.select(NpsResponse.score, NpsResponse.reason)).all()
    assert [tuple(r) for r in scores] == [(3, None), (3, None)]  # the score stays for the statistics


def test_retention_keeps_recent_data_and_zero_means_keep(world) -> None:
    with sa.orm.Session(world.engine, future=True) as session:
        assert apply_retention(session, RetentionPolicy(transcripts=365), now=LATER) == {"transcripts": 0}
        assert apply_retention(session, RetentionPolicy(), now=LATER) == {}


def test_retention_config_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="unknown"):
        RetentionPolicy.from_mapping({"transcript": 30})
    with pytest.raises(ValueError, match="0 or more"):
        RetentionPolicy.from_mapping({"audit": -1})


def test_commands_export_erase_audit_retention(world, app_db, tmp_path, capsys) -> None:
    out = tmp_path / "d1.json"
    assert main(["privacy", "export", "--debtor", "D1", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["debtor_ref"] == "D1"
    assert main(["privacy", "erase", "--debtor", "D1"]) == 0
    printed = capsys.readouterr().out
    assert "invoices: held 1 row(s) - legal hold" in printed and "tracker_events: erased 2 row(s)" in printed
    assert main(["privacy", "erase", "--debtor", "D1"]) == 0  # idempotent
    again = capsys.readouterr().out
    assert "transcript_messages: nothing held about this debtor" in again
    assert "nps_responses: erased 0 row(s)" in again
    assert main(["audit", "--debtor", "D1", "--json"]) == 0
    actions = [json.loads(line)["action"] for line in capsys.readouterr().out.splitlines()]
    assert actions.count("privacy.erase") == 2 and "privacy.export" in actions
    assert main(["privacy", "retention", "--dry-run"]) == 0
    assert "would delete" in capsys.readouterr().out
    assert main(["privacy", "erase", "--debtor", "NOPE"]) == 2
    assert "no debtor" in capsys.readouterr().err


def test_audit_log_refuses_update_and_delete_on_postgresql(world) -> None:
    if world.engine.dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; set TEST_DATABASE_URL")
    with sa.orm.Session(world.engine, future=True) as session:
        row = audit(session, actor="agent:anna", action="console.view", entity="debtor", entity_id=world.d1)
        session.commit()
        for statement in (sa.update(AuditLog).where(AuditLog.id == row.id).values(action="nothing"),
                          sa.delete(AuditLog).where(AuditLog.id == row.id)):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                session.execute(statement)
            session.rollback()
        assert session.execute(sa.select(AuditLog.action).where(AuditLog.id == row.id)).scalar_one() == "console.view"
