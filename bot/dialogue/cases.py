"""Case references a debtor can read out on the phone, and when disputes are answered.

"CT-2026-000011" (a dispute, contestazione) or "RC-2026-000011" (a payment being checked,
riconciliazione): the prefix says what the case is, the year when it was opened, and the
zero-padded number is the row id, so the console finds it at once.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import yaml

from bot.settings import get_settings

PREFIXES = {"dispute": "CT", "reconciliation": "RC"}
DEFAULT_DISPUTE_BUSINESS_DAYS = 10
_REFERENCE = re.compile(r"^(CT|RC)-(\d{4})-(\d{6,})$")


def case_reference(kind: str, case_id: int, opened: date) -> str:
    """The readable reference of case ``case_id`` of ``kind``, opened on ``opened``."""
    if case_id < 0:
        raise ValueError("case ids are positive")
    return f"{PREFIXES[kind]}-{opened.year:04d}-{case_id:06d}"


def parse_case_reference(text: str) -> tuple[str, int, int] | None:
    """(kind, year, id) from a reference as written by ``case_reference``; None otherwise."""
    match = _REFERENCE.match((text or "").strip().upper())
    if not match:
        return None
    kind = next(k for k, p in PREFIXES.items() if p == match.group(1))
    return kind, int(match.group(2)), int(match.group(3))


@lru_cache(maxsize=1)
def dispute_response_business_days() -> int:
    """Business days within which the creditor answers a dispute (creditor.yml, ``disputes``)."""
    path = get_settings().creditor_file
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    section = data.get("disputes") or {}
    days = int(section.get("response_business_days", DEFAULT_DISPUTE_BUSINESS_DAYS))
    if not 1 <= days <= 60:
        raise ValueError(f"{path}: disputes.response_business_days must be between 1 and 60, got {days}")
    return days
