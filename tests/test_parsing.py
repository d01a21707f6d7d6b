"""Entity normalisers: table-driven examples in Italian and English, plus junk input."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.it import codicefiscale

from bot.parsing import (
    find_invoice_candidates, find_tax_code, invoice_key, normalise_tax_code, parse_amount, parse_date,
    parse_money, parse_nps_score, parse_number, tax_code_kind,
)
from bot.privacy import mask_email, mask_phone, mask_tax_code

D = Decimal
FRIDAY = date(2026, 11, 20)
CF = "RSSMRA85T10A562S"
OMOCODIC_CF = "RSSMRA85T10A56NH"  # the same person with the last digit swapped for a letter
PIVA = "12345670124"
JUNK = ["", " ", "🙂", "x" * 5000, "1" * 5000, "'; DROP TABLE invoices;--", "ciao", "\x00\x01", "∞", "NaN"]


def test_test_codes_are_valid() -> None:
    assert codicefiscale.calc_check_digit(CF[:15]) == CF[15]
    assert codicefiscale.calc_check_digit(OMOCODIC_CF[:15]) == OMOCODIC_CF[15]


@pytest.mark.parametrize("text, expected", [
    ("1.240,50 €", "1240.50"),
    ("€1,240.50", "1240.50"),
    ("1240", "1240.00"),
    ("1.240", "1240.00"),
    ("1,240", "1240.00"),
    ("12.50", "12.50"),
    ("240,5", "240.50"),
    ("EUR 99", "99.00"),
    ("EUR99", "99.00"),
    ("100€", "100.00"),
    ("1 240,50 €", "1240.50"),
    ("1.240.000,00", "1240000.00"),
    ("duecento euro", "200.00"),
    ("two hundred euros", "200.00"),
    ("a hundred euros", "100.00"),
    ("200 euro al mese", "200.00"),
    ("posso dare 150 al mese", "150.00"),
    ("mille e cinquecento", "1500.00"),
    ("duecentoventi euro e cinquanta", "220.50"),
    ("10 euros and 5 cents", "10.05"),
    ("1,5k", "1500.00"),
    ("12 rate da 100 euro", "100.00"),
    ("alle 15:30 pago 200", "200.00"),
])
def test_parse_amount(text, expected) -> None:
    assert parse_amount(text) == D(expected)


@pytest.mark.parametrize("text", [
    *JUNK, "3 rate", "pago il 15", "10/10", "FT-2026/00417", "chiamatemi al 3331234567", "-200",
    "12.5000", "0,500", "1.2.3", "5%", "99999999999 euro",
])
def test_parse_amount_refuses(text) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize("text, amount, currency", [
    ("1.240,50 €", "1240.50", "EUR"),
    ("200", "200.00", "EUR"),
    ("$50", "50.00", "USD"),
    ("50 USD", "50.00", "USD"),
    ("50 dollari", "50.00", "USD"),
    ("two hundred dollars", "200.00", "USD"),
    ("£20", "20.00", "GBP"),
    ("20 sterline", "20.00", "GBP"),
    ("CHF 100", "100.00", "CHF"),
    ("1'240.50 CHF", "1240.50", "CHF"),
    ("100 franchi svizzeri", "100.00", "CHF"),
    ("sono 300, in dollari", "300.00", "USD"),
])
def test_parse_money_currency(text, amount, currency) -> None:
    assert parse_money(text) == (D(amount), currency)


@pytest.mark.parametrize("text, lang, expected", [
    ("3", None, 3), ("tre", "it", 3), ("three", "en", 3), ("12 rate", "it", 12),
    ("dodici mesi", "it", 12), ("in 6 months", "en", 6), ("due rate", "it", 2), ("two", "en", 2),
    ("vorrei pagare in ventiquattro rate", "it", 24), ("twenty-four instalments", None, 24),
])
def test_parse_number(text, lang, expected) -> None:
    assert parse_number(text, lang) == expected


@pytest.mark.parametrize("text", [*JUNK, "3,5 rate", "1.240", "the payment is due", "FT2026"])
def test_parse_number_refuses(text) -> None:
    assert parse_number(text, "en") is None


@pytest.mark.parametrize("text, expected", [
    ("8", 8), ("otto", 8), ("direi 9", 9), ("10/10", 10), ("un 7", 7), ("nine", 9), ("I'd say 6", 6),
    ("0", 0), ("zero", 0), ("dieci", 10), ("ten", 10), ("8 su 10", 8), ("7 out of 10", 7),
    ("voto: 9!", 9), ("Le darei un 8 perché siete stati gentili", 8),
])
def test_parse_nps_score(text, expected) -> None:
    assert parse_nps_score(text) == expected


@pytest.mark.parametrize("text", [*JUNK, "100", "11", "-3", "7,5", "tra 7 e 8", "undici"])
def test_parse_nps_score_refuses(text) -> None:
    assert parse_nps_score(text) is None


@pytest.mark.parametrize("text, lang, expected", [
    ("venerdì", "it", date(2026, 11, 27)),     # today is a Friday: the next one
    ("venerdi", "it", date(2026, 11, 27)),
    ("lunedì", "it", date(2026, 11, 23)),
    ("next friday", "en", date(2026, 11, 27)),
    ("venerdì della prossima settimana", "it", date(2026, 11, 27)),
    ("fine mese", "it", date(2026, 11, 30)),
    ("a fine del mese", "it", date(2026, 11, 30)),
    ("end of the month", "en", date(2026, 11, 30)),
    ("fine mese prossimo", "it", date(2026, 12, 31)),
    ("inizio mese", "it", date(2026, 12, 1)),
    ("the 15th", "en", date(2026, 12, 15)),    # the 15th of this month has passed
    ("il 15", "it", date(2026, 12, 15)),
    ("il 25", "it", date(2026, 11, 25)),
    ("entro il 10", "it", date(2026, 12, 10)),
    ("l'8", "it", date(2026, 12, 8)),
    ("il 31", "it", date(2026, 11, 30)),       # November has no 31st: its last day
    ("il 20 del mese prossimo", "it", date(2026, 12, 20)),
    ("pago 200 euro il 15", "it", date(2026, 12, 15)),
    ("15/12", "it", date(2026, 12, 15)),
    ("5/11", "it", date(2027, 11, 5)),         # already past this year
    ("15/12/26", "it", date(2026, 12, 15)),
    ("12/15", "en", date(2026, 12, 15)),       # month first only when day first is impossible
    ("2026-12-24", None, date(2026, 12, 24)),
    ("15 dicembre", "it", date(2026, 12, 15)),
    ("posso pagare il 15 dicembre", "it", date(2026, 12, 15)),
    ("mercoledì 3 dicembre", "it", date(2026, 12, 3)),
    ("December 15th", "en", date(2026, 12, 15)),
    ("the 15th of December", "en", date(2026, 12, 15)),
    ("domani", "it", date(2026, 11, 21)),
    ("tomorrow", "en", date(2026, 11, 21)),
    ("dopodomani", "it", date(2026, 11, 22)),
    ("oggi", "it", FRIDAY),
    ("tra due settimane", "it", date(2026, 12, 4)),
    ("tra due settimane", "en", date(2026, 12, 4)),
    ("in two weeks", "en", date(2026, 12, 4)),
    ("entro 10 giorni", "it", date(2026, 11, 30)),
    ("tra un mese", "it", date(2026, 12, 20)),
    ("la prossima settimana", "it", date(2026, 11, 27)),
])
def test_parse_date(text, lang, expected) -> None:
    assert parse_date(text, lang, FRIDAY) == expected


@pytest.mark.parametrize("text", [*JUNK, "15/12/2025", "ieri", "3 rate", "1.240,50", "31/02", "il 45"])
def test_parse_date_refuses(text) -> None:
    assert parse_date(text, "it", FRIDAY) is None


def test_end_of_month_on_its_last_day_is_today() -> None:
    assert parse_date("fine mese", "it", date(2026, 11, 30)) == date(2026, 11, 30)


@pytest.mark.parametrize("text, expected", [
    (CF, CF), (CF.lower(), CF), ("RSS MRA 85T10 A562S", CF), (OMOCODIC_CF, OMOCODIC_CF),
    (PIVA, PIVA), ("IT" + PIVA, PIVA), ("IT 123 4567 0124", PIVA),
])
def test_normalise_tax_code(text, expected) -> None:
    assert normalise_tax_code(text) == expected


@pytest.mark.parametrize("text", [*JUNK, CF[:-1] + "X", "01234567897", "00000000000", CF + "A", "RSSMRA85T10A562"])
def test_normalise_tax_code_refuses(text) -> None:
    assert normalise_tax_code(text) is None


def test_tax_code_kind() -> None:
    assert tax_code_kind(CF) == "consumer"
    assert tax_code_kind(PIVA) == "business"
    with pytest.raises(ValueError):
        tax_code_kind("not a code")


@pytest.mark.parametrize("text, expected", [
    (f"fattura FT-2026/00417, codice fiscale {CF}", CF),
    ("il mio cf è rss mra 85t10 a562s grazie", CF),
    (f"P.IVA IT{PIVA}", PIVA),
    (f"partita iva: {PIVA}.", PIVA),
    (f"{CF}X e poi {PIVA}", PIVA),
])
def test_find_tax_code(text, expected) -> None:
    assert find_tax_code(text) == expected


@pytest.mark.parametrize("text", [*JUNK, "tel 3331234567", f"x{CF}", "FT-2026/00417"])
def test_find_tax_code_refuses(text) -> None:
    assert find_tax_code(text) is None


def test_invoice_key_ignores_case_and_spaces() -> None:
    assert invoice_key(" ft-2026 / 00417\n") == "FT-2026/00417"
    assert invoice_key("") == ""


@pytest.mark.parametrize("text, expected", [
    (f"fattura FT-2026/00417, codice fiscale {CF}", ["FT-2026/00417"]),
    ("la fattura n. 417 del 15/12", ["417"]),
    ("fattura nr.417", ["417", "nr.417"]),
    ("FT 2026/00417", ["FT 2026/00417", "2026/00417"]),
    ("invoice #INV-0042 for €1,240.50", ["INV-0042", "#INV-0042"]),
    ("la fattura 417 e la INV-9", ["INV-9", "417"]),   # codes before bare digit runs
    ("fattura 12/2024", ["12/2024"]),
])
def test_find_invoice_candidates(text, expected) -> None:
    assert find_invoice_candidates(text) == expected


@pytest.mark.parametrize("text", [
    *JUNK, "ho pagato 200 euro il 2026-03-01 alle 10:30", "chiamatemi al +393331234567",
    "12 rate da 100 euro", "1.240,50", "il 3rd", PIVA, CF,
])
def test_find_invoice_candidates_refuses(text) -> None:
    assert find_invoice_candidates(text) == []


def test_masks() -> None:
    assert mask_tax_code(CF) == "RSS***********2S"
    assert mask_tax_code("abc") == "***"
    assert mask_phone("+39 333 1234567") == "+39******4567"
    assert mask_phone("0039 333 1234567") == "+39******4567"
    assert mask_phone("3331234567") == "******4567"
    assert mask_email("mario.rossi@example.com") == "m***@example.com"
    assert mask_email("not-an-email") == "***"
    assert mask_email(None) == ""


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=120))
def test_no_parser_raises_on_any_text(text) -> None:
    parse_amount(text)
    parse_money(text)
    parse_number(text, "it")
    parse_nps_score(text)
    found = parse_date(text, "en", FRIDAY)
    assert found is None or found >= FRIDAY
    normalise_tax_code(text)
    find_tax_code(text)
    assert all(3 <= len(c) <= 40 for c in find_invoice_candidates(text))


# --- invisible characters -------------------------------------------------------------------

from bot.parsing import clean_text  # noqa: E402
from bot.parsing.text import REMOVED_CHARS  # noqa: E402

INVISIBLE = sorted(REMOVED_CHARS)


@pytest.mark.parametrize("dirty, clean", [
    ("RSSMRA85T10A562S\x00", "RSSMRA85T10A562S"),
    ("RSS\u200bMRA85T10A562S", "RSSMRA85T10A562S"),
    ("\ufeffFT-2026/00417\u2060", "FT-2026/00417"),
    ("RSSMRA85T10A562S\u2028FT-2026/00417", "RSSMRA85T10A562S\nFT-2026/00417"),
    ("riga uno\r\nriga due\rtre", "riga uno\nriga due\ntre"),
    ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
    ("\x1b[31mrosso\x85\x9f\x7f", "[31mrosso"),
    ("\u200e\u200fciao\u200c\u200d", "ciao"),
    ("è già l'1,5 % — 🙂", "è già l'1,5 % — 🙂"),
])
def test_clean_text_examples(dirty: str, clean: str) -> None:
    assert clean_text(dirty) == clean


def test_a_nul_after_a_correct_tax_code_no_longer_hides_it() -> None:
    assert find_tax_code(clean_text(f"{CF}\x00")) == CF


@given(st.text())
def test_clean_text_never_lets_an_invisible_character_through(text: str) -> None:
    cleaned = clean_text(text)
    assert not REMOVED_CHARS & set(cleaned)
    assert clean_text(cleaned) == cleaned


@given(st.text(st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp"))))
def test_clean_text_leaves_printable_text_unchanged(text: str) -> None:
    assert clean_text(text) == text


# Characters that are dropped outright (the others become a newline).
DROPPED = [c for c in INVISIBLE if c not in "\r\u2028\u2029"]


@given(st.lists(st.tuples(st.text(st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp"))),
                          st.text(st.sampled_from(DROPPED)))))
def test_clean_text_removes_exactly_what_was_inserted(pieces: list[tuple[str, str]]) -> None:
    mixed = "".join(text + junk for text, junk in pieces)
    assert clean_text(mixed) == "".join(text for text, _ in pieces)


def test_the_inbound_pipeline_cleans_text_before_the_transcript_and_the_dialogue(app_db, session) -> None:
    import asyncio

    from rasa.core.channels.channel import CollectingOutputChannel

    from bot.channels.inbound import InboundMessage, handle_inbound
    from bot.conversations import transcript

    reached: list[str] = []

    async def on_new_message(message) -> None:
        reached.append(message.text)

    msg = InboundMessage(channel="rest", conversation_id="clean-1", text=f"{CF}\x00\u200b FT-2026/00417\ufeff")
    outcome = asyncio.run(handle_inbound(msg, CollectingOutputChannel(), on_new_message))
    assert outcome == "dialogue" and reached == [f"{CF} FT-2026/00417"]
    assert [m.text for m in transcript(session, "clean-1")] == [f"{CF} FT-2026/00417"]
