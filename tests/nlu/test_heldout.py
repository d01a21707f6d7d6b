"""The held-out NLU sets stay held out: big enough, labelled, and never in the training data."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.nlu.intent_classifier import fold
from scripts.nlu_heldout import SAFETY, load_cases

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = {kind: ROOT / "tests" / "nlu" / f"heldout_{kind}.yml" for kind in ("long", "colloquial")}
ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)|\[([^\]]+)\]\{[^}]+\}")
NOT_WORD = re.compile(r"[^\w]+")


def plain(example: str) -> str:
    return ANNOTATION.sub(lambda m: m.group(1) or m.group(2), example)


def key(text: str) -> str:
    """What makes two messages the same for a model: folded text without punctuation."""
    return NOT_WORD.sub(" ", fold(text)).strip()


def examples(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in data.get("nlu", []):
        for line in (block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                found.append(plain(line[2:]))
    return found


def training_keys() -> set[str]:
    return {key(text) for path in (ROOT / "data").rglob("*.yml") for text in examples(path)}


def test_heldout_files_are_outside_data():
    for path in HELDOUT.values():
        assert path.exists()
        assert ROOT / "data" not in path.parents


@pytest.mark.parametrize("kind", sorted(HELDOUT))
def test_no_heldout_message_is_a_training_example(kind):
    seen = training_keys()
    overlap = [text for text in examples(HELDOUT[kind]) if key(text) in seen]
    assert overlap == []


@pytest.mark.parametrize("kind", sorted(HELDOUT))
def test_no_duplicates_inside_a_heldout_file(kind):
    counts = Counter(key(text) for text in examples(HELDOUT[kind]))
    assert [text for text, n in counts.items() if n > 1] == []


def test_sizes_and_languages():
    cases = load_cases(list(HELDOUT.values()))
    by = Counter((c.kind, c.lang) for c in cases)
    assert by[("long", "it")] + by[("long", "en")] >= 300
    assert by[("long", "it")] >= 150 and by[("long", "en")] >= 150
    assert by[("colloquial", "it")] >= 300
    assert by[("colloquial", "en")] >= 50


def test_every_safety_intent_is_in_every_kind_and_language():
    cases = load_cases(list(HELDOUT.values()))
    support = Counter((c.kind, c.lang, c.intent) for c in cases)
    for kind in HELDOUT:
        for lang in ("it", "en"):
            for intent in SAFETY:
                assert support[(kind, lang, intent)] >= 5, (kind, lang, intent)


def test_long_messages_are_long():
    long = [c for c in load_cases([HELDOUT["long"]])]
    assert all(len(c.text.split()) >= 8 for c in long)
    assert sum(len(re.findall(r"[.!?](\s|$)", c.text)) >= 2 for c in long) >= 0.8 * len(long)


def test_long_heldout_messages_are_not_reworded_training_examples():
    """A held-out long message shares less than 60% of its words with any training example."""
    train = [set(key(text).split()) for path in (ROOT / "data").rglob("*.yml") for text in examples(path)]
    close = []
    for text in examples(HELDOUT["long"]):
        words = set(key(text).split())
        best = max(len(words & other) / len(words | other) for other in train if other)
        if best >= 0.6:
            close.append((round(best, 2), text))
    assert close == []
