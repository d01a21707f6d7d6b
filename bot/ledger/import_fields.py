"""Parsers for single ledger-import fields.

Each parser takes the raw cell (a ``str`` from CSV; ``str``, number, date or ``None`` from
XLSX) and returns the normalised value or raises :class:`FieldError` with a message a credit
manager can act on. Values are echoed back in messages, so tax codes and phone numbers are
masked here, once.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from stdnum.it import codicefiscale, iva

from bot.logs import mask_text
from bot.privacy import mask_tax_code

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # Numeric(12, 2)
LANGUAGES = ("it", "en")
_SHOWN = 40  # characters of a bad value echoed back in a message

_AMOUNT = re.compile(r"\d+(\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
_PHONE_NOISE = re.compile(r"[\s./\-()]")


class FieldError(ValueError):
    """A cell that cannot be imported; the message says why and shows the value."""


def shown(value: Any) -> str:
    """The value as echoed in an error message: quoted, shortened."""
    text = str(value)
    if len(text) > _SHOWN:
        text = f"{text[:_SHOWN]}… ({len(text)} characters)"
    return repr(text)


def as_text(value: Any) -> str:
    """A cell as stripped text. Whole numbers lose Excel's ``.0`` (an invoice number 1187)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def text(value: Any, max_length: int, required: bool = True) -> str:
    """The cell as stripped text of at most ``max_length`` characters; empty is refused when required."""
    result = as_text(value)
    if required and not result:
        raise FieldError("is required and is empty")
    if len(result) > max_length:
        raise FieldError(f"is too long: at most {max_length} characters, got {len(result)}")
    return result


def tax_code(value: Any) -> tuple[str, str]:
    """(compact upper-case code, debtor kind): codice fiscale → consumer, partita IVA → business."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Excel stores an all-digit partita IVA as a number and drops its leading zeros.
        return _checked_tax_code(as_text(value).zfill(11))
    return _checked_tax_code(as_text(value))


@lru_cache(maxsize=65536)  # a debtor's code repeats on each of their invoices; failures are not cached
def _checked_tax_code(raw: str) -> tuple[str, str]:
    if not raw:
        raise FieldError("is required and is empty")
    code = raw.upper()
    if not code.isalnum():
        code = codicefiscale.compact(raw)  # spaces, dashes…: the slower, thorough clean-up
    if len(code) == 13 and code.startswith("IT") and code[2:].isdigit():
        code = code[2:]  # "IT01234560017", the VAT-number form
    if code.isdigit():
        if len(code) == 11 and iva.is_valid(code):
            return code, "business"
        raise FieldError(f"is not a valid partita IVA ({mask_tax_code(code)!r})")
    if len(code) == 16 and codicefiscale.is_valid(code):
        return code, "consumer"
    raise FieldError(f"is not a valid codice fiscale or partita IVA ({mask_tax_code(code)!r})")


def iso_date(value: Any) -> date:
    """A date cell or YYYY-MM-DD text; a timestamp with a time of day is refused."""
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise FieldError(f"must be a date without a time of day, got {shown(value)}")
        return value.date()
    if isinstance(value, date):
        return value
    raw = as_text(value)
    if not raw:
        raise FieldError("is required and is empty")
    if _ISO_DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise FieldError(f"is not a real calendar date: {shown(raw)}") from None
    raise FieldError(f"must be a date written YYYY-MM-DD, got {shown(raw)}")


def amount(value: Any) -> Decimal:
    """A positive amount with at most two decimals, parsed without ever going through float maths."""
    if isinstance(value, bool):
        raise FieldError(f"must be an amount, got {shown(value)}")
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise FieldError(f"must be an amount, got {shown(value)}")
        if round(value, 2) != value:
            raise FieldError(f"has more than two decimals: {shown(value)}")
        result = Decimal(str(round(value, 2)))
    else:
        result = _amount_text(as_text(value))
    if result <= 0:
        raise FieldError(f"must be greater than zero, got {shown(as_text(value))}")
    if result > MAX_AMOUNT:
        raise FieldError(f"is too large: {shown(as_text(value))}")
    return result.quantize(CENT)


def _amount_text(raw: str) -> Decimal:
    if not raw:
        raise FieldError("is required and is empty")
    negative = raw.startswith("-")
    digits = raw[1:] if negative else raw
    if not _AMOUNT.fullmatch(digits):
        if re.fullmatch(r"[\d.,' ]+", digits) and "," in digits:
            raise FieldError(
                f"must use a dot for decimals and no thousands separator, e.g. 1240.50; got {shown(raw)}")
        raise FieldError(f"must be an amount like 1240.50, got {shown(raw)}")
    if "." in digits and len(digits.split(".", 1)[1]) > 2:
        raise FieldError(f"has more than two decimals: {shown(raw)}")
    try:
        result = Decimal(digits)
    except InvalidOperation:  # pragma: no cover - the regular expression already guards this
        raise FieldError(f"must be an amount like 1240.50, got {shown(raw)}") from None
    return -result if negative else result


@lru_cache(maxsize=1)
def currencies_in_use() -> frozenset[str]:
    """ISO 4217 codes that are legal tender somewhere today (so no ITL, no FRF)."""
    from babel.core import get_global

    return frozenset(
        code
        for spans in get_global("territory_currencies").values()
        for code, _start, end, tender in spans
        if end is None and tender
    )


def currency(value: Any) -> str:
    """An ISO 4217 code in use today, upper-case; a blank cell means EUR."""
    raw = as_text(value).upper()
    if not raw:
        return "EUR"  # the creditor's own currency when the column is left blank
    if raw not in currencies_in_use():
        raise FieldError(f"is not an ISO 4217 currency code in use, got {shown(raw)}")
    return raw


def language(value: Any) -> str | None:
    """'it' or 'en'; ``None`` when blank (the caller decides the default)."""
    raw = as_text(value).lower()
    if not raw:
        return None
    if raw not in LANGUAGES:
        raise FieldError(f"must be 'it' or 'en', got {shown(raw)}")
    return raw


def phone(value: Any) -> str | None:
    """Loosely normalised to E.164: '+…' kept, '00…' → '+…', Italian numbers get +39."""
    raw = as_text(value)
    if not raw:
        return None
    digits = _PHONE_NOISE.sub("", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        number = digits
    elif digits.startswith("3") and 9 <= len(digits) <= 10:
        number = "+39" + digits  # Italian mobile written without the country code
    elif digits.startswith("0") and 6 <= len(digits) <= 11:
        number = "+39" + digits  # Italian landline: the leading 0 stays after +39
    else:
        number = ""
    if not re.fullmatch(r"\+\d{7,15}", number):
        raise FieldError(
            f"is not a phone number we can read; write it like +39 333 123 4567, got {mask_text(shown(raw))}")
    return number


def email(value: Any) -> str | None:
    """The address as written, or None when blank; only the shape is checked."""
    raw = as_text(value)
    if not raw:
        return None
    if len(raw) > 200:
        raise FieldError(f"is too long: at most 200 characters, got {len(raw)}")
    if not _EMAIL.fullmatch(raw):
        raise FieldError(f"is not an e-mail address, got {shown(raw)}")
    return raw
