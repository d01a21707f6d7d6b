"""Masked forms of personal data, for logs and for messages that must not reveal it."""
from __future__ import annotations

import re

_NOT_DIGIT = re.compile(r"\D")


def mask_tax_code(code: str | None) -> str:
    """"RSSMRA85T10A562S" -> "RSS***********2S": first three and last two kept."""
    compact = re.sub(r"\s", "", code or "").upper()
    if len(compact) <= 6:  # too short to show five characters without showing it all
        return "*" * len(compact)
    return compact[:3] + "*" * (len(compact) - 5) + compact[-2:]


def mask_phone(phone: str | None) -> str:
    """"+39 333 1234567" -> "+39******4567": country prefix and last four digits kept."""
    raw = (phone or "").strip()
    international = raw.startswith(("+", "00"))
    digits = _NOT_DIGIT.sub("", raw)
    if raw.startswith("00"):
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    prefix = "+" + digits[:2] if international else ""
    body = digits[2:] if international else digits
    return prefix + "*" * (len(body) - 4) + body[-4:]


def mask_email(email: str | None) -> str:
    """"mario.rossi@example.com" -> "m***@example.com"; the domain tells which mailbox."""
    local, at, domain = (email or "").strip().rpartition("@")
    if not at or not local or not domain:
        return "***" if email else ""
    return f"{local[0]}***@{domain}"
