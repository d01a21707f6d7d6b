"""Payment propensity: P(an open invoice is paid in full within 30 days) and the likely
payment date, learnt from the ledger's own history (scikit-learn).

Training rows are snapshots of past invoices at cadence moments (5 days before the due
date, then 3, 10, 20 and 45 days after) whose 30-day outcome is already known. Features
use only what was known at the snapshot. The classifier is a standardised logistic
regression, so each debtor's top factors are simply coefficient x standardised value; a
gradient-boosting regressor estimates the days until payment.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Collection, Mapping

if TYPE_CHECKING:  # the planner imports this module; only the type alias goes the other way
    from bot.outreach.planner import Scorer

import joblib
import numpy as np
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import select
from sqlalchemy.sql import Select
from sqlalchemy.orm import Session

from bot.ledger.models import DEFAULT_CREDITOR, Conversation, Debtor, Invoice, Payment, PaymentPlan, PromiseToPay
from bot.outreach.planner import Score
from bot.settings import ROOT

MODEL_PATH = ROOT / "var" / "outreach" / "propensity.joblib"
HORIZON_DAYS = 30
SNAPSHOT_OFFSETS = (-5, 3, 10, 20, 45)
MIN_ROWS = 40
FEATURES = (
    "days_overdue", "log_open_amount", "is_business", "past_invoices", "past_mean_days_late",
    "past_late_share", "promises_kept", "promises_broken", "plans_completed", "plans_broken",
    "replies_last_year",
)
LABELS = {
    "days_overdue": "days past the due date", "log_open_amount": "open amount",
    "is_business": "business customer", "past_invoices": "invoices paid before",
    "past_mean_days_late": "average lateness in the past", "past_late_share": "share of past invoices paid late",
    "promises_kept": "promises kept", "promises_broken": "promises not kept", "plans_completed": "plans completed",
    "plans_broken": "plans not completed", "replies_last_year": "replies to our messages (last year)",
}


class NotEnoughHistory(ValueError):
    """Too little history to learn from (a clear message, nothing saved)."""


@dataclass
class History:
    """One debtor's ledger, loaded once so snapshots need no further queries."""

    is_business: bool
    invoices: list[tuple[int, date, Decimal]] = field(default_factory=list)  # id, due, amount
    payments: dict[int, list[tuple[date, Decimal]]] = field(default_factory=dict)
    promises: list[tuple[date, str]] = field(default_factory=list)  # promised date, status
    plans: list[tuple[date, str]] = field(default_factory=list)  # created, status
    replies: list[date] = field(default_factory=list)

    def paid_by(self, invoice_id: int, day: date) -> Decimal:
        return sum((a for d, a in self.payments.get(invoice_id, []) if d <= day), Decimal("0"))

    def settled_on(self, invoice_id: int, amount: Decimal) -> date | None:
        total = Decimal("0")
        for d, a in sorted(self.payments.get(invoice_id, [])):
            total += a
            if total >= amount:
                return d
        return None


def load_histories(session: Session, creditor_id: str = DEFAULT_CREDITOR,
                   debtor_ids: Collection[int] | None = None) -> dict[int, History]:
    """The ledger history of each of the creditor's debtors (or just ``debtor_ids``), keyed by debtor id."""
    def only(stmt: Select, column: Any) -> Select:
        return stmt.where(column.in_(list(debtor_ids))) if debtor_ids is not None else stmt

    histories = {d.id: History(d.kind == "business") for d in session.execute(only(
        select(Debtor).where(Debtor.creditor_id == creditor_id), Debtor.id)).scalars()}
    for iid, did, due, amount in session.execute(only(
            select(Invoice.id, Invoice.debtor_id, Invoice.due_date, Invoice.amount_due), Invoice.debtor_id)):
        if did in histories:
            histories[did].invoices.append((iid, due, Decimal(amount)))
    owner = {iid: did for did, h in histories.items() for iid, _, _ in h.invoices}
    for iid, paid_on, amount in session.execute(select(Payment.invoice_id, Payment.paid_on, Payment.amount)):
        if iid in owner:
            histories[owner[iid]].payments.setdefault(iid, []).append((paid_on, Decimal(amount)))
    for did, promised, status in session.execute(only(
            select(PromiseToPay.debtor_id, PromiseToPay.promised_date, PromiseToPay.status), PromiseToPay.debtor_id)):
        if did in histories:
            histories[did].promises.append((promised, status))
    for did, created, status in session.execute(only(
            select(PaymentPlan.debtor_id, PaymentPlan.created_at, PaymentPlan.status), PaymentPlan.debtor_id)):
        if did in histories:
            histories[did].plans.append((created.date(), status))
    for did, inbound in session.execute(only(
            select(Conversation.debtor_id, Conversation.last_inbound_at).where(
                Conversation.last_inbound_at.is_not(None)), Conversation.debtor_id)):
        if did in histories:
            histories[did].replies.append(inbound.date())
    return histories


def features_at(h: History, invoice: tuple[int, date, Decimal], t: date) -> list[float]:
    """The feature vector of one open invoice at day ``t`` (only what was known by then)."""
    iid, due, amount = invoice
    open_amount = max(amount - h.paid_by(iid, t), Decimal("0"))
    lateness = []
    for other_id, other_due, other_amount in h.invoices:
        settled = h.settled_on(other_id, other_amount)
        if other_id != iid and settled is not None and settled <= t:
            lateness.append((settled - other_due).days)
    resolved = [s for d, s in h.promises if d < t and s in ("kept", "broken")]
    old_plans = [s for d, s in h.plans if d < t - timedelta(days=90)]  # an older plan's end is known
    return [
        float(max(min((t - due).days, 365), -30)),
        math.log1p(float(open_amount)),
        float(h.is_business),
        float(len(lateness)),
        float(np.mean(lateness)) if lateness else 0.0,
        float(np.mean([x > 5 for x in lateness])) if lateness else 0.0,
        float(resolved.count("kept")),
        float(resolved.count("broken")),
        float(old_plans.count("completed")),
        float(old_plans.count("broken")),
        float(sum(1 for d in h.replies if t - timedelta(days=365) <= d < t)),
    ]


def snapshot_dataset(histories: Mapping[int, History], today: date) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """X, y (paid within 30 days), days until payment (nan if never), debtor id per row."""
    rows, labels, days, groups = [], [], [], []
    for did, h in histories.items():
        for invoice in h.invoices:
            iid, due, amount = invoice
            settled = h.settled_on(iid, amount)
            for offset in SNAPSHOT_OFFSETS:
                t = due + timedelta(days=offset)
                if t + timedelta(days=HORIZON_DAYS) > today or (settled is not None and settled <= t):
                    continue
                rows.append(features_at(h, invoice, t))
                labels.append(int(settled is not None and settled <= t + timedelta(days=HORIZON_DAYS)))
                days.append(float((settled - t).days) if settled is not None else math.nan)
                groups.append(did)
    return np.array(rows, dtype=float).reshape(-1, len(FEATURES)), np.array(labels), np.array(days), np.array(groups)


@dataclass
class PropensityModel:
    classifier: object
    regressor: object | None
    features: tuple[str, ...] = FEATURES
    trained_on: int = 0
    positive_share: float = 0.0

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.classifier.predict_proba(X)[:, 1]  # type: ignore[attr-defined]

    def expected_days(self, X: np.ndarray) -> np.ndarray:
        if self.regressor is None:
            return np.full(len(X), np.nan)
        return np.exp(self.regressor.predict(X))  # type: ignore[attr-defined]

    def top_factors(self, x: np.ndarray, k: int = 3) -> list[tuple[str, float]]:
        """Signed contributions to the log-odds, largest first (positive: more likely to pay)."""
        scaler, logistic = self.classifier.steps[0][1], self.classifier.steps[-1][1]  # type: ignore[attr-defined]
        z = (x - scaler.mean_) / np.where(scaler.scale_ == 0, 1, scaler.scale_)
        contributions = logistic.coef_[0] * z
        order = np.argsort(-np.abs(contributions))[:k]
        return [(self.features[i], float(contributions[i])) for i in order]


def fit(X: np.ndarray, y: np.ndarray, days: np.ndarray) -> PropensityModel:
    """Fit the 30-day classifier and, given enough paid rows, the days regressor; NotEnoughHistory on thin data."""
    if len(y) < MIN_ROWS or len(set(y.tolist())) < 2:
        raise NotEnoughHistory(f"need at least {MIN_ROWS} past invoice snapshots with both outcomes "
                               f"(have {len(y)}); try again when the ledger has more history, or use --simulate")
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, C=1.0))
    classifier.fit(X, y)
    paid = ~np.isnan(days) & (days <= 180)
    regressor = None
    if paid.sum() >= MIN_ROWS:
        regressor = GradientBoostingRegressor(n_estimators=150, max_depth=3, random_state=0)
        regressor.fit(X[paid], np.log1p(np.maximum(days[paid], 0)))
    return PropensityModel(classifier, regressor, FEATURES, int(len(y)), float(y.mean()))


def train(session: Session, today: date, path: Path = MODEL_PATH, creditor_id: str = DEFAULT_CREDITOR) -> PropensityModel:
    """Fit on the creditor's history up to ``today`` and save to ``path``; on NotEnoughHistory nothing is saved."""
    X, y, days, _ = snapshot_dataset(load_histories(session, creditor_id), today)
    model = fit(X, y, days)
    save(model, path)
    return model


def save(model: PropensityModel, path: Path = MODEL_PATH) -> None:
    """Write the model to ``path`` with joblib, creating its folder; an existing model is replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)


def load(path: Path = MODEL_PATH) -> PropensityModel | None:
    """The saved model, or None when none was trained (outreach then keeps ledger order)."""
    return joblib.load(path) if path.exists() else None


def predict_proba(model: PropensityModel, session: Session, debtor_ids: Collection[int], day: date,
                  creditor_id: str = DEFAULT_CREDITOR) -> dict[int, Score]:
    """Per debtor, scored on the open invoice furthest past its due date."""
    histories = load_histories(session, creditor_id, debtor_ids)
    ids, rows = [], []
    for did, h in histories.items():
        open_invoices = [inv for inv in h.invoices if inv[2] - h.paid_by(inv[0], day) > 0]
        if open_invoices:
            ids.append(did)
            rows.append(features_at(h, min(open_invoices, key=lambda inv: inv[1]), day))
    if not rows:
        return {}
    X = np.array(rows, dtype=float)
    probs, days = model.predict_proba(X), model.expected_days(X)
    return {did: Score(float(p), None if math.isnan(d) else int(round(d)), tuple(model.top_factors(x)))
            for did, p, d, x in zip(ids, probs, days, X, strict=False)}


def scorer(model: PropensityModel | None, creditor_id: str = DEFAULT_CREDITOR) -> Scorer | None:
    """A planner ``Scorer`` bound to ``model`` (None when there is no model)."""
    if model is None:
        return None
    return lambda session, debtor_ids, day: predict_proba(model, session, debtor_ids, day, creditor_id)


def likely_payment_date(score: Score, day: date) -> date | None:
    """``day`` plus the expected days to pay, or None when the model gives no estimate."""
    return day + timedelta(days=score.expected_days) if score.expected_days is not None else None


def describe_factor(name: str, contribution: float) -> str:
    """A factor's readable English label with the sign of its effect, e.g. "promises kept (+)"."""
    return f"{LABELS.get(name, name)} ({'+' if contribution >= 0 else '-'})"
