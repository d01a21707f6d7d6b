"""Payment-propensity quality on simulated history: ROC AUC and calibration, held out.

Debtors (not rows) are split 75/25, so no debtor's history is on both sides. Prints the
ROC AUC, the Brier score and a reliability table (predicted vs observed payment rate per
probability band). Run: ``python bench/bench_propensity.py [DEBTORS]``.
"""
from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.metrics import brier_score_loss, roc_auc_score  # noqa: E402

from bot.ledger.db import make_engine, session_factory  # noqa: E402
from bot.ledger.models import Base  # noqa: E402
from bot.outreach.propensity import fit, load_histories, snapshot_dataset  # noqa: E402
from bot.outreach.simulate import simulate_history  # noqa: E402


def main(debtors: int = 1500) -> None:
    today = date(2026, 6, 30)
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    started = time.perf_counter()
    with session_factory(engine)() as session:
        simulate_history(session, today, debtors=debtors, seed=11)
        session.commit()
        X, y, days, groups = snapshot_dataset(load_histories(session), today)
    rng = np.random.default_rng(0)
    ids = np.unique(groups)
    test_ids = set(rng.choice(ids, size=len(ids) // 4, replace=False).tolist())
    test = np.array([g in test_ids for g in groups])
    model = fit(X[~test], y[~test], days[~test])
    p = model.predict_proba(X[test])
    print(f"propensity: {debtors} simulated debtors, {len(y)} snapshots "
          f"({(~test).sum()} train / {test.sum()} held out), paid-within-30-days share {y.mean():.2f}")
    print(f"ROC AUC (held out):     {roc_auc_score(y[test], p):.3f}")
    print(f"Brier score (held out): {brier_score_loss(y[test], p):.3f}  (base rate only: "
          f"{brier_score_loss(y[test], np.full(len(p), y[~test].mean())):.3f})")
    print("calibration (held out): band      predicted  observed   n")
    edges = np.linspace(0, 1, 6)
    for lo, hi in zip(edges[:-1], edges[1:], strict=False):
        band = (p >= lo) & (p < hi if hi < 1 else p <= hi)
        if band.any():
            print(f"                        {lo:.1f}-{hi:.1f}    {p[band].mean():.2f}       "
                  f"{y[test][band].mean():.2f}      {band.sum()}")
    paid = ~np.isnan(days[test]) & (days[test] <= 180)
    if paid.any() and model.regressor is not None:
        err = np.abs(model.expected_days(X[test][paid]) - days[test][paid])
        print(f"payment date (held out, paid within 180 days): median absolute error {np.median(err):.0f} days")
    print(f"total time {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1500)
