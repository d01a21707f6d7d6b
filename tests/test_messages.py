"""The assistant's voice: every template renders in both languages, in the agreed tone."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import jinja2
import pytest
from jinja2 import meta

from bot.messages import (
    LANGUAGES, UnknownMessageKey, available_keys, format_date, format_money, format_on_date,
    format_weekday_date, render, supported_language,
)
from bot.messages.render import _environment, template_source

D = Decimal
INVOICES = [
    {"number": "FT-2026/00417", "due_date": date(2026, 10, 15), "open_amount": D("1000.50"),
     "days_overdue": 12, "hold": None},
    {"number": "FT-2026/00533", "due_date": date(2026, 12, 15), "open_amount": D("240.00"),
     "days_overdue": 0, "hold": "dispute"},
]
OPTIONS = [
    {"index": 1, "count": 6, "amount": D("206.75"), "last_amount": D("206.75"), "first_due": date(2026, 12, 15)},
    {"index": 2, "count": 12, "amount": D("103.38"), "last_amount": D("103.32"), "first_due": date(2026, 12, 15)},
]
SCHEDULE = [{"number": n, "due_date": date(2027, n, 15), "amount": D("413.50")} for n in (1, 2, 3)]
PAY = {"iban": "IT60X0542811101000000123456", "reference": "FT-2026/00417 C-001", "pay_link": "https://pay.example/x"}

# The documented context of every key: what the callers pass.
SAMPLES: dict[str, dict[str, Any]] = {
    "welcome": {"creditor": "Acme Energia", "agent_word": "operatore", "returning": False},
    "ask_invoice_number": {},
    "ask_tax_code": {},
    "verified_how_can_help": {},
    "ask_tax_code_retype": {},
    "tax_code_invalid_business": {},
    "tax_code_invalid_consumer": {},
    "ask_tax_code_prefilled": {"invoice_number": "FT-2026/00417"},
    "verification_failed": {"attempts_left": 2},
    "verification_locked": {"minutes": 30, "agent_word": "operatore"},
    "verified": {"name": "Mario Rossi"},
    "balance_summary": {"total": D("1240.50"), "invoices": INVOICES, "currency": "EUR"},
    "nothing_due": {},
    "payment_methods": {**PAY, "bic": "BPMOIT22XXX", "total": D("1240.50")},
    "invoice_copy": {"number": "FT-2026/00417", "issue_date": date(2026, 9, 15), "due_date": date(2026, 10, 15),
                     "amount": D("1240.50"), "open_amount": D("1000.50"), "email_masked": "m***@example.com"},
    "difficulty_ack": {},
    "ask_sustainable_amount": {"min_instalment": D("25.00")},
    "vulnerability_ack": {},
    "plan_options": {"options": OPTIONS, "currency": "EUR"},
    "plan_option_label": {"count": 6, "amount": D("206.75")},
    "plan_schedule": {"instalments": SCHEDULE, "total": D("1240.50"), "count": 3},
    "plan_recorded": {"count": 3, "first_amount": D("413.50"), "first_due": date(2027, 1, 15), **PAY,
                      "bic": "BPMOIT22XXX"},
    "plan_declined": {},
    "plan_unaffordable": {"min_amount": D("103.38")},
    "plan_nothing_payable": {},
    "promise_nothing_payable": {},
    "currency_confirm": {"amount_original": "200", "currency_original": "USD", "amount_eur": D("184.20")},
    "promise_ask_amount": {"total": D("1240.50")},
    "promise_ask_date": {},
    "promise_date_too_far": {"max_days": 30},
    "promise_amount_too_high": {"total": D("1240.50")},
    "promise_recorded": {"amount": D("300.00"), "date": date(2026, 12, 18), "reminder_date": date(2026, 12, 16)},
    "paid_ask_date": {},
    "paid_ask_amount": {},
    "paid_ask_reference": {},
    "paid_matched": {"amount": D("240.00"), "date": date(2026, 11, 3)},
    "paid_reconciliation": {"case_id": "RC-2026-000042", "days": 5},
    "dispute_ask_reason": {},
    "dispute_recorded": {"case_id": "CT-2026-000007", "respond_by": date(2026, 12, 1)},
    "opt_out_confirmed": {"channel_label": "WhatsApp"},
    "opt_in_confirmed": {"channel_label": "SMS"},
    "help_keywords": {"creditor": "Acme Energia", "support_phone": "+39 02 0000 0000"},
    "handoff_queued": {"wait_minutes": 15, "hours": "lun 09:00-18:00"},
    "handoff_after_hours": {"hours": "lun 09:00-18:00"},
    "handoff_waiting_note": {"wait_minutes": 10},
    "handoff_sla_apology": {},
    "handoff_returned": {},
    "callback_booked": {},
    "payment_pause_recorded": {"days": 30},
    "need_verification": {},
    "nps_ask_score": {"creditor": "Acme Energia"},
    "nps_invalid_score": {},
    "nps_ask_reason": {},
    "nps_ask_improvement": {},
    "nps_thanks": {},
    "anything_else": {},
    "fallback": {"agent_word": "operatore"},
    "out_of_scope": {},
    "bot_challenge": {"creditor": "Acme Energia", "agent_word": "operatore"},
    "goodbye": {},
    "you_are_welcome": {},
    "greet_again": {},
    "too_long": {"max_chars": 1000},
    "unsupported_media": {},
    "value_not_understood_amount": {},
    "value_not_understood_date": {},
    "value_not_understood_choice": {"count": 3},
    "value_not_understood_tax_code": {},
    "value_not_understood_invoice": {},
    "complaint_ack": {},
    "agent_message": {"agent_name": "Giulia", "text": "Buongiorno, sono Giulia."},
    "agent_joined": {"agent_name": "Giulia"},
    "agent_closed": {"agent_name": "Giulia"},
    "btn_agent": {}, "btn_yes": {}, "btn_no": {}, "btn_pause": {}, "btn_callback": {},
    "btn_continue_bot": {}, "btn_confirm_plan": {}, "btn_other_figures": {},
    "btn_plan": {}, "btn_stop": {}, "btn_dispute_not_mine": {}, "btn_dispute_amount_wrong": {},
    "btn_dispute_not_received": {}, "btn_dispute_cancelled": {}, "btn_dispute_other": {},
    "dispute_ask_category": {},
    "confusion_offer": {"slot": "monthly_amount"},
    "not_understood_pick": {},
}
BUTTON_KEYS = sorted(k for k in SAMPLES if k.startswith("btn_")) + ["plan_option_label"]

PRESSURE_WORDS = {
    "it": ["ultimo avviso", "diffida", "azioni legali", "pignoramento", "decreto ingiuntivo",
           "ufficiale giudiziario", "sollecito", "moroso", "insolvente", "debito", "debitore"],
    "en": ["final notice", "legal action", "bailiff", "court", "delinquent", "debt collector",
           "overdue notice", "debt"],
}
# GSM-7 basic set plus its extension table: one character outside it makes an SMS UCS-2.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà" "^{}\\[~]|€"
)

LANG_KEYS = [(lang, key) for lang in LANGUAGES for key in sorted(SAMPLES)]


def test_both_languages_have_exactly_the_same_keys() -> None:
    assert available_keys("it") == available_keys("en")


def test_every_template_has_a_documented_sample_context() -> None:
    assert available_keys("it") == set(SAMPLES)


@pytest.mark.parametrize("lang,key", LANG_KEYS)
def test_every_template_renders_with_its_sample_context(lang: str, key: str) -> None:
    text = render(key, lang, **SAMPLES[key])
    assert text and text == text.strip()
    assert "\n\n\n" not in text and not re.search(r"[ \t]\n", text)
    assert set(text) <= GSM7, f"{lang}/{key}: not SMS-safe: {set(text) - GSM7}"


@pytest.mark.parametrize("lang,key", LANG_KEYS)
def test_templates_only_use_documented_variables(lang: str, key: str) -> None:
    # Catches typos in branches the sample context does not take.
    env = _environment(lang)
    used = meta.find_undeclared_variables(env.parse(template_source(key, lang)))
    assert used <= set(SAMPLES[key]), f"{lang}/{key} uses {used - set(SAMPLES[key])}"


@pytest.mark.parametrize("lang,key", LANG_KEYS)
def test_no_pressure_or_collection_words(lang: str, key: str) -> None:
    text = " ".join(template_source(key, lang).lower().split())
    found = [w for w in PRESSURE_WORDS[lang] if w in text]
    assert not found, f"{lang}/{key} contains {found}"


@pytest.mark.parametrize("lang,key", LANG_KEYS)
def test_at_most_one_question_per_message(lang: str, key: str) -> None:
    assert template_source(key, lang).count("?") <= 1


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("key", BUTTON_KEYS)
def test_button_labels_fit_twenty_characters(lang: str, key: str) -> None:
    ctx = {"count": 24, "amount": D("99999.99")} if key == "plan_option_label" else {}
    label = render(key, lang, **ctx)
    assert 0 < len(label) <= 20 and "\n" not in label, label


def test_italian_uses_the_formal_lei() -> None:
    informal = re.compile(r"\b(tu|ti|tuo|tua|tuoi|tue|puoi|vuoi|hai|scrivi|dimmi|scegli)\b", re.I)
    for key in SAMPLES:
        text = render(key, "it", **SAMPLES[key])
        assert not informal.search(text), f"it/{key}: {informal.search(text)}"


# --- formatting ------------------------------------------------------------------------

def test_money_in_italian_and_english() -> None:
    assert format_money(D("1240.50"), "it") == "1.240,50 €"
    assert format_money(D("1240.50"), "en") == "€1,240.50"
    assert format_money(D("25"), "it") == "25,00 €"
    assert format_money(D("0.5"), "en") == "€0.50"


def test_money_in_another_currency() -> None:
    assert format_money(D("200"), "en", "USD") == "US$200.00"
    assert format_money(D("200"), "it", "usd").startswith("200,00")


@pytest.mark.parametrize("bad", [1240.5, "1240.50", None, True])
def test_money_refuses_anything_but_decimal(bad: Any) -> None:
    with pytest.raises(TypeError):
        format_money(bad, "it")


def test_money_refuses_non_finite_decimals() -> None:
    with pytest.raises(ValueError):
        format_money(D("NaN"), "it")


def test_float_money_in_a_template_is_an_error() -> None:
    with pytest.raises(TypeError):
        render("promise_amount_too_high", "it", total=1240.5)


def test_dates() -> None:
    assert format_date(date(2026, 12, 15), "it") == "15 dicembre 2026"
    assert format_date(date(2026, 12, 15), "en") == "15 December 2026"
    assert format_date(datetime(2026, 12, 15, 9, 30), "en") == "15 December 2026"
    assert format_weekday_date(date(2026, 12, 18), "it") == "venerdì 18 dicembre"
    assert format_weekday_date(date(2026, 12, 18), "en") == "Friday 18 December"
    with pytest.raises(TypeError):
        format_date("2026-12-15", "it")  # type: ignore[arg-type]


@pytest.mark.parametrize("day,expected", [
    (15, "il 15 dicembre 2026"), (1, "l'1 dicembre 2026"), (8, "l'8 dicembre 2026"),
    (11, "l'11 dicembre 2026"), (18, "il 18 dicembre 2026"),
])
def test_italian_date_article_is_elided_before_a_vowel(day: int, expected: str) -> None:
    assert format_on_date(date(2026, 12, day), "it") == expected


def test_on_date_in_templates() -> None:
    assert format_on_date(date(2026, 12, 8), "en") == "on 8 December 2026"
    assert "entro l'8 dicembre 2026." in render("dispute_recorded", "it", case_id="D-1", respond_by=date(2026, 12, 8))
    text = render("promise_recorded", "it", amount=D("300"), date=date(2026, 12, 11), reminder_date=date(2026, 12, 9))
    assert "entro l'11 dicembre 2026" in text and "promemoria il 9 dicembre 2026" in text


def test_weekday_date_filter_is_available_to_templates() -> None:
    template = _environment("it").from_string("{{ d|weekday_date }} / {{ d|date }} / {{ a|money('USD') }}")
    assert template.render(d=date(2026, 12, 18), a=D("5")) == "venerdì 18 dicembre / 18 dicembre 2026 / 5,00 USD"


@pytest.mark.parametrize("given,expected", [
    ("it", "it"), ("en", "en"), ("EN", "en"), ("en-GB", "en"), ("en_US", "en"), ("it-IT", "it"),
    ("fr", "it"), ("", "it"), (None, "it"), ("english", "it"),
])
def test_supported_language(given: str | None, expected: str) -> None:
    assert supported_language(given) == expected


# --- rendering rules -------------------------------------------------------------------

def test_missing_variable_is_an_error() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("welcome", "it", creditor="Acme Energia")


@pytest.mark.parametrize("key", ["no_such_key", "../it/welcome", "welcome.j2", "", "Welcome"])
def test_unknown_key_is_a_clear_key_error(key: str) -> None:
    with pytest.raises(UnknownMessageKey) as err:
        render(key, "it")
    assert isinstance(err.value, KeyError)
    assert "no message template" in str(err.value)


def test_unsupported_language_falls_back_to_italian() -> None:
    assert render("btn_yes", "de") == render("btn_yes", "it") == "Sì"
    assert render("btn_yes", "en-GB") == "Yes"


def test_no_autoescaping_in_plain_text() -> None:
    text = render("agent_message", "en", agent_name="Ann & Co", text="<b>1 < 2</b>")
    assert text == "Ann & Co (agent): <b>1 < 2</b>"


# --- what particular messages must say ---------------------------------------------------

@pytest.mark.parametrize("lang,word", [("it", "virtuale"), ("en", "virtual")])
def test_welcome_discloses_automation_and_the_way_to_a_person(lang: str, word: str) -> None:
    text = render("welcome", lang, creditor="Acme Energia", agent_word="AGENTWORD")
    assert word in text and "Acme Energia" in text and '"AGENTWORD"' in text


def test_balance_summary_lists_each_invoice_neutrally() -> None:
    text = render("balance_summary", "it", **SAMPLES["balance_summary"])
    lines = text.splitlines()
    assert "1.240,50 €" in lines[0]
    assert lines[1] == "- Fattura FT-2026/00417: 1.000,50 €, scaduta il 15 ottobre 2026"
    assert lines[2] == "- Fattura FT-2026/00533: 240,00 €, scadenza 15 dicembre 2026 (segnalazione in verifica)"
    assert len(lines) == 3
    en = render("balance_summary", "en", **SAMPLES["balance_summary"]).splitlines()
    assert en[1] == "- Invoice FT-2026/00417: €1,000.50, was due on 15 October 2026"
    assert en[2].startswith("- Invoice FT-2026/00533: €240.00, due 15 December 2026 (")


def test_balance_summary_without_hold_key() -> None:
    invoices = [{k: v for k, v in INVOICES[0].items() if k != "hold"}]
    text = render("balance_summary", "en", total=D("1000.50"), invoices=invoices, currency="EUR")
    assert text.splitlines()[-1] == "- Invoice FT-2026/00417: €1,000.50, was due on 15 October 2026"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_verification_failed_counts_attempts(lang: str) -> None:
    one = render("verification_failed", lang, attempts_left=1)
    two = render("verification_failed", lang, attempts_left=2)
    none = render("verification_failed", lang, attempts_left=0)
    assert "1" in one and "2" in two and not re.search(r"\d", none)
    for text in (one, two, none):
        # Never say which factor was wrong.
        assert not re.search(r"codice fiscale|partita|numero della fattura|tax code|VAT|invoice number", text, re.I)


def test_payment_methods_without_link_reference_or_total() -> None:
    text = render("payment_methods", "it", iban="IT60X054", bic="", reference="", pay_link="", total=None)
    assert "IT60X054" in text and "http" not in text and "€" not in text and "BIC" not in text
    assert "numero della fattura" in text
    full = render("payment_methods", "en", **SAMPLES["payment_methods"])
    assert "€1,240.50" in full and "https://pay.example/x" in full.splitlines()
    assert "Reference: FT-2026/00417 C-001" in full and "BIC: BPMOIT22XXX" in full


def test_invoice_copy_mentions_the_email_only_when_known() -> None:
    ctx = dict(SAMPLES["invoice_copy"])
    assert "m***@example.com" in render("invoice_copy", "it", **ctx)
    ctx["email_masked"] = ""
    assert "@" not in render("invoice_copy", "it", **ctx)


def test_plan_options_are_numbered_with_first_due_date() -> None:
    lines = render("plan_options", "it", **SAMPLES["plan_options"]).splitlines()
    assert lines[1] == "1) 6 rate mensili da 206,75 €, prima rata il 15 dicembre 2026"
    assert lines[2] == "2) 12 rate mensili da 103,38 € (l'ultima da 103,32 €), prima rata il 15 dicembre 2026"
    assert "?" in lines[3] and len(lines) == 4
    en = render("plan_options", "en", **SAMPLES["plan_options"]).splitlines()
    assert en[1] == "1) 6 monthly instalments of €206.75, first on 15 December 2026"


def test_plan_schedule_lists_every_instalment_and_asks_to_confirm() -> None:
    lines = render("plan_schedule", "it", **SAMPLES["plan_schedule"]).splitlines()
    assert lines[1:4] == ["1. 15 gennaio 2027: 413,50 €", "2. 15 febbraio 2027: 413,50 €", "3. 15 marzo 2027: 413,50 €"]
    assert lines[-1] == "Conferma questo piano?"


def test_plan_option_label() -> None:
    assert render("plan_option_label", "it", count=6, amount=D("206.75")) == "6 x 206,75 €"
    assert render("plan_option_label", "en", count=6, amount=D("206.75")) == "6 x €206.75"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_promise_ask_amount_with_and_without_total(lang: str) -> None:
    assert re.search(r"1[.,]240[.,]50", render("promise_ask_amount", lang, total=D("1240.50")))
    assert not re.search(r"\d", render("promise_ask_amount", lang, total=None))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_paid_matched_tolerates_missing_details(lang: str) -> None:
    assert not re.search(r"\d", render("paid_matched", lang, amount=None, date=None))


@pytest.mark.parametrize("lang,key,ctx,singular", [
    ("it", "handoff_waiting_note", {"wait_minutes": 1}, "un minuto"),
    ("en", "handoff_waiting_note", {"wait_minutes": 0}, "one minute"),
    ("it", "payment_pause_recorded", {"days": 1}, "1 giorno."),
    ("en", "paid_reconciliation", {"case_id": "R-1", "days": 1}, "1 working day."),
    ("it", "verification_locked", {"minutes": 1, "agent_word": "operatore"}, "1 minuto."),
])
def test_singular_forms(lang: str, key: str, ctx: dict, singular: str) -> None:
    assert singular in render(key, lang, **ctx)


def test_nps_questions_follow_the_survey_wording() -> None:
    assert render("nps_ask_reason", "it").endswith("Qual è la ragione del Suo voto?")
    assert render("nps_ask_improvement", "it") == "Cosa renderebbe l'esperienza perfetta?"
    assert render("nps_ask_improvement", "en") == "What would make the experience perfect?"
    assert "0 a 10" in render("nps_ask_score", "it", creditor="Acme") and "Acme" in render(
        "nps_ask_score", "en", creditor="Acme")


@pytest.mark.parametrize("key", ["payment_methods", "plan_recorded"])
def test_bank_details_carry_the_bic_in_both_languages(key: str) -> None:
    for lang in ("it", "en"):
        assert "BIC: BPMOIT22XXX" in render(key, lang, **SAMPLES[key]), f"{lang}/{key}"
