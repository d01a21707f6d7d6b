"""The trained model on the held-out long and colloquial messages: the accuracy target as a gate.

Needs the trained model (``make train``), so it runs with the end-to-end tests; the full
per-intent table is ``make nlu-heldout``.
"""
from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "collections.tar.gz"
_spec = importlib.util.spec_from_file_location("nlu_heldout", ROOT / "scripts" / "nlu_heldout.py")
nlu_heldout = importlib.util.module_from_spec(_spec)
sys.modules["nlu_heldout"] = nlu_heldout  # its dataclasses look their module up while being built
_spec.loader.exec_module(nlu_heldout)  # type: ignore[union-attr]

pytestmark = pytest.mark.e2e


def test_intent_accuracy_is_at_least_095_on_every_kind_and_language() -> None:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    results = nlu_heldout.predict(MODEL, nlu_heldout.load_cases())
    right: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for r in results:
        right[(r.case.kind, r.case.lang)].append(r.intent == r.case.intent)
    accuracy = {key: sum(v) / len(v) for key, v in right.items()}
    assert set(accuracy) == {("long", "it"), ("long", "en"), ("colloquial", "it"), ("colloquial", "en")}
    assert all(a >= 0.95 for a in accuracy.values()), accuracy
