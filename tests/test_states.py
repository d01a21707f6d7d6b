"""Record states are typed (bot/ledger/states.py) and behave exactly like the strings stored before."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jinja2 import Template
from sqlalchemy import select, update

from bot.ledger import states
from bot.ledger.models import Dispute, Handoff, PaymentPlan, PromiseToPay
from bot.ledger.states import DisputeStatus, HandoffStatus, PlanStatus, PromiseStatus, StrState
from tests.factories import add_debtor, add_invoice

ROOT = Path(__file__).resolve().parents[1]
ALL_STATES = [cls for cls in vars(states).values()
              if isinstance(cls, type) and issubclass(cls, StrState) and cls is not StrState]


@pytest.mark.parametrize("cls", ALL_STATES, ids=lambda c: c.__name__)
def test_every_state_shows_and_serialises_as_its_stored_value(cls: type[StrState]) -> None:
    for member in cls:
        assert member == member.value and hash(member) == hash(member.value)
        assert str(member) == f"{member}" == Template("{{ s }}").render(s=member) == member.value
        assert json.dumps({"s": member}) == json.dumps({"s": member.value})
        assert cls(member.value) is member


def test_states_written_as_members_read_back_as_the_same_strings(session) -> None:
    debtor = add_debtor(session)
    invoice = add_invoice(session, debtor)
    session.add_all([
        PaymentPlan(debtor_id=debtor.id, total=invoice.amount_due, instalment_count=3),
        PromiseToPay(debtor_id=debtor.id, invoice_id=invoice.id, amount=invoice.amount_due,
                     promised_date=invoice.due_date, status=PromiseStatus.KEPT),
        Dispute(invoice_id=invoice.id, reason="x", status=DisputeStatus.UPHELD),
        Handoff(conversation_id="web:x", channel="web", reason="request_human"),
    ])
    session.commit()
    session.execute(update(Handoff).values(status=HandoffStatus.ASSIGNED))
    session.commit()
    session.expire_all()
    raw = tuple(session.execute(select(column)).scalar_one()
                for column in (PaymentPlan.status, PromiseToPay.status, Dispute.status, Handoff.status))
    assert raw == ("active", "kept", "upheld", "assigned")  # the column default and the members
    assert [type(v) for v in raw] == [str] * 4
    assert session.execute(select(Handoff.id).where(Handoff.status == HandoffStatus.ASSIGNED)).scalar_one()
    assert session.execute(select(PaymentPlan.id).where(PaymentPlan.status == PlanStatus.ACTIVE)).scalar_one()


# A table's state compared or set as a bare string is what the types exist to prevent; the
# templates (Jinja) and the migrations (frozen history) are the places where strings stay.
BARE = re.compile(r'\b(Handoff|PaymentPlan|PromiseToPay|Dispute|ReconciliationCase|FollowUpTask|OutboxMessage'
                  r'|StatementLine)\.status\s*(==|!=)\s*"')


def test_no_table_state_is_compared_as_a_bare_string_in_the_code() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{n}" for folder in ("bot", "actions")
                 for path in (ROOT / folder).rglob("*.py") if "migrations" not in path.parts
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if BARE.search(line)]
    assert offenders == []
