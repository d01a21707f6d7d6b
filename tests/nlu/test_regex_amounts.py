"""The amount shapes in data/nlu/regex_amounts.yml match as RegexFeaturizer applies them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def patterns(name: str) -> list[re.Pattern[str]]:
    data = yaml.safe_load((ROOT / "data" / "nlu" / name).read_text(encoding="utf-8"))
    found = [line.strip()[2:] for block in data["nlu"] if block.get("regex") == "amount"
             for line in block["examples"].splitlines() if line.strip().startswith("- ")]
    # config.yml sets use_word_boundaries: the featurizer wraps every pattern in \b...\b
    return [re.compile(rf"\b{p}\b", re.IGNORECASE) for p in found]


def matches(name: str, text: str) -> list[str]:
    return [m.group() for p in patterns(name) for m in p.finditer(text)]


@pytest.mark.parametrize("text, number", [
    ("posso darvi €80 al mese", "80"), ("I can pay £ 120 a month", "120"),
    ("the invoice was €1,240.50", "1,240.50"), ("ho pagato € 389,90 ieri", "389,90"), ("$45", "45"),
])
def test_number_after_a_currency_symbol_is_marked(text, number):
    assert number in matches("regex_amounts.yml", text)


@pytest.mark.parametrize("text", ["fattura 2026/1187", "pago il 15", "RSSMRA85T10A562S", "in 12 rate"])
def test_numbers_without_a_currency_symbol_are_not(text):
    assert matches("regex_amounts.yml", text) == []


def test_the_currency_first_shapes_of_regex_yml_never_match_after_a_space():
    """Why regex_amounts.yml exists: with word boundaries, "€80" after a space is missed."""
    assert matches("regex.yml", "posso darvi €80 al mese") == []
