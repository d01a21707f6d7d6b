"""The demo simulator: realistic volume, valid data, its own rows only, repeatable and removable."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from stdnum.it import codicefiscale

from bot.kpi.metrics import compute_kpis
from bot.kpi.simulate import reset_simulation, simulate, split_instalments
from bot.ledger.models import Debtor, FollowUpTask, Invoice, NpsResponse, PaymentPlan, PlanInstalment
from tests.factories import add_debtor, add_invoice

TODAY = date(2026, 6, 30)


def _count(session, model, *where):
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_split_instalments_sums_exactly():
    parts = split_instalments(Decimal("100.00"), 3)
    assert parts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")] and sum(parts) == Decimal("100.00")


def test_simulation_writes_its_own_valid_rows(session):
    real = add_debtor(session, "REAL-1")
    add_invoice(session, real, "FT-1")
    result = simulate(session, debtors=120, days=90, seed=1, today=TODAY)
    assert result.debtors == 120 and result.conversations > 40 and result.nps > 10
    sim = session.execute(select(Debtor).where(Debtor.debtor_ref.like("SIM-%"))).scalars().all()
    assert len(sim) == 120 and all(codicefiscale.is_valid(d.tax_code) for d in sim)
    assert all(i.invoice_number.startswith("SIM-") for d in sim for i in d.invoices)
    # plans add up to their totals to the cent
    for plan in session.execute(select(PaymentPlan)).scalars():
        total = sum(i.amount for i in session.execute(
            select(PlanInstalment).where(PlanInstalment.plan_id == plan.id)).scalars())
        assert total == plan.total
    # every detractor has a follow-up task; comments are varied, not a few repeated strings
    detractors = _count(session, NpsResponse, NpsResponse.score <= 6)
    assert detractors and _count(session, FollowUpTask, FollowUpTask.kind == "nps_detractor") == detractors
    reasons = [r for r in session.execute(select(NpsResponse.reason)).scalars() if r]
    assert len(set(reasons)) >= 0.8 * len(reasons)
    kpis = compute_kpis(session, until=TODAY)
    assert kpis["recovery"]["recovered"] > 0 and kpis["promises"]["made"] > 0 and kpis["plans"]["created"] > 0
    assert {r["key"] for r in kpis["by_language"]} >= {"it", "en"}


def test_same_seed_is_reproducible_and_a_second_run_adds(engine):
    from bot.ledger.db import session_factory

    def scores():
        return sorted(s.execute(select(NpsResponse.score, NpsResponse.reason)).all(), key=repr)

    runs = []
    for _ in range(2):
        with session_factory(engine)() as s:
            simulate(s, debtors=40, days=30, seed=7, today=TODAY)
            runs.append(scores())
            reset_simulation(s)
            s.commit()
    assert runs[0] == runs[1]
    with session_factory(engine)() as s:
        simulate(s, debtors=40, days=30, seed=7, today=TODAY)
        simulate(s, debtors=40, days=30, seed=7, today=TODAY)  # adds, no unique-key clash
        assert _count(s, Debtor) == 80


def test_reset_removes_only_simulated_rows(session):
    real = add_debtor(session, "REAL-1")
    add_invoice(session, real, "FT-1")
    simulate(session, debtors=60, days=60, seed=3, today=TODAY)
    assert reset_simulation(session) == 60
    assert [d.debtor_ref for d in session.execute(select(Debtor)).scalars()] == ["REAL-1"]
    assert _count(session, Invoice) == 1 and _count(session, NpsResponse) == 0 and _count(session, PaymentPlan) == 0


def test_cli_help_documents_repeat_behaviour(capsys):
    import pytest

    from bot.__main__ import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["simulate", "--help"])
    out = capsys.readouterr().out
    assert "--reset-sim" in out and "SIM-" in out
