"""The pure pieces behind the conversation's edges: typed choices, non-answers, hours, cases."""
from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.creditor import SupportWindow
from bot.dialogue.cases import case_reference, dispute_response_business_days, parse_case_reference
from bot.dialogue.choices import DISPUTE_CATEGORIES, dispute_category, is_non_answer, typed_offer
from bot.dialogue.confusion import BUTTON_SLOTS, next_reply
from bot.dialogue.hours import WEEKDAYS, hours_text
from bot.dialogue.turn_events import is_returning, user_turns

WEEK = {d: SupportWindow(time(9), time(18)) for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.mark.parametrize("text", ["boh", "Boh.", "bohhh", "non lo so", "Non so", "mah", "non saprei",
                                  "I don't know", "dunno", "no idea", "??"])
def test_non_answers_are_recognised(text):
    assert is_non_answer(text)


@pytest.mark.parametrize("text", ["100", "non lo so, forse 100 euro", "boh 50", "no", "sì", "6 rate", ""])
def test_answers_are_not_non_answers(text):
    assert not is_non_answer(text)


@pytest.mark.parametrize("text,offered,expected", [
    ("la pausa", ("pause", "plan"), "pause"),
    ("preferisco un piano a rate", ("pause", "plan"), "plan"),
    ("Pausa pagamenti", ("pause", "plan"), "pause"),
    ("A repayment plan", ("pause", "plan"), "plan"),
    ("richiamatemi", ("callback", "continue"), "callback"),
    ("Continua in chat", ("callback", "continue"), "continue"),
    ("call me back", ("callback", "continue"), "callback"),
    ("no grazie", ("callback", "continue"), None),
    ("/inform", ("pause", "plan"), None),
    ("pausa o rate, non so", ("pause", "plan"), None),  # both named: not a choice
    ("richiamatemi", ("pause", "plan"), None),  # not among the offered options
])
def test_typed_offers(text, offered, expected):
    assert typed_offer(text, offered) == expected


def test_every_offer_button_label_is_understood_when_typed():
    from bot.messages import render
    for lang in ("it", "en"):
        for key, name in (("btn_pause", "pause"), ("btn_plan", "plan"), ("btn_callback", "callback"),
                          ("btn_continue_bot", "continue")):
            offered = ("pause", "plan") if name in ("pause", "plan") else ("callback", "continue")
            assert typed_offer(render(key, lang), offered) == name, (lang, key)


def test_every_dispute_button_label_names_its_category_when_typed():
    from bot.messages import render
    for lang in ("it", "en"):
        for category in DISPUTE_CATEGORIES:
            typed = render(f"btn_dispute_{category}", lang)
            assert (dispute_category(typed) or "other") == category, (lang, typed)


@pytest.mark.parametrize("text,expected", [
    ("non è mia, non l'ho mai ordinata", "not_mine"),
    ("l'importo è sbagliato", "amount_wrong"),
    ("la merce non è mai arrivata", "not_received"),
    ("the goods never arrived", "not_received"),
    ("avevo disdetto il contratto a marzo", "cancelled"),
    ("it was already cancelled", "cancelled"),
    ("Yes. I want to dispute this invoice, it's wrong", None),
])
def test_dispute_categories_from_words(text, expected):
    assert dispute_category(text) == expected


def test_first_non_answer_rephrases_the_second_offers_a_way_out():
    first = next_reply(None, "monthly_amount")
    assert (first.kind, first.count, first.asked) == ("rephrase", 1, True)
    second = next_reply(first.slot_value("monthly_amount", 3), "monthly_amount")
    assert (second.kind, second.count) == ("offer", 2)
    third = next_reply(second.slot_value("monthly_amount", 4), "monthly_amount")
    assert third.kind == "rephrase" and third.count == 3  # never the same line three times running
    assert next_reply(third.slot_value("monthly_amount", 5), "monthly_amount").kind == "offer"


@given(st.sampled_from(sorted(BUTTON_SLOTS | {"monthly_amount", "promise_date", "tax_code"})),
       st.sampled_from(["monthly_amount", "plan_choice", "nps_score", "paid_date"]), st.integers(1, 9))
def test_a_new_question_starts_counting_again(slot, other, count):
    previous = {"slot": other, "count": count, "asked": True, "turn": 1}
    reply = next_reply(previous, slot)
    expected = count + 1 if other == slot else 1
    assert reply.count == expected
    assert (reply.kind == "offer") == (expected % 2 == 0)
    if reply.kind != "offer":
        assert reply.asked == (slot not in BUTTON_SLOTS)


def test_hours_are_grouped_with_the_time_zone():
    assert hours_text(WEEK, "it") == "lun–ven 9:00–18:00, ora italiana"
    assert hours_text(WEEK, "en") == "Mon–Fri 9:00–18:00, Italian time"
    saturday = {**WEEK, "sat": SupportWindow(time(9), time(13))}
    assert hours_text(saturday, "it") == "lun–ven 9:00–18:00, sab 9:00–13:00, ora italiana"
    gap = {d: w for d, w in WEEK.items() if d != "wed"}
    assert hours_text(gap, "en") == "Mon–Tue 9:00–18:00, Thu–Fri 9:00–18:00, Italian time"
    assert "nessun orario" in hours_text({}, "it")


@given(st.sets(st.sampled_from(WEEKDAYS)))
def test_every_open_day_is_named_once(days):
    windows = {d: SupportWindow(time(9), time(18)) for d in days}
    text = hours_text(windows, "en")
    assert text.endswith("Italian time") == bool(days)
    # one range per run of consecutive open days
    runs = sum(1 for i, d in enumerate(WEEKDAYS) if d in days and (i == 0 or WEEKDAYS[i - 1] not in days))
    assert text.count("9:00–18:00") == runs
    assert ("no support hours" in text) == (not days)


def test_case_references_are_readable_and_round_trip():
    assert case_reference("dispute", 11, date(2026, 12, 3)) == "CT-2026-000011"
    assert case_reference("reconciliation", 1234567, date(2027, 1, 2)) == "RC-2027-1234567"
    assert parse_case_reference(" ct-2026-000011 ") == ("dispute", 2026, 11)
    assert parse_case_reference("11") is None


@given(st.sampled_from(["dispute", "reconciliation"]), st.integers(0, 10**9), st.dates())
def test_case_references_parse_back(kind, number, opened):
    assert parse_case_reference(case_reference(kind, number, opened)) == (kind, opened.year, number)


def test_dispute_answer_days_come_from_the_creditor_file(tmp_path, monkeypatch):
    from bot.settings import get_settings
    path = tmp_path / "creditor.yml"
    path.write_text("disputes:\n  response_business_days: 7\n", encoding="utf-8")
    monkeypatch.setenv("CREDITOR_FILE", str(path))
    get_settings.cache_clear()
    dispute_response_business_days.cache_clear()
    try:
        assert dispute_response_business_days() == 7
        path.write_text("disputes:\n  response_business_days: 0\n", encoding="utf-8")
        dispute_response_business_days.cache_clear()
        with pytest.raises(ValueError, match="between 1 and 60"):
            dispute_response_business_days()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        dispute_response_business_days.cache_clear()
    assert dispute_response_business_days() == 10


def test_returning_means_an_earlier_session_with_a_message():
    first = [{"event": "session_started"}, {"event": "user", "text": "ciao"}]
    assert not is_returning(first)
    assert is_returning(first + [{"event": "session_started"}, {"event": "user", "text": "eccomi"}])
    assert not is_returning([{"event": "session_started"}, {"event": "session_started"}])
    assert user_turns(first + [{"event": "user"}]) == 2


def test_the_last_action_before_the_latest_message():
    from bot.dialogue.turn_events import last_action_before_message

    def act(name: str) -> dict:
        return {"event": "action", "name": name}

    said_no = {"event": "user", "text": "no"}
    events = [act("action_session_start"), {"event": "user", "text": "ciao"}, act("action_greet"),
              act("action_listen"), said_no, act("action_affirm"), act("action_listen"), said_no]
    assert last_action_before_message(events) == "action_affirm"
    assert last_action_before_message(events[:5]) == "action_greet"
    assert last_action_before_message([act("action_listen"), said_no]) is None  # nothing said before
    assert last_action_before_message([act("action_greet")]) is None  # no message yet


def test_a_typed_dispute_button_title_names_only_its_category():
    from bot.dialogue.choices import typed_dispute_button

    assert typed_dispute_button("Already cancelled") == "cancelled"
    assert typed_dispute_button("already cancelled.") == "cancelled"
    assert typed_dispute_button("Importo errato") == "amount_wrong"
    assert typed_dispute_button("Non è mia") == "not_mine"
    assert typed_dispute_button("the invoice was already cancelled in May") is None  # a description


def test_a_typed_button_title_is_found_in_either_language():
    from bot.dialogue.choices import typed_button

    keys = ("btn_confirm_plan", "btn_other_figures")
    assert typed_button("Altre cifre", keys) == "btn_other_figures"
    assert typed_button("other figures", keys) == "btn_other_figures"
    assert typed_button("Confermo il piano", keys) == "btn_confirm_plan"
    assert typed_button("altre cifre per favore, più basse", keys) is None


def test_the_nps_question_counts_as_asked_only_in_the_current_session():
    from bot.dialogue.turn_events import nps_asked_in_session

    asked = [{"event": "user", "text": "no"}, {"event": "action", "name": "nps_form"}]
    assert nps_asked_in_session(asked)
    assert not nps_asked_in_session([{"event": "action", "name": "action_affirm"}])
    assert not nps_asked_in_session(asked + [{"event": "session_started"}, {"event": "user", "text": "ciao"}])


def test_the_last_bot_text_is_the_one_before_the_latest_message():
    from bot.dialogue.turn_events import last_bot_text

    events = [{"event": "bot", "text": "Posso aiutarLa?"}, {"event": "user", "text": "100"},
              {"event": "bot", "text": "this turn's own reply"}]
    assert last_bot_text(events) == "Posso aiutarLa?"
    assert last_bot_text([{"event": "user", "text": "ciao"}]) is None
