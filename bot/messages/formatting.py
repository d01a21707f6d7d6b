"""Money and dates the way an Italian or an English reader expects them (babel)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency

# en_IE: English wording with euro-area conventions ("€1,240.50", "15 December 2026").
LOCALES = {"it": "it_IT", "en": "en_IE"}
DEFAULT_LANGUAGE = "it"

# babel separates "1.240,50" and "€" with a no-break space (narrow in some locales). Neither
# is in the GSM-7 alphabet, and one such character turns a whole SMS into UCS-2 (70
# characters a segment instead of 160), so a plain space is used.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


def supported_language(lang: str | None) -> str:
    """``"it"`` or ``"en"``; region tags are ignored ("en-GB" -> "en"), anything else -> "it"."""
    if not lang:
        return DEFAULT_LANGUAGE
    primary = lang.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LOCALES else DEFAULT_LANGUAGE


def format_money(amount: Decimal, lang: str, currency: str = "EUR") -> str:
    """``1.240,50 €`` (it) / ``€1,240.50`` (en). Floats are refused: money is never a float."""
    # bool is an int subclass; True would silently print as 1,00 €.
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int)):
        raise TypeError(f"money must be a Decimal, got {type(amount).__name__}")
    if isinstance(amount, Decimal) and not amount.is_finite():
        raise ValueError(f"money must be a finite amount, got {amount}")
    text = format_currency(Decimal(amount), currency.upper(), locale=LOCALES[supported_language(lang)])
    return text.translate(_SPACES)


def format_date(d: date, lang: str) -> str:
    """``15 dicembre 2026`` (it) / ``15 December 2026`` (en)."""
    return _format(d, "d MMMM y", lang)


def format_on_date(d: date, lang: str) -> str:
    """A date as the object of "on": ``il 15 dicembre 2026`` / ``l'8 dicembre 2026`` (it),
    ``on 15 December 2026`` (en)."""
    text = format_date(d, lang)
    if supported_language(lang) == "en":
        return f"on {text}"
    # Italian elides the article before the days read with a vowel: l'1, l'8, l'11.
    return f"l'{text}" if d.day in (1, 8, 11) else f"il {text}"


def format_weekday_date(d: date, lang: str) -> str:
    """``venerdì 18 dicembre`` (it) / ``Friday 18 December`` (en): for near dates."""
    return _format(d, "EEEE d MMMM", lang)


def _format(d: date, pattern: str, lang: str) -> str:
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return babel_format_date(d, pattern, locale=LOCALES[supported_language(lang)]).translate(_SPACES)
