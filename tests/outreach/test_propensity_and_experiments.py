"""The propensity model learns from (simulated) ledger history, explains itself, and
orders outreach; A/B variants are assigned once and reported."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from bot.ledger.db import make_engine, session_factory
from bot.ledger.models import Base, Conversation, TranscriptMessage
from bot.outreach import propensity
from bot.outreach.config import OutreachConfig, Step
from bot.outreach.experiments import assign_variant, variant_for, variant_report
from bot.outreach.models import OutboxMessage, OutreachAssignment
from bot.outreach.planner import Score, plan_day
from bot.outreach.simulate import simulate_history
from tests.factories import add_payment
from tests.outreach.conftest import CREDITOR, MONDAY, at, debtor_with_invoice

TODAY = date(2026, 6, 30)


@pytest.fixture(scope="module")
def history():
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    session = session_factory(engine)()
    simulate_history(session, TODAY, debtors=250, seed=3)
    session.commit()
    yield session
    session.close()


def test_model_beats_chance_on_held_out_debtors_and_saves(history, tmp_path):
    X, y, days, groups = propensity.snapshot_dataset(propensity.load_histories(history), TODAY)
    test = groups % 4 == 0
    model = propensity.fit(X[~test], y[~test], days[~test])
    assert roc_auc_score(y[test], model.predict_proba(X[test])) > 0.58
    path = tmp_path / "model.joblib"
    propensity.save(model, path)
    again = propensity.load(path)
    assert np.allclose(again.predict_proba(X[:5]), model.predict_proba(X[:5]))
    assert propensity.load(tmp_path / "missing.joblib") is None


def test_scores_explain_themselves_and_predict_a_date(history, tmp_path):
    model = propensity.train(history, TODAY, path=tmp_path / "m.joblib")
    debtor_ids = list(propensity.load_histories(history))[:40]
    scores = propensity.predict_proba(model, history, debtor_ids, TODAY)
    assert scores and all(0 <= s.p30 <= 1 for s in scores.values())
    some = next(iter(scores.values()))
    assert len(some.factors) == 3 and all(name in propensity.FEATURES for name, _ in some.factors)
    assert propensity.likely_payment_date(some, TODAY) is None or propensity.likely_payment_date(some, TODAY) >= TODAY


def test_features_never_look_into_the_future(history):
    histories = propensity.load_histories(history)
    h = next(h for h in histories.values() if len(h.invoices) > 2)
    invoice = sorted(h.invoices, key=lambda i: i[1])[0]
    early = propensity.features_at(h, invoice, invoice[1] - timedelta(days=5))
    assert early[3] == 0.0  # no invoice can have been settled before the first one was due... by this debtor


def test_too_little_history_is_a_clear_error(session):
    with pytest.raises(propensity.NotEnoughHistory):
        propensity.train(session, TODAY)


def test_higher_propensity_is_contacted_first(session):
    low, _ = debtor_with_invoice(session, "LOW", "+393330000001", due=MONDAY - timedelta(days=3))
    high, _ = debtor_with_invoice(session, "HIGH", "+393330000002", due=MONDAY - timedelta(days=3))

    def scorer(_s, ids, _day):
        return {low.id: Score(0.1), high.id: Score(0.9)}

    created = plan_day(session, MONDAY, at(MONDAY, 7), OutreachConfig(), scorer=scorer, creditor_name=CREDITOR).created
    assert [r.debtor_id for r in created] == [high.id, low.id]
    assert [r.propensity for r in created] == [0.9, 0.1]


def test_variant_assigned_once_and_reported(session):
    step = Step("post_due_1", "invoice", 3, "post_due", ("a", "b"))
    debtor, invoice = debtor_with_invoice(session, "A", "+393330000001", due=MONDAY - timedelta(days=3))
    first = assign_variant(session, "default", debtor.id, step)
    assert assign_variant(session, "default", debtor.id, step) == first
    assert session.query(OutreachAssignment).count() == 1
    variants = {variant_for(d, step) for d in range(1, 60)}
    assert variants == {"a", "b"}

    sent_at = datetime(2026, 11, 23, 9, 0)
    session.add(OutboxMessage(idempotency_key="k", debtor_id=debtor.id, subject_kind="invoice", subject_id=invoice.id,
                              invoice_id=invoice.id, step="post_due_1", variant=first, scheduled_for=MONDAY,
                              send_on=MONDAY, send_after=sent_at, channel="sms", address="+393330000001",
                              template="post_due", text="x", status="sent", sent_at=sent_at))
    session.add(Conversation(conversation_id="sms:+393330000001", channel="sms", address="+393330000001"))
    session.add(TranscriptMessage(conversation_id="sms:+393330000001", sender="debtor", text="ok",
                                  created_at=sent_at + timedelta(hours=2)))
    add_payment(session, invoice, "240.00", MONDAY + timedelta(days=5))
    session.flush()
    [stats] = variant_report(session, days=14)
    assert (stats.step, stats.variant, stats.sent, stats.replied, stats.paid_within) == ("post_due_1", first, 1, 1, 1)
    assert variant_report(session, days=3)[0].paid_within == 0
