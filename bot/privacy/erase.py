"""Right to erasure (GDPR art. 17) with the limits the law sets.

Invoices and payments are kept for ten years from the invoice date (art. 2220 c.c., and
art. 17(3)(b) GDPR); the debtor row stays with name and tax code only while an invoice is
held. An open dispute keeps its invoice's dispute rows and the conversations named in them
(they are the evidence for the answer still owed, art. 17(3)(e)). Opt-outs stay, detached
from the debtor, so the address is never contacted again. Audit entries are kept with their
details blanked. Every other row of the debtor is deleted, Rasa tracker events included.
Running it again finds nothing left to do and says so: it is idempotent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.ledger.states import DisputeStatus
from bot.privacy.audit_guard import audit_maintenance
from bot.privacy.inventory import (
    ANONYMISE, DEBTOR_REDUCED, ERASE, HOLD, LEGAL_HOLD_YEARS, NO_DEBTOR_DATA, POLICY, REDACT, REDACTED_COLUMNS,
    SUPPRESS,
    debtor_keys, row_filter, tables, tracker_table,
)

ERASED_MARK = '{"erased": true}'
# What an open dispute keeps: the dispute and the conversation it was raised in.
EVIDENCE = frozenset({"disputes", "conversations", "transcript_messages"})


@dataclass
class StoreReceipt:
    """What happened to one store."""
    store: str
    action: str            # erased | held | suppressed | anonymised | blocked | nothing
    rows: int = 0
    why: str = ""


@dataclass
class Receipt:
    debtor_ref: str
    stores: list[StoreReceipt] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for s in self.stores:
            why = f" - {s.why}" if s.why else ""
            if s.action == "nothing":
                out.append(f"{s.store}: nothing held about this debtor")
            else:
                out.append(f"{s.store}: {s.action} {s.rows} row(s){why}")
        return out


def _held_until(issue_date: date) -> date:
    try:
        return issue_date.replace(year=issue_date.year + LEGAL_HOLD_YEARS)
    except ValueError:  # 29 February
        return issue_date.replace(year=issue_date.year + LEGAL_HOLD_YEARS, day=28)


def erase_debtor(session: Session, debtor_ref: str, *, today: date | None = None,
                 creditor_id: str | None = None, actor: str = "privacy") -> Receipt:
    """Erase or anonymise the debtor's data in every store; the caller commits."""
    from bot.ledger.models import Dispute, Invoice
    from bot.ledger.repository import audit

    today = today or date.today()
    keys = debtor_keys(session, debtor_ref, creditor_id)
    receipt = Receipt(keys.debtor_ref)
    invoices = session.execute(sa.select(Invoice.id, Invoice.issue_date)
                               .where(Invoice.debtor_id == keys.debtor_id)).all()
    held_invoices = {i for i, issued in invoices if _held_until(issued) > today}
    open_disputes = session.execute(sa.select(Dispute.id, Dispute.conversation_id, Dispute.invoice_id)
                                    .where(Dispute.invoice_id.in_(keys.invoice_ids or {-1}),
                                           Dispute.status == DisputeStatus.OPEN)).all()
    held_invoices |= {i for _, _, i in open_disputes}  # the disputed invoice stays with its dispute
    expired_invoices = keys.invoice_ids - held_invoices
    blocked_conversations = {c for _, c, _ in open_disputes if c}
    dispute_why = ", ".join(f"#{d}" for d, _, _ in open_disputes)
    erasable = keys.conversation_ids - blocked_conversations
    keys_for_erase = type(keys)(**{**keys.__dict__, "conversation_ids": erasable})

    with audit_maintenance(session):
        for table in reversed(tables()):
            policy = POLICY.get(table.name, ERASE)
            if policy == NO_DEBTOR_DATA:
                continue
            if policy == HOLD:
                continue  # handled after the children are gone
            evidence = bool(open_disputes) and table.name in EVIDENCE
            blocked_why = f"open dispute {dispute_why} keeps its record and conversation until answered" \
                if evidence else ""
            where = row_filter(table, keys_for_erase if evidence else keys)
            if where is None:
                receipt.stores.append(StoreReceipt(table.name, "blocked" if blocked_why else "nothing",
                                                   0, blocked_why))
                continue
            if table.name == "disputes" and open_disputes:
                where = sa.and_(where, table.c.status != DisputeStatus.OPEN)
            if evidence and blocked_conversations:
                where = sa.and_(where, sa.or_(table.c.conversation_id.is_(None),
                                              table.c.conversation_id.notin_(blocked_conversations)))
            if policy == SUPPRESS:
                count = session.execute(sa.update(table).where(where).values(debtor_id=None)).rowcount
                receipt.stores.append(StoreReceipt(table.name, "suppressed", count,
                                                   "opt-outs kept without the debtor link so they stay honoured"))
            elif policy == REDACT:
                blank = REDACTED_COLUMNS[table.name]
                # Only rows not yet redacted, so a repeated request changes (and counts) nothing.
                pending = sa.or_(*[table.c[c].isnot(None) if v is None else table.c[c] != v for c, v in blank.items()])
                count = session.execute(sa.update(table).where(where, pending).values(**blank)).rowcount
                receipt.stores.append(StoreReceipt(table.name, "anonymised", count,
                                                   "accounting record kept, names and free text blanked"))
            elif policy == ANONYMISE:
                count = session.execute(sa.update(table).where(where).where(
                    table.c.action.notlike("privacy.%"), sa.or_(table.c.details.is_(None), table.c.details != ERASED_MARK,
                           table.c.conversation_id.isnot(None)))
                    .values(details=ERASED_MARK, conversation_id=None)).rowcount
                receipt.stores.append(StoreReceipt(table.name, "anonymised", count,
                                                   "entries kept, details and conversation blanked"))
            else:
                count = session.execute(sa.delete(table).where(where)).rowcount
                receipt.stores.append(StoreReceipt(table.name, "partly erased" if blocked_why else "erased",
                                                   count, blocked_why))
        events = tracker_table(session)
        if events is not None:
            count = session.execute(sa.delete(events).where(events.c.sender_id.in_(erasable))).rowcount \
                if erasable else 0
            why = f"open dispute {dispute_why} keeps its conversation" if blocked_conversations else ""
            receipt.stores.append(StoreReceipt("tracker_events", "erased", count, why))
        receipt.stores.extend(_apply_hold(session, keys.debtor_id, held_invoices, expired_invoices))
        audit(session, actor=actor, action="privacy.erase", entity="debtor", entity_id=keys.debtor_id,
              creditor_id=keys.creditor_id,
              details={"held_invoices": len(held_invoices), "open_disputes": len(open_disputes)})
    return receipt


def _apply_hold(session: Session, debtor_id: int, held: set[int], expired: set[int]) -> list[StoreReceipt]:
    """Invoices past their hold go (with payments); the rest stay, the debtor row reduced."""
    from bot.ledger.models import Debtor, Invoice, Payment
    out = []
    hold_why = f"legal hold: invoices and payments kept {LEGAL_HOLD_YEARS} years (art. 2220 c.c.)"
    if expired:
        session.execute(sa.delete(Payment).where(Payment.invoice_id.in_(expired)))
        session.execute(sa.delete(Invoice).where(Invoice.id.in_(expired)))
        out.append(StoreReceipt("invoices", "erased", len(expired), "legal hold expired"))
    if held:
        paid = session.execute(sa.select(sa.func.count()).select_from(Payment)
                               .where(Payment.invoice_id.in_(held))).scalar_one()
        out.append(StoreReceipt("invoices", "held", len(held), hold_why))
        out.append(StoreReceipt("payments", "held", paid, hold_why))
        session.execute(sa.update(Debtor).where(Debtor.id == debtor_id, sa.or_(
            Debtor.phone.isnot(None), Debtor.email.isnot(None), Debtor.vulnerable.is_(True)))
            .values(**DEBTOR_REDUCED))
        out.append(StoreReceipt("debtors", "held", 1,
                                "reduced to reference, name and tax code the held invoices need"))
    else:
        session.execute(sa.update(Debtor).where(Debtor.id == debtor_id, Debtor.tax_code != "ERASED").values(
            **DEBTOR_REDUCED, name="erased", tax_code="ERASED"))
        out.append(StoreReceipt("debtors", "anonymised", 1, "no invoice under legal hold"))
    return out
