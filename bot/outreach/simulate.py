"""Simulated ledger history, for the propensity benchmark, tests and a demo model.

Each debtor has a hidden reliability; it drives how late invoices are paid, whether
promises are kept, how plans end and how often the debtor answers. The model never sees
the hidden value, only the ledger it leaves behind — as with real history.
"""
from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.ledger.states import PlanStatus, PromiseStatus
from bot.ledger.models import Conversation, Debtor, Invoice, Payment, PaymentPlan, PromiseToPay


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=10)


def simulate_history(session: Session, today: date, debtors: int = 400, seed: int = 7) -> int:
    """Write ``debtors`` simulated debtors with two years of invoices; returns invoices written."""
    rng = random.Random(seed)
    written = 0
    for n in range(debtors):
        reliability = rng.betavariate(2.0, 2.0)
        business = rng.random() < 0.3
        debtor = Debtor(debtor_ref=f"SIM-{seed}-{n:05d}", name=f"Sim {n}", tax_code=f"SIM{n:013d}"[:16],
                        kind="business" if business else "consumer", phone=f"+39300{seed:02d}{n:05d}",
                        language="it" if rng.random() < 0.8 else "en", created_at=_at(today - timedelta(days=800)))
        session.add(debtor)
        session.flush()
        scale = 2.2 if business else 1.0
        for _ in range(rng.randint(2, 8)):
            issued = today - timedelta(days=rng.randint(35, 730))
            due = issued + timedelta(days=30)
            amount = Decimal(str(round(min(rng.lognormvariate(5.3, 0.8) * scale, 20000), 2))).quantize(Decimal("0.01"))
            inv = Invoice(debtor_id=debtor.id, invoice_number=f"S{seed}-{n}-{written}", number_key=f"S{seed}-{n}-{written}",
                          issue_date=issued, due_date=due, amount_due=amount, currency="EUR", created_at=_at(issued))
            session.add(inv)
            session.flush()
            written += 1
            size_drag = math.log10(float(amount) + 10) / 3  # large balances take longer
            pays = rng.random() < 0.55 + 0.45 * reliability - 0.1 * size_drag
            delay = int(rng.expovariate(1 / (3 + 70 * (1 - reliability) ** 2 * (0.6 + size_drag)))) - rng.randint(0, 6)
            paid_on = due + timedelta(days=delay) if pays else None
            if paid_on and paid_on <= today:
                session.add(Payment(invoice_id=inv.id, paid_on=paid_on, amount=amount, reference="SIM",
                                    created_at=_at(paid_on)))
            if delay > 7 and rng.random() < 0.35 and due + timedelta(days=5) < today:
                made = due + timedelta(days=rng.randint(3, 6))
                promised = made + timedelta(days=rng.randint(5, 20))
                kept = bool(paid_on and paid_on <= promised + timedelta(days=3))
                status = PromiseStatus.OPEN if promised >= today else (PromiseStatus.KEPT if kept else PromiseStatus.BROKEN)
                session.add(PromiseToPay(debtor_id=debtor.id, invoice_id=inv.id, amount=amount,
                                         promised_date=promised, status=status, created_at=_at(made)))
            if float(amount) > 800 and delay > 20 and rng.random() < 0.25 and due + timedelta(days=15) < today:
                plan_status = PlanStatus.COMPLETED if pays and rng.random() < 0.5 + reliability / 2 else PlanStatus.BROKEN
                session.add(PaymentPlan(debtor_id=debtor.id, status=plan_status, total=amount, instalment_count=3,
                                        created_at=_at(due + timedelta(days=15))))
        for _ in range(sum(rng.random() < reliability for _ in range(4))):
            seen = today - timedelta(days=rng.randint(1, 700))
            session.add(Conversation(conversation_id=f"sim:{seed}:{n}:{seen.isoformat()}:{rng.random():.6f}",
                                     channel="sms", address=debtor.phone, debtor_id=debtor.id,
                                     created_at=_at(seen), last_inbound_at=_at(seen)))
    session.flush()
    return written
