"""Money in free text: "1.240,50 €", "€1,240.50", "240,5", "duecento euro", "$50".

Separators follow what people type rather than one locale: a separator followed by exactly
three digits (and no other separator) groups thousands, one or two digits are decimals.
"""
from __future__ import annotations

import re
from decimal import Decimal

from bot.parsing.words import MAX_LEN, words_to_digits

CENT = Decimal("0.01")
DEFAULT_CURRENCY = "EUR"
# Numeric(12,2) holds ten integer digits; a longer run of digits is a phone or an id.
MAX_INTEGER_DIGITS = 10
# An ungrouped run this long without a currency is a phone number or a code, not money.
MAX_BARE_DIGITS = 7

_CURRENCY_WORDS: tuple[tuple[str, str], ...] = (
    (r"€|\beur\b|\beuros?\b|\beuri\b", "EUR"),
    (r"\$|\busd\b|\bus dollars?\b|\bdollars?\b|\bdollar[oi]\b", "USD"),
    (r"£|\bgbp\b|\bpounds?\b|\bsterling\b|\bsterlin[ae]\b", "GBP"),
    (r"\bchf\b|\bfr\.|\bswiss francs?\b|\bfrancs?\b|\bfranc[oh]i?\b", "CHF"),
)
_CURRENCY = re.compile("|".join(f"(?:{p})" for p, _ in _CURRENCY_WORDS), re.I)
_CURRENCY_BEFORE = re.compile(f"(?:{_CURRENCY.pattern})\\s*$", re.I)
_CURRENCY_AFTER = re.compile(f"^\\s*(?:{_CURRENCY.pattern})", re.I)

# Digits with "." "," or apostrophe/no-break-space groupings; "k" or "mila" multiply by 1000.
_NUMBER = re.compile(
    r"(?<![\w.,'’/+\-])(?P<num>\d(?:[\d.,'’\u00a0\u202f]*\d)?)(?P<k>\s?(?:k|mila)\b)?(?![\w/%°º]|[.,]\d)"
)
# What follows a count or a date rather than an amount: "12 rate", "3 mesi", "the 15th".
_NOT_MONEY_AFTER = re.compile(
    r"^\s*(?:rat[ae]\b|mes[ei]\b|mensilit|months?\b|instal|payments?\b|giorn|days?\b|settiman|weeks?\b|"
    r"ann[oi]\b|years?\b|volt[ae]\b|times\b|gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|"
    r"settembre|ottobre|novembre|dicembre|january|february|march|april|may\b|june|july|august|september|"
    r"october|november|december|del mese|of the month|:\d)",
    re.I,
)
_NOT_MONEY_BEFORE = re.compile(r"(?:\b(?:il|entro(?: il)?|dal|fino al|the|on the|by the|giorno|ore|alle|at)|[:#])\s*$", re.I)
# "220 euro e 50 centesimi", "10 euros and 5 cents", and "220 euro e 50" said at the end.
_EURO_AND_CENTS = re.compile(r"\b(\d{1,10})\s*(€|euros?|eur)\s*(?:e|and|,)?\s*(\d{1,2})\s*(?:centesimi|cents?)\b", re.I)
_EURO_AND_TAIL = re.compile(r"\b(\d{1,10})\s*(€|euros?|eur)\s+(?:e|and)\s+(\d{1,2})(?=[\s.!?]*$)", re.I)
# "1 240,50 €": a space groups thousands only when a decimal part or a currency follows,
# otherwise "3 rate da 200" would merge.
_SPACE_GROUPED = re.compile(
    r"(?<![\d.,])(\d{1,3}(?: \d{3})+)(?=[.,]\d{1,2}(?!\d)|\s*(?:€|eur|euro|usd|gbp|chf|\$|£))", re.I
)
# Keep currency marks apart from digits so "100€", "EUR99" and "$50" tokenize alike.
_STUCK_SYMBOL = re.compile(r"([€$£])")
_STUCK_CODE_BEFORE = re.compile(r"\b(eur|euro|usd|gbp|chf)(?=\d)", re.I)
_STUCK_CODE_AFTER = re.compile(r"(?<=\d)(eur|euro|euros|usd|gbp|chf)\b", re.I)


def parse_amount(text: str) -> Decimal | None:
    """The amount in ``text`` quantized to cents, whatever its currency, or None."""
    money = parse_money(text)
    return money[0] if money else None


def parse_money(text: str) -> tuple[Decimal, str] | None:
    """(amount, ISO currency) found in ``text``; the currency is EUR unless another is named."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LEN:
        return None
    prepared = _prepare(text)
    best: tuple[Decimal, str | None] | None = None
    for match in _NUMBER.finditer(prepared):
        value = number_value(match.group("num"))
        if value is None:
            continue
        before, after = prepared[max(0, match.start() - 20):match.start()], prepared[match.end():match.end() + 25]
        currency = _currency_of(before, after)
        bare = re.fullmatch(r"\d+", match.group("num")) is not None
        if currency is None and bare and len(match.group("num")) > MAX_BARE_DIGITS:
            continue
        if match.group("k"):
            value *= 1000
        if currency is not None:
            best = (value, currency)
            break  # an amount with its currency wins over any bare number
        if best is None and not _NOT_MONEY_AFTER.search(after) and not _NOT_MONEY_BEFORE.search(before):
            best = (value, None)
    if best is None:
        return None
    value, currency = best
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        return None
    return value.quantize(CENT), currency or _any_currency(prepared) or DEFAULT_CURRENCY


def number_value(raw: str) -> Decimal | None:
    """Digits with thousands/decimal separators as Decimal; None when ambiguous or malformed."""
    s = re.sub(r"['’\u00a0\u202f]", "", raw)
    if "." in s and "," in s:
        decimal_sep = "," if s.rfind(",") > s.rfind(".") else "."
        thousands_sep = "." if decimal_sep == "," else ","
        whole, _, fraction = s.rpartition(decimal_sep)
        groups = whole.split(thousands_sep)
        if decimal_sep in whole or not _is_grouped(groups) or not 1 <= len(fraction) <= 2:
            return None
        return Decimal("".join(groups) + "." + fraction)
    separator = "." if "." in s else "," if "," in s else None
    if separator is None:
        return Decimal(s) if len(s) <= MAX_INTEGER_DIGITS else None
    parts = s.split(separator)
    if len(parts) > 2:
        return Decimal("".join(parts)) if _is_grouped(parts) else None
    head, tail = parts
    if len(tail) == 3 and not head.startswith("0"):
        return Decimal(head + tail) if _is_grouped(parts) else None
    if 1 <= len(tail) <= 2:
        return Decimal(f"{head}.{tail}")
    return None


def currency_in(text: str) -> str | None:
    """The ISO code of the first currency named in ``text``, if any."""
    return _any_currency(text) if isinstance(text, str) and len(text) <= MAX_LEN else None


def _prepare(text: str) -> str:
    # Number words only where they are part of a longer number: "due" or "one" alone is
    # rarely an amount, and "due" is an English word.
    out = words_to_digits(text, small=False)
    for pattern in (_EURO_AND_CENTS, _EURO_AND_TAIL):
        out = pattern.sub(lambda m: f"{m.group(1)},{m.group(3).zfill(2)} {m.group(2)}", out)
    out = _SPACE_GROUPED.sub(lambda m: m.group(1).replace(" ", ""), out)
    out = _STUCK_SYMBOL.sub(r" \1 ", out)
    out = _STUCK_CODE_BEFORE.sub(r"\1 ", out)
    return _STUCK_CODE_AFTER.sub(r" \1", out)


def _is_grouped(groups: list[str]) -> bool:
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _code_for(mark: str) -> str | None:
    for pattern, code in _CURRENCY_WORDS:
        if re.fullmatch(pattern, mark.strip(), re.I):
            return code
    return None


def _currency_of(before: str, after: str) -> str | None:
    found = _CURRENCY_AFTER.search(after) or _CURRENCY_BEFORE.search(before)
    return _code_for(found.group(0)) if found else None


def _any_currency(text: str) -> str | None:
    found = _CURRENCY.search(text)
    return _code_for(found.group(0)) if found else None
