"""Where a debtor's personal data lives, and what a privacy request does to each table.

Every table in ``Base.metadata`` must appear in ``POLICY`` (a test enforces it), so a new
table cannot be forgotten by export, erasure or retention. Rows belong to a debtor through
the columns in ``LINKS`` (``debtor_id``, ``invoice_id``, ``plan_id``, ``conversation_id``,
``nps_response_id``); Rasa's tracker store (table ``events``, outside our metadata) is
reached through the debtor's conversation ids (its ``sender_id``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

ERASE = "erase"            # rows deleted
HOLD = "hold"              # kept under a legal obligation, identifying fields reduced
SUPPRESS = "suppress"      # kept detached from the debtor so an objection keeps being honoured
ANONYMISE = "anonymise"    # kept, personal fields blanked (the audit log)
NO_DEBTOR_DATA = "none"    # holds no debtor's personal data
REDACT = "redact"          # kept (accounting evidence, dedupe key), free-text and link fields blanked

POLICY: dict[str, str] = {
    "debtors": HOLD,               # name + tax code stay while an invoice is held (art. 2220 c.c.)
    "invoices": HOLD,
    "payments": HOLD,
    "payment_plans": ERASE,
    "plan_instalments": ERASE,
    "promises": ERASE,
    "disputes": ERASE,
    "reconciliation_cases": ERASE,
    "contact_preferences": SUPPRESS,
    "verification_attempts": ERASE,
    "verified_conversations": ERASE,  # who a conversation proved to be, lapses with the session
    "nps_responses": ERASE,
    "followup_tasks": ERASE,
    "conversations": ERASE,
    "transcript_messages": ERASE,
    "handoffs": ERASE,
    "audit_log": ANONYMISE,
    "agents": NO_DEBTOR_DATA,      # staff accounts; changes to them are audited
    "outbox_messages": ERASE,
    "outreach_assignments": ERASE,
    "outreach_pauses": ERASE,
    "alembic_version": NO_DEBTOR_DATA,
    # The schedule of an invoice; the held invoice keeps its total and first due date.
    "invoice_instalments": ERASE,
    "console_revocations": NO_DEBTOR_DATA,     # digests of staff session ids
    "console_login_failures": NO_DEBTOR_DATA,  # digests of staff usernames and addresses
    "inbound_updates": ERASE,      # raw provider updates (debtor text, phone) by conversation_id
    "outbound_deliveries": ERASE,  # the reply outbox, by conversation_id
    "reply_buttons": ERASE,        # web chat reply buttons, by conversation_id
    "channel_state": ERASE,        # numbered options last sent, by conversation_id
    # The dedupe key of an applied payment must survive, or a replayed event would pay twice;
    # it stays with its (held) invoice.
    "payment_events": REDACT,
    # A bank line is an accounting record (and its txn id keeps re-imports idempotent); the
    # payer's name and remittance text are what identify the debtor.
    "statement_lines": REDACT,
    "webchat_revocations": NO_DEBTOR_DATA,  # invoice lookup keys and digests of revoked links
    "task_sources": ERASE,         # which dispute/reconciliation case an inbox task stands for
    "canned_replies": NO_DEBTOR_DATA,  # reply texts written by supervisors
}
REDACTED_COLUMNS: dict[str, dict[str, Any]] = {
    "payment_events": {"debtor_id": None},
    "statement_lines": {"remittance": "", "counterparty": "", "debtor_id": None, "allocations": "[]"},
}
# Columns reduced on the held debtor row; name and tax code are what an invoice must carry.
DEBTOR_REDUCED = {"phone": None, "email": None, "vulnerable": False}
TRACKER_TABLE = "events"
LEGAL_HOLD_YEARS = 10


@dataclass
class DebtorKeys:
    """The ids that tie rows to one debtor."""
    debtor_id: int
    debtor_ref: str
    creditor_id: str
    invoice_ids: set[int] = field(default_factory=set)
    plan_ids: set[int] = field(default_factory=set)
    conversation_ids: set[str] = field(default_factory=set)
    nps_response_ids: set[int] = field(default_factory=set)

    def by_column(self) -> dict[str, set[Any]]:
        return {"debtor_id": {self.debtor_id}, "invoice_id": self.invoice_ids,
                "plan_id": self.plan_ids, "conversation_id": self.conversation_ids,
                "nps_response_id": self.nps_response_ids}


LINKS = ("debtor_id", "invoice_id", "plan_id", "conversation_id", "nps_response_id")


def debtor_keys(session: Session, debtor_ref: str, creditor_id: str | None = None) -> DebtorKeys:
    """Collect the ids of one debtor; ValueError when the reference is unknown."""
    from bot.ledger.models import Conversation, Debtor, Invoice, NpsResponse, PaymentPlan
    query = sa.select(Debtor).where(Debtor.debtor_ref == debtor_ref)
    if creditor_id:
        query = query.where(Debtor.creditor_id == creditor_id)
    debtors = session.execute(query).scalars().all()
    if not debtors:
        raise ValueError(f"no debtor with reference {debtor_ref!r}")
    if len(debtors) > 1:
        raise ValueError(f"reference {debtor_ref!r} exists for several creditors; pass --creditor")
    debtor = debtors[0]
    keys = DebtorKeys(debtor.id, debtor.debtor_ref, debtor.creditor_id)
    keys.invoice_ids = set(session.execute(
        sa.select(Invoice.id).where(Invoice.debtor_id == debtor.id)).scalars())
    keys.plan_ids = set(session.execute(
        sa.select(PaymentPlan.id).where(PaymentPlan.debtor_id == debtor.id)).scalars())
    keys.nps_response_ids = set(session.execute(
        sa.select(NpsResponse.id).where(NpsResponse.debtor_id == debtor.id)).scalars())
    conversations = set(session.execute(
        sa.select(Conversation.conversation_id).where(Conversation.debtor_id == debtor.id)).scalars())
    # Conversations also named by the debtor's records (a plan agreed in a chat not yet linked).
    for table in tables():
        if "conversation_id" in table.c and "debtor_id" in table.c and table.name != "audit_log":
            conversations |= {c for c in session.execute(
                sa.select(table.c.conversation_id).where(table.c.debtor_id == debtor.id)).scalars() if c}
    keys.conversation_ids = conversations
    return keys


def tables() -> list[sa.Table]:
    """Every table of the application, parents first."""
    from bot.schema import Base
    return list(Base.metadata.sorted_tables)


def row_filter(table: sa.Table, keys: DebtorKeys) -> Any | None:
    """The WHERE clause selecting the debtor's rows of ``table``, or None when it has no link."""
    if table.name == "debtors":
        return table.c.id == keys.debtor_id
    if table.name == "invoices":
        return table.c.debtor_id == keys.debtor_id
    if table.name == "audit_log":
        clauses = []
        for entity, ids in (("debtor", {keys.debtor_id}), ("invoice", keys.invoice_ids),
                            ("payment_plan", keys.plan_ids), ("conversation", keys.conversation_ids),
                            ("nps_response", keys.nps_response_ids)):
            if ids:
                clauses.append(sa.and_(table.c.entity == entity, table.c.entity_id.in_({str(i) for i in ids})))
        if keys.conversation_ids:
            clauses.append(table.c.conversation_id.in_(keys.conversation_ids))
        return sa.or_(*clauses)
    clauses = []
    for name, values in keys.by_column().items():
        if name in table.c and values:
            clauses.append(table.c[name].in_(values))
    return sa.or_(*clauses) if clauses else None


def tracker_table(session: Session) -> sa.Table | None:
    """Rasa's ``events`` table when the tracker store shares this database."""
    connection = session.connection()
    if not sa.inspect(connection).has_table(TRACKER_TABLE):
        return None
    return sa.Table(TRACKER_TABLE, sa.MetaData(), autoload_with=connection)
