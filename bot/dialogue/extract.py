"""Reading slot values out of what the debtor wrote (and of button payloads).

Values are normalised here, not by the NLU: the CRF's entities are hints, the text is the
source of truth. Money is kept as a string in slots (Rasa slots are JSON) and converted
back to Decimal by the callers.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Iterable, Sequence

import dateparser
from dateparser.search import search_dates

from bot.parsing.past_dates import relative_past_date
from bot.parsing import (
    find_invalid_tax_code, find_invoice_candidates, find_tax_code, normalise_tax_code, parse_date, parse_money, parse_nps_score, parse_number,
)
from bot.ledger.repository import invoice_key
from bot.parsing.tax_codes import looks_like_codice_fiscale

_ORDINALS = {
    "prima": 1, "primo": 1, "first": 1, "seconda": 2, "secondo": 2, "second": 2,
    "terza": 3, "terzo": 3, "third": 3, "ultima": -1, "ultimo": -1, "last": -1,
}
# A count is the word right before "rate/mesi/instalments…" ("in 6 rate", "twelve monthly payments").
_INSTALMENT_COUNT = re.compile(
    r"([\wàèéìòù]+)\s+(?:monthly\s+|mensili\s+)?(?:rat[ae]|mes[ei]|mensilit[aà]|instal+ments?|months?|payments?|tranche)\b",
    re.I)
_WHOLE_BALANCE = re.compile(r"\b(tutto|intero|totale|saldo|whole|full|everything|all of it|in full)\b", re.I)
_NO_REFERENCE = re.compile(
    r"^\s*(no\b|non (ce l'?ho|lo so|ricordo|l'?ho)|nessun[oa]?\b|n/?a\b|none\b|-\s*$"
    r"|(i )?(don'?t|do not) (have|know|remember)|i have none|not sure)", re.I)


def entity_values(entities: Iterable[dict], name: str) -> list[str]:
    """The values of the NLU entities called ``name``, as strings, in message order."""
    return [str(e.get("value")) for e in entities if e.get("entity") == name and e.get("value") is not None]


def pick_invoice(text: str, entities: Iterable[dict], is_known: Callable[[Sequence[str]], set[str]]) -> str | None:
    """The invoice number in a message: a ledger match wins, else the likeliest candidate."""
    candidates = entity_values(entities, "invoice_number") + find_invoice_candidates(text)
    # The NLU sometimes labels a codice fiscale as the invoice number: a tax code never is one.
    candidates = [c for c in dict.fromkeys(c.strip(" .,;:") for c in candidates)
                  if c and not normalise_tax_code(c) and not looks_like_codice_fiscale(c)]
    if not candidates:
        return None
    known = is_known([invoice_key(c) for c in candidates])
    for c in candidates:
        if invoice_key(c) in known:
            return c
    return candidates[0]


def pick_tax_code(text: str, entities: Iterable[dict]) -> str | None:
    """The first valid codice fiscale or partita IVA, from the entities first, then from the text."""
    for value in entity_values(entities, "tax_code"):
        found = find_tax_code(value)
        if found:
            return found
    return find_tax_code(text)


def pick_invalid_tax_code(text: str, entities: Iterable[dict], expecting: bool = False) -> str | None:
    """"consumer"/"business" when the message holds a tax code whose check character is wrong.

    None when a valid code is there too (in the text or as an entity) or nothing looks like one.
    """
    if pick_tax_code(text, entities):
        return None
    return find_invalid_tax_code(text, expecting)


def pick_money(text: str) -> tuple[Decimal, str] | None:
    """(amount as Decimal, ISO currency) named in the message, or None; over-long texts are ignored."""
    if not text or len(text) > 500:
        return None
    return parse_money(text)


def pick_instalments(text: str, lang: str) -> int | None:
    """A count of instalments, only when the message talks about instalments or months."""
    for match in _INSTALMENT_COUNT.finditer(text or ""):
        count = parse_number(match.group(1), lang)
        if count is not None and count > 1:
            return count
    return None


# A plan option's button title typed or pasted instead of pressed: "5 x 192,00 €", "3 x €85.00".
_OPTION_TITLE = re.compile(r"^\s*(\d{1,2})\s*[x×]\s*(?:€\s*)?\d")


def pick_option_count(text: str) -> int | None:
    """The instalment count of a typed plan option title; None for anything else."""
    match = _OPTION_TITLE.match(text or "")
    return int(match.group(1)) if match else None


_BALANCE_QUESTION = re.compile(
    r"\b(quanto\s+(?:devo|dovrei|resta|rimane|manca|c'?è\s+da\s+pagare)|saldo|debito|importo\s+dovuto"
    r"|how\s+much|balance|what\s+(?:do\s+)?i\s+owe|amount\s+due)\b", re.I)


def asks_for_balance(text: str) -> bool:
    """True when the message asks what is owed ("quanto devo?", "how much do I owe?")."""
    return bool(_BALANCE_QUESTION.search(text or ""))


# "no grazie, è tutto" / "that's all" close the chat: they do not mean the whole amount.
_THATS_ALL = re.compile(r"(?:\b(?:è|e'|e)\s+tutto\b|\bthat'?s\s+all\b|\bniente\s+altro\b|\bnothing\s+else\b)", re.I)


def asks_for_whole_balance(text: str) -> bool:
    """True when the debtor means the whole amount owed ("tutto", "in full"), not "that's all"."""
    return bool(_WHOLE_BALANCE.search(text or "")) and not _THATS_ALL.search(text or "")


def pick_choice(text: str, entities: Iterable[dict], count: int, lang: str) -> int | None:
    """1-based option number from a button payload, "2", "la seconda", "the last one"."""
    for value in entity_values(entities, "choice"):
        if value.isdigit() and 1 <= int(value) <= count:
            return int(value)
    words = re.findall(r"[a-zà-ÿ]+|\d+", (text or "").lower())
    for w in words:
        if w in _ORDINALS:
            n = _ORDINALS[w]
            return count if n == -1 else (n if n <= count else None)
    if len(words) <= 4:
        number = parse_number(text, lang)
        if number is not None and 1 <= number <= count:
            return number
    return None


def pick_future_date(text: str, lang: str, today: date) -> date | None:
    """A date on or after ``today`` named in the message, or None (over-long texts are ignored)."""
    return parse_date(text, lang, today) if text and len(text) <= 300 else None


def pick_past_date(text: str, lang: str, today: date) -> date | None:
    """A payment date: in the past or today ("ieri", "il 3 novembre", "last Friday")."""
    if not text or len(text) > 300:
        return None
    low = text.lower()
    # "ho pagato ieri … il messaggio di oggi": the named day wins over a mention of today.
    relative = relative_past_date(text, today)
    if relative is not None:
        return relative
    if any(w in low for w in ("oggi", "today", "stamattina", "stamani", "this morning")):
        return today
    settings: dict[str, Any] = {"PREFER_DATES_FROM": "past", "RELATIVE_BASE": _midnight(today),
                                "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False}
    found = dateparser.parse(text, languages=[lang, "it", "en"], settings=settings)
    if found is None:
        hits = search_dates(text, languages=[lang, "it", "en"], settings=settings) or []
        found = hits[0][1] if hits else None
    if found is None:
        return None
    value = found.date()
    return value if value <= today else None


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 12, 0)


def pick_nps_score(text: str, entities: Iterable[dict]) -> int | None:
    """A 0..10 score from a button payload or the text, or None when unclear."""
    for value in entity_values(entities, "choice"):
        if value.isdigit() and 0 <= int(value) <= 10:
            return int(value)
    return parse_nps_score(text or "")


def no_reference(text: str) -> bool:
    """True when the answer says there is no payment reference ("non ce l'ho", "I don't have one")."""
    return bool(_NO_REFERENCE.match(text or ""))


def free_text(text: str, limit: int = 2000) -> str | None:
    """A free answer (dispute reason, NPS why): trimmed, never empty, never a /command."""
    cleaned = " ".join((text or "").split())
    if not cleaned or cleaned.startswith("/"):
        return None
    return cleaned[:limit]


_CURRENCY_MARK = re.compile(r"(€|\$|£|\beur\b|\beuro\b|\busd\b|\bdollar|\bgbp\b|\bsterlin|\bchf\b|\bfranc)", re.I)


def mentions_currency(text: str) -> bool:
    """True when the message names a currency, so a number in it is meant as an amount."""
    return bool(_CURRENCY_MARK.search(text or ""))
