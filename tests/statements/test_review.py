from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.ledger.models import AuditLog
from bot.ledger.repository import paid_total
from bot.statements.importer import import_lines
from bot.statements.lines import BankLine
from bot.statements.review import accept, pending, reassign, reject
from tests.factories import add_debtor, add_invoice
from tests.statements.test_match import line


def _setup(session):
    mario = add_debtor(session)
    a = add_invoice(session, mario, amount="1240.50")
    b = add_invoice(session, mario, number="FT-2026/00500", amount="60.00")
    lines: list[BankLine] = [line("bonifico", "1240.50", party="Rossi Mario", txn="t1"),
                             line("boh", "12.34", txn="t2"), line("FT-2026/00417", "5000.00", txn="t3")]
    import_lines(session, lines)
    return a, b, {r.txn_id: r for r in pending(session)}


def test_accept_applies_the_proposal_once(session) -> None:
    a, _, rows = _setup(session)
    assert set(rows) == {"t1", "t2", "t3"} and rows["t2"].status == "unmatched"
    accept(session, rows["t1"].id, "agent:anna")
    assert paid_total(session, a.id) == Decimal("1240.50")
    with pytest.raises(ValueError):
        accept(session, rows["t1"].id, "agent:bob")  # already decided
    assert paid_total(session, a.id) == Decimal("1240.50")
    assert session.execute(select(AuditLog).where(AuditLog.action == "statement.accepted")).scalar_one()


def test_reassign_and_reject(session) -> None:
    a, b, rows = _setup(session)
    with pytest.raises(ValueError):
        accept(session, rows["t2"].id, "agent:anna")  # nothing proposed
    reassign(session, rows["t2"].id, "ft-2026/00500", "agent:anna")
    with pytest.raises(ValueError):
        reassign(session, rows["t2"].id, "FT-2026/00500", "agent:anna")  # already decided
    assert paid_total(session, b.id) == Decimal("12.34")
    with pytest.raises(ValueError):
        reassign(session, rows["t3"].id, "FT-2026/00417", "agent:anna")  # 5000 > what is owed
    with pytest.raises(ValueError):
        reassign(session, rows["t3"].id, "NOPE-1", "agent:anna")
    reject(session, rows["t3"].id, "agent:anna", "refund of another supplier")
    assert rows["t3"].status == "rejected" and paid_total(session, a.id) == Decimal("0.00")
    assert [r.txn_id for r in pending(session)] == ["t1"]
