"""Synthetic collection activity for demos: debtors, invoices, conversations, outcomes, payments, NPS.

Everything it writes belongs to debtors whose ref starts with ``SIM-`` (invoice numbers
``SIM-…``, conversation ids ``sim-…``), so it never touches or duplicates real or demo rows.
Running it again adds more simulated debtors; ``reset_simulation`` removes every SIM row.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from stdnum.it import codicefiscale

from bot.ledger.states import HandoffStatus, PlanStatus, TaskStatus
from bot.ledger.models import (
    Base,
    ContactPreference, Conversation, Debtor, Dispute, FollowUpTask, Handoff, Invoice, NpsResponse, Payment,
    PaymentPlan, PlanInstalment, PromiseToPay, ReconciliationCase,
)
from bot.ledger.repository import invoice_key
from bot.nps.survey import DEFAULT_OWNER, FOLLOWUP_BUSINESS_DAYS
from bot.nps.synthetic import make_comment, make_score
from bot.plans.calendar import add_business_days

PREFIX = "SIM-"
CONV_PREFIX = "sim-"
CENT = Decimal("0.01")
SURNAMES = ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
            "Bruno", "Gallo", "Conti", "De Luca", "Costa", "Giordano", "Mancini", "Rizzo", "Lombardi", "Moretti",
            "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright")
NAMES = ("Marco", "Giulia", "Luca", "Francesca", "Alessandro", "Chiara", "Andrea", "Sara", "Matteo", "Elena",
         "Paolo", "Anna", "Davide", "Laura", "James", "Emily", "Oliver", "Sophie")
TOWNS = ("H501", "F205", "F839", "L219", "A662", "G273", "D612", "A944", "L736", "C351")
MONTHS = "ABCDEHLMPRST"
CHANNELS = ("whatsapp", "sms", "telegram", "webchat")
CHANNEL_WEIGHTS = (40, 15, 15, 30)
JOURNEYS = ("balance", "plan", "promise", "already_paid", "dispute", "difficulty", "payment_methods", "handoff")
JOURNEY_WEIGHTS = (22, 22, 18, 8, 6, 8, 8, 8)
HANDOFF_REASONS = ("request_human", "complain", "hardship", "fallback", "dispute")


def _consonants(text: str) -> str:
    letters = [c for c in text.upper() if c.isalpha()]
    cons = [c for c in letters if c not in "AEIOU"] + [c for c in letters if c in "AEIOU"] + ["X"] * 3
    return "".join(cons[:3])


def fake_tax_code(rng: random.Random, surname: str, name: str) -> str:
    """A random codice fiscale in the right shape with a valid check digit (not a real person's)."""
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    body = (f"{_consonants(surname)}{_consonants(name)}{rng.randint(40, 99):02d}{rng.choice(MONTHS)}"
            f"{day:02d}{rng.choice(TOWNS)}")
    return body + codicefiscale.calc_check_digit(body)


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return (Decimal(rng.randint(low * 100, high * 100)) / 100).quantize(CENT)


def split_instalments(total: Decimal, count: int) -> list[Decimal]:
    """Equal instalments in cents, the remainder on the last one; sums exactly to ``total``."""
    base = (total / count).quantize(CENT, rounding="ROUND_DOWN")
    return [base] * (count - 1) + [total - base * (count - 1)]


@dataclass
class SimulationResult:
    debtors: int = 0
    invoices: int = 0
    conversations: int = 0
    payments: int = 0
    nps: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class _Simulator:
    def __init__(self, session: Session, rng: random.Random, today: date, days: int) -> None:
        self.s, self.rng, self.today, self.days = session, rng, today, days
        self.rows: dict[type[Base], list[dict]] = {m: [] for m in (Payment, PromiseToPay, Dispute, ReconciliationCase,
                                                              ContactPreference, Conversation, Handoff)}
        self.plans: list[tuple[PaymentPlan, list[Decimal], list[date]]] = []
        self.nps: list[tuple[NpsResponse, int | None]] = []

    def when(self) -> datetime:
        offset = self.rng.uniform(0, self.days)
        return datetime.combine(self.today, datetime.min.time()) - timedelta(days=offset) + timedelta(hours=9)

    def pay(self, invoice: Invoice, amount: Decimal, paid_on: date, ref: str) -> None:
        if amount > 0 and paid_on <= self.today:
            self.rows[Payment].append(dict(invoice_id=invoice.id, amount=amount, paid_on=paid_on, reference=ref))

    def debtor_story(self, debtor: Debtor, invoices: list[Invoice], index: int) -> None:
        rng = self.rng
        for inv in invoices:  # background behaviour, with or without the bot
            r = rng.random()
            if r < 0.25:
                self.pay(inv, inv.amount_due, inv.due_date - timedelta(days=rng.randint(0, 10)), "on time")
            elif r < 0.40:
                self.pay(inv, inv.amount_due, inv.due_date + timedelta(days=rng.randint(5, 90)), "late")
        if rng.random() > 0.75:
            return
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        language = debtor.language if rng.random() < 0.9 else ("en" if debtor.language == "it" else "it")
        started = self.when()
        conv_id = f"{CONV_PREFIX}{debtor.debtor_ref.lower()}-{index}"
        self.rows[Conversation].append(dict(conversation_id=conv_id, channel=channel, address=debtor.phone,
                                            language=language, debtor_id=debtor.id, created_at=started,
                                            last_inbound_at=started + timedelta(minutes=rng.randint(1, 20))))
        journey = rng.choices(JOURNEYS, JOURNEY_WEIGHTS)[0]
        inv = rng.choice(invoices)
        outcome, mood = self.journey(journey, debtor, inv, conv_id, channel, started)
        handed = journey == "handoff" or (journey == "difficulty" and rng.random() < 0.5)
        if handed:
            self.handoff(conv_id, channel, language, started, "hardship" if journey == "difficulty" else None)
            outcome, mood = "handled_by_agent", mood + rng.uniform(-0.3, 0.4)
        if rng.random() < 0.04:
            self.rows[ContactPreference].append(dict(debtor_id=debtor.id, channel=channel, address=debtor.phone or conv_id,
                                                     opted_out=True, updated_at=started + timedelta(minutes=5)))
            return
        if rng.random() < 0.6:
            score = make_score(rng, mood)
            comment = make_comment(rng, score, language).text if rng.random() < 0.85 else None
            reason, improvement = (comment, None)
            if comment and score <= 8 and rng.random() < 0.4:
                improvement = make_comment(rng, min(score, 6), language).text
            self.nps.append((NpsResponse(debtor_id=debtor.id, conversation_id=conv_id, channel=channel,
                                         journey=journey, outcome=outcome, language=language, score=score,
                                         reason=reason, improvement=improvement,
                                         created_at=started + timedelta(minutes=rng.randint(3, 30))), debtor.id))

    def journey(self, journey: str, debtor: Debtor, inv: Invoice, conv_id: str, channel: str,
                started: datetime) -> tuple[str, float]:
        rng, day = self.rng, started.date()
        if journey == "plan":
            count = rng.choice((3, 4, 6, 8, 10, 12))
            amounts = split_instalments(inv.amount_due, count)
            dates = [day + timedelta(days=20 + 30 * i) for i in range(count)]
            behaviour = rng.choices(("on_track", "default", "early"), (65, 25, 10))[0]
            plan = PaymentPlan(debtor_id=debtor.id, total=inv.amount_due, instalment_count=count, conversation_id=conv_id,
                               channel=channel, created_at=started, status=PlanStatus.ACTIVE)
            self.plans.append((plan, amounts, dates))
            paid_upto = count if behaviour == "early" else rng.randint(0, 1) if behaviour == "default" else count
            for n, (amount, due) in enumerate(zip(amounts, dates, strict=False)):
                if n < paid_upto:
                    self.pay(inv, amount, due - timedelta(days=rng.randint(0, 3)) if behaviour != "early" else day + timedelta(days=5 + n), f"plan {n + 1}")
            return "plan_created", 0.3
        if journey == "promise":
            amount = min(inv.amount_due, _money(rng, 50, 1500))
            promised = day + timedelta(days=rng.randint(3, 30))
            self.rows[PromiseToPay].append(dict(debtor_id=debtor.id, invoice_id=inv.id, amount=amount,
                                                promised_date=promised, conversation_id=conv_id, channel=channel,
                                                created_at=started, reminder_on=promised - timedelta(days=2)))
            if rng.random() < 0.62:
                self.pay(inv, amount, promised - timedelta(days=rng.randint(0, 3)), "promise")
            return "promise_recorded", 0.2
        if journey == "already_paid":
            status = rng.choices(("matched", "open", "rejected"), (50, 35, 15))[0]
            self.rows[ReconciliationCase].append(dict(invoice_id=inv.id, claimed_paid_on=day - timedelta(days=rng.randint(1, 20)),
                                                      claimed_amount=inv.amount_due, claimed_reference="CRO",
                                                      status=status, conversation_id=conv_id, created_at=started))
            return ("payment_matched" if status == "matched" else "reconciliation_opened"), -0.1
        if journey == "dispute":
            self.rows[Dispute].append(dict(invoice_id=inv.id, reason=rng.choice(("importo errato", "wrong amount",
                                           "servizio non ricevuto", "already cancelled")), conversation_id=conv_id,
                                           status=rng.choices(("open", "upheld", "rejected"), (50, 20, 30))[0],
                                           respond_by=day + timedelta(days=15), created_at=started))
            inv.collection_hold = "dispute"
            return "dispute_recorded", -0.4
        if journey == "difficulty":
            return "payment_pause", -0.1
        return ("handoff" if journey == "handoff" else "informed"), 0.1 if journey != "handoff" else -0.2

    def handoff(self, conv_id: str, channel: str, language: str, started: datetime, reason: str | None) -> None:
        rng = self.rng
        created = started + timedelta(minutes=rng.randint(2, 10))
        expired = rng.random() < 0.08
        taken = None if expired else created + timedelta(minutes=rng.choice((1, 2, 4, 6, 9, 14, 20, 35, 55)))
        self.rows[Handoff].append(dict(
            conversation_id=conv_id, channel=channel, reason=reason or rng.choice(HANDOFF_REASONS), language=language,
            priority=10 if reason == "hardship" else 0, status=HandoffStatus.EXPIRED if expired else HandoffStatus.CLOSED,
            assigned_to=None if expired else rng.choice(("giulia", "marco", "sara")), created_at=created,
            taken_at=taken, closed_at=None if taken is None else taken + timedelta(minutes=rng.randint(3, 30)),
            summary="{}", outcome=None if expired else rng.choice(("plan_agreed", "payment_pause", "resolved"))))

    def flush(self) -> None:
        s = self.s
        for model in (Payment, PromiseToPay, Dispute, ReconciliationCase, ContactPreference, Conversation, Handoff):
            if self.rows[model]:
                s.bulk_insert_mappings(model, self.rows[model])
        s.add_all([p for p, _, _ in self.plans])
        s.add_all([r for r, _ in self.nps])
        s.flush()
        s.bulk_insert_mappings(PlanInstalment, [
            dict(plan_id=plan.id, number=n + 1, due_date=due, amount=amount, paid=False)
            for plan, amounts, dates in self.plans for n, (amount, due) in enumerate(zip(amounts, dates, strict=False))])
        s.bulk_insert_mappings(FollowUpTask, [
            dict(kind="nps_detractor", debtor_id=debtor_id, nps_response_id=r.id, conversation_id=r.conversation_id,
                 status=TaskStatus.OPEN if self.rng.random() < 0.6 else TaskStatus.DONE, owner=DEFAULT_OWNER,
                 due_on=add_business_days(r.created_at.date(), FOLLOWUP_BUSINESS_DAYS), created_at=r.created_at,
                 note=f"NPS {r.score} ({r.journey}/{r.outcome})")
            for r, debtor_id in self.nps if r.score <= 6])


def simulate(session: Session, *, debtors: int, days: int, seed: int | None = None,
             today: date | None = None) -> SimulationResult:
    """Add ``debtors`` simulated debtors with ``days`` of activity up to ``today``."""
    if debtors < 1 or days < 1:
        raise ValueError("--debtors and --days must be at least 1")
    today = today or date.today()
    offset = session.execute(select(func.count()).select_from(Debtor).where(Debtor.debtor_ref.like(f"{PREFIX}%"))).scalar_one()
    # The offset joins the seed so a second run with the same seed adds different people
    # (distinct phones: contact preferences are unique per address).
    rng = random.Random(f"{seed}-{offset}") if seed is not None else random.Random()
    people: list[Debtor] = []
    for i in range(debtors):
        surname, name = rng.choice(SURNAMES), rng.choice(NAMES)
        lang = "en" if surname in SURNAMES[-8:] or rng.random() < 0.1 else "it"
        people.append(Debtor(debtor_ref=f"{PREFIX}{offset + i + 1:07d}", name=f"{name} {surname}",
                             tax_code=fake_tax_code(rng, surname, name), language=lang,
                             phone=f"+393{rng.randint(10, 99)}{rng.randint(1_000_000, 9_999_999)}",
                             vulnerable=rng.random() < 0.03))
    session.add_all(people)
    session.flush()
    invoices: dict[int, list[Invoice]] = {}
    for debtor in people:
        own = []
        for j in range(rng.choices((1, 2, 3), (60, 30, 10))[0]):
            due = today - timedelta(days=rng.randint(-15, days + 60))
            number = f"{PREFIX}{debtor.debtor_ref[len(PREFIX):]}-{j + 1}"
            own.append(Invoice(debtor_id=debtor.id, invoice_number=number, number_key=invoice_key(number),
                               issue_date=due - timedelta(days=30), due_date=due, amount_due=_money(rng, 80, 4000)))
        invoices[debtor.id] = own
    session.add_all([inv for own in invoices.values() for inv in own])
    session.flush()
    sim = _Simulator(session, rng, today, days)
    for i, debtor in enumerate(people):
        sim.debtor_story(debtor, invoices[debtor.id], offset + i)
    sim.flush()
    return SimulationResult(debtors=len(people), invoices=sum(len(v) for v in invoices.values()),
                            conversations=len(sim.rows[Conversation]), payments=len(sim.rows[Payment]), nps=len(sim.nps),
                            counts={m.__tablename__: len(v) for m, v in sim.rows.items()})


def reset_simulation(session: Session) -> int:
    """Delete every simulated row (debtors ``SIM-…`` and what hangs off them); returns debtors removed."""
    debtor_ids = select(Debtor.id).where(Debtor.debtor_ref.like(f"{PREFIX}%")).scalar_subquery()
    invoice_ids = select(Invoice.id).where(Invoice.debtor_id.in_(debtor_ids)).scalar_subquery()
    plan_ids = select(PaymentPlan.id).where(PaymentPlan.debtor_id.in_(debtor_ids)).scalar_subquery()
    nps_ids = select(NpsResponse.id).where(NpsResponse.debtor_id.in_(debtor_ids)).scalar_subquery()
    count = session.execute(select(func.count()).select_from(Debtor).where(Debtor.debtor_ref.like(f"{PREFIX}%"))).scalar_one()
    for stmt in (
        delete(FollowUpTask).where(FollowUpTask.nps_response_id.in_(nps_ids)),
        delete(FollowUpTask).where(FollowUpTask.debtor_id.in_(debtor_ids)),
        delete(NpsResponse).where(NpsResponse.debtor_id.in_(debtor_ids)),
        delete(Handoff).where(Handoff.conversation_id.like(f"{CONV_PREFIX}%")),
        delete(Conversation).where(Conversation.conversation_id.like(f"{CONV_PREFIX}%")),
        delete(ContactPreference).where(ContactPreference.debtor_id.in_(debtor_ids)),
        delete(Dispute).where(Dispute.invoice_id.in_(invoice_ids)),
        delete(ReconciliationCase).where(ReconciliationCase.invoice_id.in_(invoice_ids)),
        delete(PromiseToPay).where(PromiseToPay.debtor_id.in_(debtor_ids)),
        delete(PlanInstalment).where(PlanInstalment.plan_id.in_(plan_ids)),
        delete(PaymentPlan).where(PaymentPlan.debtor_id.in_(debtor_ids)),
        delete(Payment).where(Payment.invoice_id.in_(invoice_ids)),
        delete(Invoice).where(Invoice.debtor_id.in_(debtor_ids)),
        delete(Debtor).where(Debtor.debtor_ref.like(f"{PREFIX}%")),
    ):
        session.execute(stmt.execution_options(synchronize_session=False))
    return int(count)
