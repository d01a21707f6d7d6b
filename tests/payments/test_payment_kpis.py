"""Payment KPIs count payments whichever way they came (Stripe, statement, ledger import)."""
from datetime import date, datetime
from decimal import Decimal

from bot.kpi.metrics import compute_kpis
from bot.ledger.models import PaymentPlan, PlanInstalment
from bot.payments.apply import apply_payment
from tests.factories import add_debtor, add_invoice, add_payment


def test_dso_time_to_recover_sources_and_instalments(session) -> None:
    debtor = add_debtor(session)
    a = add_invoice(session, debtor, "FT-1", "100.00", due=date(2026, 11, 1), issued=date(2026, 10, 1))
    b = add_invoice(session, debtor, "FT-2", "300.00", due=date(2026, 11, 10), issued=date(2026, 10, 10))
    add_invoice(session, debtor, "FT-3", "600.00", due=date(2026, 12, 20), issued=date(2026, 11, 20))
    apply_payment(session, source="stripe", event_id="pi_1", invoice_id=a.id, amount=Decimal("100.00"),
                  paid_on=date(2026, 11, 11))  # 10 days late
    add_payment(session, b, "100.00", date(2026, 11, 5))  # ledger import, on time, partial
    plan = PaymentPlan(debtor_id=debtor.id, total=Decimal("200.00"), instalment_count=2,
                       created_at=datetime(2026, 11, 15))
    session.add(plan)
    session.flush()
    session.add_all([PlanInstalment(plan_id=plan.id, number=1, due_date=date(2026, 11, 20), amount=Decimal("100.00")),
                     PlanInstalment(plan_id=plan.id, number=2, due_date=date(2026, 11, 30), amount=Decimal("100.00"))])
    apply_payment(session, source="statement", event_id="t1", invoice_id=b.id, amount=Decimal("100.00"),
                  paid_on=date(2026, 11, 19))
    apply_payment(session, source="statement", event_id="t2", invoice_id=b.id, amount=Decimal("100.00"),
                  paid_on=date(2026, 12, 2))  # second instalment late; clears b 22 days after due
    session.flush()
    k = compute_kpis(session, since=date(2026, 10, 1), until=date(2026, 12, 2), today=date(2026, 12, 3))["payments"]
    assert k["by_source"] == {"import": Decimal("100.00"), "statement": Decimal("200.00"), "stripe": Decimal("100.00")}
    assert k["invoiced"] == Decimal("1000.00") and k["open_receivables"] == Decimal("600.00")
    assert k["dso_days"] == round(600 / 1000 * 63, 1)
    assert k["recovered_invoices"] == 2 and k["time_to_recover_avg_days"] == 16.0
    assert (k["instalments_due"], k["instalments_on_time"], k["instalments_on_time_pct"]) == (2, 1, 50.0)
