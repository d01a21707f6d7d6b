"""The verification step as the forms use it: one call per complete pair."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.ledger.db import session_scope
from bot.ledger.models import Debtor
from bot.ledger.repository import open_balance
from bot.security.verified import record_verified
from bot.settings import get_settings
from bot.verification import verify


@dataclass(frozen=True)
class PairOutcome:
    status: str  # verified | failed | locked
    debtor_id: int | None = None
    invoice_number: str | None = None
    name: str = ""
    payable_zero: bool = False
    attempts_left: int = 0
    lock_minutes: int = 30
    language: str = ""  # the debtor's language in the ledger (verified only)


def check_pair(conversation_id: str, invoice_number: str, tax_code: str, now: datetime,
               client_key: str | None = None, channel: str = "", session_key: str = "") -> PairOutcome:
    """Check one pair; on success record the conversation's verification server-side.

    ``session_key`` names the dialogue session (bot.security.verified.session_key): the
    record proves nothing in any later session of the same conversation.
    """
    settings = get_settings()
    with session_scope() as session:
        result = verify(session, conversation_id=conversation_id, invoice_number=invoice_number,
                        tax_code=tax_code, now=now, max_attempts=settings.verify_max_attempts,
                        lock_minutes=settings.verify_lock_minutes, client_key=client_key)
        if not result.verified:
            minutes = settings.verify_lock_minutes
            if result.locked_until is not None:
                # The lock that applies may be a longer one (tax code, client): say how long it really is.
                minutes = max(1, math.ceil((result.locked_until - now).total_seconds() / 60))
            return PairOutcome(result.status, attempts_left=result.attempts_left, lock_minutes=minutes)
        debtor_id = result.debtor_id
        if debtor_id is None:  # verify() names the debtor of every verified result
            raise RuntimeError("verified result without a debtor")
        record_verified(session, conversation_id=conversation_id, debtor_id=debtor_id, now=now,
                        invoice_id=result.invoice_id, channel=channel,
                        ttl=timedelta(minutes=settings.verified_ttl_minutes), in_session=session_key)
        debtor = session.get(Debtor, debtor_id)
        return PairOutcome(
            "verified", debtor_id=debtor_id, invoice_number=result.invoice_number,
            name=debtor.name if debtor else "", language=debtor.language if debtor else "",
            payable_zero=open_balance(session, debtor_id) <= 0,
        )
