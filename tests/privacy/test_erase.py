"""Erasure looks into every table and the tracker store; legal hold; open dispute; idempotent."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from bot.ledger.models import Debtor, Dispute, Invoice, Payment
from bot.privacy.erase import ERASED_MARK, erase_debtor
from bot.privacy.inventory import (
    ANONYMISE, ERASE, HOLD, NO_DEBTOR_DATA, POLICY, REDACT, REDACTED_COLUMNS, SUPPRESS, debtor_keys, row_filter,
    tables,
)
from bot.schema import Base
from tests.privacy.conftest import EMAIL_1, EVENTS, PHONE_1, PHONE_2, SECRET_1, SECRET_2, TODAY


def _all_text(engine, skip: tuple[str, ...] = ()) -> str:
    """Every value of every table and of the tracker store, as one searchable string."""
    parts = []
    with engine.connect() as conn:
        for table in [t for t in [*Base.metadata.sorted_tables, EVENTS] if t.name not in skip]:
            for row in conn.execute(sa.select(table)):
                parts.append(json.dumps([str(v) for v in row]))
    return "\n".join(parts)


def _linked_counts(engine, ref: str) -> dict[str, int]:
    with sa.orm.Session(engine, future=True) as session:
        keys = debtor_keys(session, ref)
        out = {}
        for table in tables():
            where = row_filter(table, keys)
            if where is not None:
                out[table.name] = session.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
        out["events"] = session.execute(sa.select(sa.func.count()).select_from(EVENTS)
                                        .where(EVENTS.c.sender_id.in_(keys.conversation_ids))).scalar_one()
        return out


def _erase(engine, ref: str = "D1"):
    with sa.orm.Session(engine, future=True) as session:
        receipt = erase_debtor(session, ref, today=TODAY)
        session.commit()
    return receipt


def test_every_table_is_declared() -> None:
    # A new table must say what erasure does with it (erase, hold, suppress, anonymise or none).
    undeclared = {t.name for t in Base.metadata.sorted_tables} - set(POLICY)
    assert not undeclared, f"declare these tables in bot/privacy/inventory.py POLICY: {sorted(undeclared)}"
    assert set(POLICY.values()) <= {ERASE, HOLD, SUPPRESS, ANONYMISE, REDACT, NO_DEBTOR_DATA}
    assert set(REDACTED_COLUMNS) == {t for t, p in POLICY.items() if p == REDACT}


def test_erasure_leaves_no_personal_data_in_any_store(world) -> None:
    before = _linked_counts(world.engine, "D1")
    assert all(before[t] > 0 for t in before if POLICY.get(t, ERASE) != NO_DEBTOR_DATA), before
    assert SECRET_1 in _all_text(world.engine) and PHONE_1 in _all_text(world.engine)
    other_before = _linked_counts(world.engine, "D2")

    receipt = _erase(world.engine)

    after = _linked_counts(world.engine, "D1")
    for table in Base.metadata.sorted_tables:
        policy = POLICY[table.name]
        if policy == ERASE:
            assert after.get(table.name, 0) == 0, table.name
        elif policy == SUPPRESS:
            assert after[table.name] == 0, table.name  # no longer linked to the debtor
        elif policy == REDACT:  # kept, the debtor link and free text blanked
            with world.engine.connect() as conn:
                rows = conn.execute(sa.select(table)).mappings().all()
            assert rows and not any(r["debtor_id"] == world.d1 for r in rows), table.name
    assert after["events"] == 0
    text = _all_text(world.engine)
    for personal in (SECRET_1, EMAIL_1, "wa:d1"):
        assert personal not in text, personal
    # The phone survives only as a suppressed opt-out address, no longer tied to anyone.
    with world.engine.connect() as conn:
        assert text.count(PHONE_1) == 1
        debtor = conn.execute(sa.select(Debtor).where(Debtor.id == world.d1)).one()
        assert (debtor.phone, debtor.email, debtor.vulnerable) == (None, None, False)
        assert debtor.name == "Mario Rossi"  # held: the invoice still needs it
        # Legal hold: the recent invoice and its payment stay, the 2014 one is past ten years.
        assert conn.execute(sa.select(Invoice.id).where(Invoice.debtor_id == world.d1)).scalars().all() \
            == [world.held_invoice]
        assert conn.execute(sa.select(Payment.amount).where(Payment.invoice_id == world.held_invoice)) \
            .scalar_one() == pytest.approx(100)
    # The other debtor is untouched.
    assert _linked_counts(world.engine, "D2") == other_before
    assert SECRET_2 in text and PHONE_2 in text
    stores = {(s.store, s.action) for s in receipt.stores}
    assert ("invoices", "held") in stores and ("tracker_events", "erased") in stores
    assert ("audit_log", "anonymised") in stores


def test_erasure_is_idempotent(world) -> None:
    _erase(world.engine)
    snapshot = _all_text(world.engine, skip=("audit_log",))
    second = _erase(world.engine)
    changed = [s.store for s in second.stores if s.rows and s.action != "held"]
    assert changed == []
    # Nothing changed except the audit entry recording the second request.
    assert _all_text(world.engine, skip=("audit_log",)) == snapshot
    with world.engine.connect() as conn:
        actions = conn.execute(sa.text("SELECT action FROM audit_log WHERE action = 'privacy.erase'")).all()
    assert len(actions) == 2


def test_open_dispute_blocks_its_part_and_erases_the_rest(world) -> None:
    with sa.orm.Session(world.engine, future=True) as session:
        session.execute(sa.update(Dispute).where(Dispute.invoice_id == world.held_invoice).values(status="open"))
        session.commit()
    receipt = _erase(world.engine)
    blocked = [s for s in receipt.stores if "open dispute" in s.why]
    assert {s.store for s in blocked} >= {"disputes", "transcript_messages", "tracker_events"}
    text = _all_text(world.engine)
    assert SECRET_1 in text  # the dispute reason and the conversation it was raised in stay
    with world.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM transcript_messages WHERE conversation_id='wa:d1'")) \
            .scalar_one() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM events WHERE sender_id='wa:d1'")).scalar_one() == 2
        assert conn.execute(sa.text("SELECT count(*) FROM nps_responses WHERE debtor_id=:d"),
                            {"d": world.d1}).scalar_one() == 0
    assert EMAIL_1 not in text


def test_unknown_debtor_is_a_clear_error(world) -> None:
    with sa.orm.Session(world.engine, future=True) as session, pytest.raises(ValueError, match="no debtor"):
        erase_debtor(session, "NOPE", today=TODAY)


def test_audit_rows_keep_the_action_but_not_the_details(world) -> None:
    _erase(world.engine)
    with world.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT action, details FROM audit_log WHERE details = :m"),
                            {"m": ERASED_MARK}).all()
    assert {r.action for r in rows} == {"disclosure.balance", "console.view_summary"}
