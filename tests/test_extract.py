"""Reading slot values out of free text, as the forms do."""
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dialogue import extract

TODAY = date(2026, 11, 23)


def no_known(keys):
    return set()


def test_known_invoice_wins_over_other_candidates():
    text = "fattura 2026/1187 e anche FT-2026/00417"
    assert extract.pick_invoice(text, [], lambda keys: {"FT-2026/00417"}) == "FT-2026/00417"


def test_an_unknown_invoice_is_still_returned_so_the_attempt_counts():
    assert extract.pick_invoice("la fattura è XY-99/1", [], no_known) == "XY-99/1"


def test_both_factors_in_one_message():
    text = "fattura FT-2026/00417, codice fiscale rssmra85t10a562s"
    assert extract.pick_invoice(text, [], no_known) == "FT-2026/00417"
    assert extract.pick_tax_code(text, []) == "RSSMRA85T10A562S"


@pytest.mark.parametrize("text", ["", "🙂", "'; DROP TABLE invoices;--", "x" * 5000])
def test_junk_gives_nothing(text):
    assert extract.pick_tax_code(text, []) is None
    assert extract.pick_money(text) is None


def test_instalment_counts_only_when_instalments_are_mentioned():
    assert extract.pick_instalments("in 6 rate", "it") == 6
    assert extract.pick_instalments("twelve monthly payments", "en") == 12
    assert extract.pick_instalments("150 euro", "it") is None


@pytest.mark.parametrize("text, expected", [("1", 1), ("la seconda", 2), ("the last one", 3), ("opzione 3", 3)])
def test_choice_by_number_or_ordinal(text, expected):
    assert extract.pick_choice(text, [], 3, "it") == expected


def test_choice_from_a_button_payload_entity():
    assert extract.pick_choice("", [{"entity": "choice", "value": "2"}], 3, "en") == 2
    assert extract.pick_choice("", [{"entity": "choice", "value": "9"}], 3, "en") is None


def test_past_dates_for_payments_already_made():
    assert extract.pick_past_date("ieri", "it", TODAY) == date(2026, 11, 22)
    assert extract.pick_past_date("il 3 novembre", "it", TODAY) == date(2026, 11, 3)
    assert extract.pick_past_date("today", "en", TODAY) == TODAY


def test_money_and_currency():
    assert extract.pick_money("150 euro al mese") == (Decimal("150.00"), "EUR")
    assert extract.pick_money("$300")[1] == "USD"
    assert extract.mentions_currency("100 €") and not extract.mentions_currency("100")


def test_nps_score_from_text_or_button():
    assert extract.pick_nps_score("direi 9", []) == 9
    assert extract.pick_nps_score("", [{"entity": "choice", "value": "7"}]) == 7
    assert extract.pick_nps_score("ciao", []) is None


def test_free_text_refuses_commands_and_trims():
    assert extract.free_text("/restart") is None
    assert extract.free_text("  la merce   era difettosa ") == "la merce era difettosa"
    assert len(extract.free_text("a" * 5000)) == 2000


def test_no_reference_answers():
    assert extract.no_reference("non ce l'ho") and extract.no_reference("I don't have it")
    assert not extract.no_reference("CRO 123456")


@pytest.mark.parametrize("text, kind", [
    ("RSSMRA85T10A562X", "consumer"),                      # wrong check letter
    ("codice fiscale rssmra85t10a562x", "consumer"),
    ("RSS MRA 85T10 A562X", "consumer"),                  # typed in groups
    ("RSSMRA85T1OA562S", "consumer"),                      # letter O for a zero
    ("fattura FT-2026/00417, codice fiscale RSSMRA85T10A562X", "consumer"),
    ("partita IVA 12345678901", "business"),
])
def test_a_code_failing_its_check_character_is_noticed(text, kind):
    assert extract.pick_tax_code(text, []) is None
    assert extract.pick_invalid_tax_code(text, []) == kind


@pytest.mark.parametrize("text", ["RSSMRA85T10A562S", "fattura FT-2026/00417", "Buongiorno, quanto devo?",
                                  "CONSIDERATIONSAB", "chiamatemi al 33355501011", "IT12345678903"])
def test_nothing_invalid_where_no_mistyped_code_is(text):
    assert extract.pick_invalid_tax_code(text, []) is None


def test_eleven_digits_count_as_a_partita_iva_only_when_one_is_expected():
    assert extract.pick_invalid_tax_code("12345678901", []) is None
    assert extract.pick_invalid_tax_code("12345678901", [], expecting=True) == "business"


def test_a_mistyped_codice_fiscale_is_not_an_invoice_number():
    assert extract.pick_invoice("RSSMRA85T10A562X", [], no_known) is None
    assert extract.pick_invoice("FT-2026/00417 RSSMRA85T10A562X", [], no_known) == "FT-2026/00417"


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", max_size=40))
def test_a_valid_code_is_never_called_invalid(text):
    if extract.pick_tax_code(text, []):
        assert extract.pick_invalid_tax_code(text, []) is None


def test_a_typed_plan_option_title_gives_its_instalment_count():
    from bot.dialogue.extract import pick_option_count

    assert pick_option_count("5 x 192,00 €") == 5
    assert pick_option_count("3 x €85.00") == 3
    assert pick_option_count("12×80,00 €") == 12
    assert pick_option_count("150 euro al mese") is None
    assert pick_option_count("ne vorrei 5") is None


def test_that_s_all_is_not_the_whole_amount():
    from bot.dialogue.extract import asks_for_whole_balance

    assert asks_for_whole_balance("pago tutto") and asks_for_whole_balance("the whole amount")
    assert not asks_for_whole_balance("no grazie, è tutto")
    assert not asks_for_whole_balance("no thanks, that's all")
