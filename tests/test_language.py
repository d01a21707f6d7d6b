import pytest

from bot.dialogue.language import detect_language, has_signal
from bot.dialogue.turn_events import session_user_texts


@pytest.mark.parametrize("text, expected", [
    ("non riesco a pagare, ho perso il lavoro", "it"),
    ("nn posso pagare xke sono senza soldi", "it"),
    ("Buongiorno, Le scrivo in merito alla fattura", "it"),
    ("I lost my job and cannot pay this month", "en"),
    ("the invoice is wrong", "en"),
    ("can I pay in instalments?", "en"),
])
def test_detects_the_language_of_the_message(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["RSSMRA85T10A562S", "FT-2026/00417", "100", "ok", "🙂", ""])
def test_messages_without_signal_keep_the_conversation_language(text):
    assert detect_language(text, current="en") == "en"
    assert detect_language(text, current="it") == "it"


def test_hint_is_used_when_nothing_else_is_known():
    assert detect_language("12345", current=None, hint="en") == "en"
    assert detect_language("12345") == "it"


@pytest.mark.parametrize("text, signal", [("INV-88213 SMTJHN82C14Z114S", False), ("100", False), ("ok", False),
                                          ("how much do I owe?", True), ("quanto devo?", True)])
def test_only_words_say_which_language_a_message_is_in(text, signal):
    assert has_signal(text) is signal


def test_the_session_texts_are_those_after_the_last_session_start():
    events = [{"event": "user", "text": "hello"}, {"event": "session_started"}, {"event": "bot", "text": "Ciao"},
              {"event": "user", "text": "INV-88213"}, {"event": "user", "text": "SMTJHN82C14Z114S"}]
    assert session_user_texts(events) == ["INV-88213", "SMTJHN82C14Z114S"]
    assert session_user_texts(events[:1]) == ["hello"]
