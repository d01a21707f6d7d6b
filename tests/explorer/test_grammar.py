"""The grammar: reproducible from its seed, and it covers every journey, both languages, every trait."""
from __future__ import annotations

from collections import Counter

from tests.explorer.grammar import DEBTORS, JOURNEYS, Answer, Button, Say, generate, strip_accents, typo
from tests.explorer.driver import resolve
from tests.explorer.invariants import Turn


def test_the_same_seed_and_index_give_the_same_script():
    assert generate(7, 42) == generate(7, 42)
    assert [generate(7, i).steps for i in range(50)] != [generate(8, i).steps for i in range(50)]


def test_a_thousand_scripts_cover_every_journey_language_and_trait():
    scripts = [generate(1, i) for i in range(1000)]
    assert {s.journey for s in scripts} == set(JOURNEYS)
    assert {s.language for s in scripts} == {"it", "en"}
    traits = Counter(t for s in scripts for t in s.traits)
    for trait in ("no_accents", "typo", "language_switch", "change_of_mind", "digression", "dont_know",
                  "twice", "typed_button", "pressed_button", "credentials_before", "credentials_inside",
                  "credentials_after", "credentials_after_one"):
        assert traits[trait] >= 10, (trait, traits)
    assert len({s.sender for s in scripts}) == 1000


def test_credentials_come_from_the_demo_ledger():
    pairs = {p for pairs in DEBTORS.values() for p in pairs}
    script = next(s for i in range(100) if "credentials_inside" in (s := generate(3, i)).traits)
    sent = " ".join(step.text for step in script.steps if isinstance(step, Say)).upper()
    assert any(invoice.upper() in sent and code.upper() in sent for invoice, code in pairs)


def test_typos_and_accents():
    assert strip_accents("qual è il mio saldo? più") == "qual e il mio saldo? piu"
    import random
    changed = typo("vorrei pagare a rate", random.Random(1))
    assert changed != "vorrei pagare a rate" and sorted(changed) == sorted("vorrei pagare a rate")


def test_button_and_answer_steps_follow_what_the_bot_offered():
    offer = [{"title": "Talk to a person", "payload": "/request_human"},
             {"title": "A payment plan", "payload": '/inform{"choice":"plan"}'}]
    transcript = [Turn("x", [{"text": "What would you prefer?", "buttons": offer}])]
    assert resolve(Button(0, typed=False), transcript) == '/inform{"choice":"plan"}'
    assert resolve(Button(0, typed=True), transcript) == "A payment plan"
    assert resolve(Button(0, typed=False), [Turn("x", [{"text": "Hi", "buttons": offer[:1]}])]) is None
    asked = [Turn("x", [{"text": "Quale importo ha pagato?", "buttons": []}])]
    assert resolve(Answer(False, 0), asked) == "100 euro"
    assert resolve(Answer(False, 0), [Turn("x", [{"text": "How much did you pay?"}])]) == "100 euros"
    assert resolve(Answer(False, 0), [Turn("x", [{"text": "Thank you."}])]) is None
