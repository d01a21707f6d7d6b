"""A database holding two debtors with a row in every table, and Rasa's tracker events."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Iterator

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from bot.ledger.models import (
    ContactPreference, Conversation, Dispute, FollowUpTask, Handoff, NpsResponse,
    PaymentPlan, PlanInstalment, PromiseToPay, ReconciliationCase, TranscriptMessage,
    VerificationAttempt,
)
from bot.ledger.repository import audit
from bot.outreach.models import OutboxMessage, OutreachAssignment, OutreachPause
from bot.ledger.instalments import InvoiceInstalment
from bot.payments.models import PaymentEvent
from bot.statements.models import StatementLine
from bot.security.verified import VerifiedConversation
from bot.agentdesk.models import TaskSource
from bot.channels.models import ChannelState, InboundUpdate, OutboundDelivery, ReplyButtons
from tests.factories import add_debtor, add_invoice, add_payment

TODAY = date(2026, 12, 3)
PHONE_1, EMAIL_1, SECRET_1 = "+393331234567", "mario@example.it", "ho perso il lavoro a settembre"
PHONE_2, SECRET_2 = "+393339876543", "pago venerdi"
EVENTS = SQLTrackerStore.SQLEvent.__table__


@dataclass
class World:
    engine: sa.engine.Engine
    d1: int
    d2: int
    held_invoice: int
    old_invoice: int


def _events(conn: sa.engine.Connection, sender: str, text: str, when: datetime) -> None:
    ts = (when - datetime(1970, 1, 1)).total_seconds()
    conn.execute(EVENTS.insert(), [
        {"sender_id": sender, "type_name": "user", "timestamp": ts, "intent_name": "inform",
         "data": json.dumps({"event": "user", "text": text, "timestamp": ts})},
        {"sender_id": sender, "type_name": "bot", "timestamp": ts + 1, "intent_name": None,
         "data": json.dumps({"event": "bot", "text": "Grazie", "timestamp": ts + 1})},
    ])


def populate(session, ref: str, phone: str, email: str | None, secret: str, conv: str,
             when: datetime) -> tuple[int, int, int]:
    debtor = add_debtor(session, ref=ref, phone=phone, email=email,
                        tax_code="RSSMRA85T10A562S" if ref == "D1" else "VRDGPP80A01H501U")
    held = add_invoice(session, debtor, number=f"FT-{ref}-1", issued=date(2026, 9, 15))
    old = add_invoice(session, debtor, number=f"FT-{ref}-0", issued=date(2014, 1, 10), due=date(2014, 2, 10))
    add_payment(session, held, "100.00", date(2026, 10, 1), reference=f"{ref} bonifico")
    add_payment(session, old, "50.00", date(2014, 3, 1))
    plan = PaymentPlan(debtor_id=debtor.id, total=Decimal("1140.50"), instalment_count=2,
                       conversation_id=conv, channel="whatsapp")
    session.add(plan)
    session.flush()
    session.add(PlanInstalment(plan_id=plan.id, number=1, due_date=date(2026, 12, 20), amount=Decimal("570.25")))
    session.add(PromiseToPay(debtor_id=debtor.id, invoice_id=held.id, amount=Decimal("10.00"),
                             promised_date=date(2026, 12, 10), conversation_id=conv))
    session.add(Dispute(invoice_id=held.id, reason=f"fattura errata: {secret}", status="rejected",
                        conversation_id=conv))
    session.add(ReconciliationCase(invoice_id=held.id, claimed_amount=Decimal("100.00"),
                                   claimed_reference="CRO123", conversation_id=conv))
    session.add(ContactPreference(debtor_id=debtor.id, channel="sms", address=phone, opted_out=True))
    session.add(Conversation(conversation_id=conv, channel="whatsapp", address=phone, debtor_id=debtor.id,
                             created_at=when, last_inbound_at=when))
    session.add(TranscriptMessage(conversation_id=conv, sender="debtor", text=secret, created_at=when))
    session.add(VerificationAttempt(conversation_id=conv, invoice_key=f"FT{ref}1", succeeded=True, created_at=when))
    session.add(VerifiedConversation(conversation_id=conv, debtor_id=debtor.id, invoice_id=held.id,
                                     channel="whatsapp", verified_at=when, expires_at=when + timedelta(hours=2)))
    nps = NpsResponse(debtor_id=debtor.id, conversation_id=conv, channel="whatsapp", journey="plan",
                      outcome="plan", language="it", score=3, reason=secret, improvement="", created_at=when)
    session.add(nps)
    session.flush()
    session.add(FollowUpTask(kind="nps_detractor", debtor_id=debtor.id, nps_response_id=nps.id,
                             conversation_id=conv, note=secret))
    session.add(TaskSource(followup_task_id=900 + debtor.id, source="dispute", source_id=debtor.id,
                           invoice_id=held.id))
    session.add(Handoff(conversation_id=conv, channel="whatsapp", reason="hardship",
                        summary=json.dumps({"name": "Mario Rossi", "said": secret})))
    session.add(OutboxMessage(idempotency_key=f"{ref}-rem", debtor_id=debtor.id, subject_kind="invoice",
                              subject_id=held.id, invoice_id=held.id, step="due", scheduled_for=date(2026, 11, 1),
                              send_on=date(2026, 11, 1), send_after=when, channel="sms", address=phone,
                              template="due", text=f"Gentile cliente {secret}", status="sent", created_at=when))
    session.add(OutreachAssignment(debtor_id=debtor.id, step="due", variant="a"))
    session.add(InboundUpdate(channel="whatsapp", provider_id=f"SM-{ref}", conversation_id=conv,
                              payload=json.dumps({"From": f"whatsapp:{phone}", "Body": secret})))
    session.add(OutboundDelivery(conversation_id=conv, channel="whatsapp", payload=json.dumps({"text": secret})))
    session.add(ReplyButtons(conversation_id=conv, text=secret, rich=json.dumps({"text": secret, "buttons": []})))
    session.add(ChannelState(conversation_id=conv, kind="choices", value=json.dumps([[secret, "/affirm"]]),
                             expires_at=when + timedelta(hours=6)))
    session.add(OutreachPause(scope="debtor", debtor_id=debtor.id, reason="hardship"))
    session.add(InvoiceInstalment(invoice_id=held.id, number=1, due_date=date(2026, 10, 15), amount=Decimal("100.00")))
    session.add(PaymentEvent(source="stripe", event_id=f"evt_{ref}", debtor_id=debtor.id, invoice_id=held.id,
                             amount=Decimal("100.00"), paid_on=date(2026, 10, 1)))
    session.add(StatementLine(txn_id=f"TX-{ref}", booked_on=date(2026, 10, 1), amount=Decimal("100.00"),
                              remittance=f"saldo fattura {secret}", counterparty=f"{secret} srl", debtor_id=debtor.id))
    for entry in (
        audit(session, actor="bot", action="disclosure.balance", conversation_id=conv,
              details={"channel": "whatsapp", "invoices": [held.invoice_number], "said": secret}),
        audit(session, actor="agent:anna", action="console.view_summary", entity="debtor", entity_id=debtor.id,
              details={"phone": phone}),
    ):
        entry.created_at = when
    session.flush()
    with_events = session.connection()
    _events(with_events, conv, secret, when)
    return debtor.id, held.id, old.id


@pytest.fixture()
def world(engine) -> Iterator[World]:
    EVENTS.drop(engine, checkfirst=True)
    EVENTS.create(engine)
    when = datetime(2026, 11, 1, 10, 0)
    with sa.orm.Session(engine, future=True) as session:
        d1, held, old = populate(session, "D1", PHONE_1, EMAIL_1, SECRET_1, "wa:d1", when)
        d2, _, _ = populate(session, "D2", PHONE_2, None, SECRET_2, "wa:d2", when)
        session.commit()
    try:
        yield World(engine, d1, d2, held, old)
    finally:
        EVENTS.drop(engine, checkfirst=True)
