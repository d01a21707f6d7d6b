"""Italian tax codes: codice fiscale (people) and partita IVA (businesses), via python-stdnum."""
from __future__ import annotations

import re

from stdnum.it import codicefiscale, iva

CONSUMER = "consumer"
BUSINESS = "business"
MAX_LEN = 5000

_SEPARATORS = re.compile(r"[\s.\-]")
# Omocodia swaps digits for the letters LMNPQRSTUV, so digit positions accept those too.
_D = "[0-9LMNPQRSTUV]"
_CF_CHARS = ["[A-Z]"] * 6 + [_D] * 2 + ["[A-Z]"] + [_D] * 2 + ["[A-Z]"] + [_D] * 3 + ["[A-Z]"]
# Debtors often type the code in groups ("RSS MRA 85T10 A562S"): one space between any
# two characters is allowed; the strict layout and the check letter rule out accidents.
_CF_IN_TEXT = re.compile(r"(?<![A-Z0-9])" + r" ?".join(_CF_CHARS) + r"(?![A-Z0-9])")
# A partita IVA is written as one run of digits, optionally after "IT"; digit runs are not
# joined across spaces because phone numbers would pass the check digit too often.
_VAT_IN_TEXT = re.compile(r"(?<![A-Z0-9])(?:IT ?)?(\d{11})(?![A-Z0-9])")
# Laid out like a codice fiscale (six letters of surname and name first, 16 characters) but
# possibly mistyped anywhere after them: worth a "check it" rather than a silent miss.
_CF_LIKE = re.compile(r"(?<![A-Z0-9])[A-Z]{6}[A-Z0-9]{10}(?![A-Z0-9])")
_VAT_WORDS = re.compile(r"\b(?:P\.?\s?IVA|PARTITA\s+IVA|IVA|VAT)\b")


def normalise_tax_code(text: str) -> str | None:
    """The compact upper-case code if ``text`` is a valid codice fiscale or partita IVA."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    compact = _SEPARATORS.sub("", text).upper()
    if len(compact) == 13 and compact.startswith("IT"):
        compact = compact[2:]
    if len(compact) == 16 and codicefiscale.is_valid(compact):
        return compact
    if len(compact) == 11 and compact.isdigit() and iva.is_valid(compact):
        return compact
    return None


def tax_code_kind(code: str) -> str:
    """"consumer" for a codice fiscale, "business" for a partita IVA."""
    compact = normalise_tax_code(code)
    if compact is None:
        raise ValueError("not a valid codice fiscale or partita IVA")
    return CONSUMER if len(compact) == 16 else BUSINESS


def find_tax_code(text: str) -> str | None:
    """The first valid codice fiscale or partita IVA anywhere in a message."""
    if not isinstance(text, str) or not text or len(text) > MAX_LEN:
        return None
    upper = text.upper()
    for pattern in (_CF_IN_TEXT, _VAT_IN_TEXT):
        for match in pattern.finditer(upper):
            found = normalise_tax_code(match.group(0))
            if found:
                return found
    return None


def looks_like_codice_fiscale(token: str) -> bool:
    """True when ``token`` is laid out like a codice fiscale, valid or not."""
    if not isinstance(token, str) or len(token) > 40:
        return False
    return _cf_like(_SEPARATORS.sub("", token).upper())


def _cf_like(compact: str) -> bool:
    # Birth year and day are digits: a 16-letter word with two digits or fewer is not a code.
    return bool(_CF_LIKE.fullmatch(compact)) and sum(c.isdigit() for c in compact) >= 3


def find_invalid_tax_code(text: str, expecting: bool = False) -> str | None:
    """``CONSUMER`` or ``BUSINESS`` when the message holds a code that fails its check character.

    Only when no valid code is there. A codice fiscale is recognised by its layout; eleven
    digits count as a partita IVA only when one is expected (``expecting``, the tax code was
    just asked for) or the message names it, since phone numbers and references have as many.
    """
    if not isinstance(text, str) or not text or len(text) > MAX_LEN or find_tax_code(text):
        return None
    upper = text.upper()
    if any(_cf_like(m.group(0)) for m in _CF_LIKE.finditer(upper)) or _CF_IN_TEXT.search(upper):
        return CONSUMER
    if (expecting or _VAT_WORDS.search(upper)) and _VAT_IN_TEXT.search(upper):
        return BUSINESS
    return None
