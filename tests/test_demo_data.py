"""The demo ledger: realistic, valid, relative to today, idempotent."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from stdnum.it import codicefiscale, iva

from bot.__main__ import main
from bot.ledger import demo
from bot.ledger.demo import DEMO_INVOICES, demo_table_markdown, load_demo_ledger
from bot.ledger.models import AuditLog, Debtor, Invoice, Payment
from bot.ledger.repository import debtor_invoices, find_invoice

TODAY = date(2026, 9, 15)


def count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_demo_ledger_loads_a_dozen_varied_debtors(session):
    counts = load_demo_ledger(session, TODAY)
    session.commit()
    assert (counts["debtors_created"], counts["invoices_created"], counts["payments_created"]) == (12, 15, 1)
    debtors = session.execute(select(Debtor)).scalars().all()
    assert {d.language for d in debtors} == {"it", "en"}
    assert {d.kind for d in debtors} == {"consumer", "business"}
    for debtor in debtors:
        valid = iva.is_valid if debtor.kind == "business" else codicefiscale.is_valid
        assert valid(debtor.tax_code), debtor.name
        assert debtor.email is None or debtor.email.endswith(("@example.it", "@example.com", ".example.it",
                                                              ".example.com"))
    assert any(len(d.invoices) > 1 for d in debtors)


def test_demo_dates_are_relative_to_today(session):
    load_demo_ledger(session, TODAY)
    invoices = session.execute(select(Invoice)).scalars().all()
    overdue_days = {(TODAY - i.due_date).days for i in invoices}
    assert {-10, 0, 10, 45, 120} <= overdue_days  # not yet due, due today, 10/45/120 days overdue
    assert all(i.issue_date <= i.due_date for i in invoices)
    first = find_invoice(session, "ft-2026/00417")
    assert first is not None and first.due_date == TODAY - timedelta(days=45)


def test_demo_has_a_large_balance_and_a_partly_paid_invoice(session):
    load_demo_ledger(session, TODAY)
    assert max(session.execute(select(Invoice.amount_due)).scalars()) > Decimal("5000")
    trattoria = find_invoice(session, "A/2026/000153")
    [open_invoice] = debtor_invoices(session, trattoria.debtor_id)
    assert (open_invoice.paid, open_invoice.open_amount) == (Decimal("600.00"), Decimal("960.00"))


def test_loading_twice_is_idempotent(session):
    load_demo_ledger(session, TODAY)
    session.commit()
    audits = count(session, AuditLog)
    counts = load_demo_ledger(session, TODAY)
    session.commit()
    assert counts["debtors_unchanged"] == 12 and counts["invoices_unchanged"] == 15
    assert counts["payments_unchanged"] == 1 and counts["payments_created"] == 0
    assert count(session, AuditLog) == audits


def test_loading_on_a_later_day_moves_dates_without_duplicating_payments(session):
    load_demo_ledger(session, TODAY)
    session.commit()
    later = TODAY + timedelta(days=7)
    counts = load_demo_ledger(session, later)
    session.commit()
    assert counts["invoices_updated"] == 15 and counts["payments_created"] == 0
    assert count(session, Payment) == 1
    assert session.execute(select(Payment.paid_on)).scalar_one() == later - timedelta(days=20)
    assert find_invoice(session, "FT-2026/00417").due_date == later - timedelta(days=45)


def test_invoice_numbers_have_realistic_varied_formats():
    numbers = [row["invoice_number"] for row in DEMO_INVOICES]
    assert len(set(numbers)) == len(numbers)
    assert {"FT-2026/00417", "2026/1187", "INV-88213"} <= set(numbers)


def test_the_documented_table_matches_the_data():
    table = demo_table_markdown()
    assert table in demo.__doc__
    assert table.count("\n") == len(DEMO_INVOICES) + 1


def test_cli_demo_data_if_empty_leaves_a_ledger_with_data_alone(app_db, session, capsys):
    assert main(["demo-data", "--if-empty"]) == 0
    assert "demo ledger loaded" in capsys.readouterr().out
    session.execute(select(Invoice).limit(1)).scalar_one().amount_due = Decimal("1.00")
    session.commit()
    before = count(session, AuditLog)
    assert main(["demo-data", "--if-empty"]) == 0
    assert "already has invoices" in capsys.readouterr().out
    session.expire_all()
    assert count(session, AuditLog) == before
    assert Decimal("1.00") in set(session.execute(select(Invoice.amount_due)).scalars())
