"""Number words to digits ("dodici" -> "12", "two hundred" -> "200"), Italian and English."""
from __future__ import annotations

import re

from text_to_num import alpha2digit

LANGS = ("it", "en")
# alpha2digit leaves lone numbers below three as words (they are often articles or
# pronouns); these still mean a number in a short answer. "un"/"una" and "a"/"an" stay
# words: "un 7" is a seven.
_SMALL = {"zero": "0", "nought": "0", "uno": "1", "one": "1", "due": "2", "two": "2"}
_WORD = re.compile(r"[^\W\d_]+")
# The Rust converter handles any text, but long messages are never a number answer.
MAX_LEN = 1000


def languages(lang: str | None) -> tuple[str, ...]:
    """The language to try first, then the other one (debtors mix them)."""
    if lang in LANGS:
        return (lang, *(other for other in LANGS if other != lang))
    return LANGS


def words_to_digits(text: str, lang: str | None = None, small: bool = True) -> str:
    """``text`` with number words written as digits; lower-cased.

    ``small`` also converts zero/one/two, which is only safe where a short answer is
    expected; "due" stays a word in English text ("payment due").
    """
    if not text or len(text) > MAX_LEN:
        return (text or "").lower()
    out = text.lower()
    for code in languages(lang):
        out = alpha2digit(out, code)
    if small:
        out = _WORD.sub(lambda m: _small_word(m.group(0), lang), out)
    return out


def _small_word(word: str, lang: str | None) -> str:
    if word == "due" and lang == "en":
        return word
    return _SMALL.get(word, word)


def word_to_int(word: str, lang: str | None = None) -> int | None:
    """A single number word or digits ("2", "due", "two", "quindici", "un", "a") as int."""
    w = word.strip().lower()
    if w in ("un", "una", "uno", "a", "an"):
        return 1
    converted = words_to_digits(w, lang).strip()
    return int(converted) if converted.isdigit() and len(converted) <= 6 else None
