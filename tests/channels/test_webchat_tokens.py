"""Link claims, revocation keys and device-bound conversation ids (pure functions)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.channels.tokens import (conversation_id_for, make_token, new_device_id, token_key, valid_device_id,
                                 verify_token)
from bot.channels.webchat_links import WebchatRevocation, is_revoked, revoke_invoice, revoke_token
from bot.ledger.models import Debtor, Invoice

SECRET = "s3cret"
devices = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=32, max_size=32)


@given(devices, devices)
def test_the_conversation_id_is_bound_to_the_device(a: str, b: str) -> None:
    claims = verify_token(make_token(SECRET, "D-1", "FT-1", 10, now=1000), SECRET, now=1001)
    again = verify_token(make_token(SECRET, "D-1", "FT-1", 10, now=2000), SECRET, now=2001)
    assert conversation_id_for(claims, SECRET, a) == conversation_id_for(again, SECRET, a)  # a reconnect resumes
    assert (conversation_id_for(claims, SECRET, a) == conversation_id_for(claims, SECRET, b)) == (a == b)
    assert conversation_id_for(claims, SECRET, a) != conversation_id_for(claims, SECRET)
    assert a not in conversation_id_for(claims, SECRET, a)


def test_every_link_is_distinct_and_carries_its_issue_time() -> None:
    one, two = make_token(SECRET, "D-1", "FT-1", 10, now=1000), make_token(SECRET, "D-1", "FT-1", 10, now=1000)
    assert one != two  # the nonce: one link can be revoked without the other
    claims = verify_token(one, SECRET, now=1001)
    assert claims.issued_at == 1000 and claims.expires_at == 1600
    assert claims.token_key == token_key(one) == token_key(f"https://x.example/webhooks/webchat/demo?token={one}")
    assert claims.token_key != token_key(two) and one not in claims.token_key
    with pytest.raises(ValueError):
        token_key("no token here")


def test_device_ids_are_random_and_strictly_shaped() -> None:
    ids = {new_device_id() for _ in range(50)}
    assert len(ids) == 50 and all(valid_device_id(i) for i in ids)
    for bad in (None, "", "short", "x" * 31 + "!", "x" * 33, "../" * 11):
        assert not valid_device_id(bad)


def test_revocations_by_invoice_apply_to_links_issued_before_only(session) -> None:
    debtor = Debtor(debtor_ref="D-1", name="Mario Rossi", tax_code="RSSMRA80A01H501U", language="it")
    session.add(debtor)
    session.flush()
    from datetime import date
    from decimal import Decimal

    session.add(Invoice(debtor_id=debtor.id, invoice_number="FT-1", number_key="FT-1", issue_date=date(2026, 1, 1),
                        due_date=date(2026, 2, 1), amount_due=Decimal("10.00")))
    session.flush()
    at = datetime(2026, 12, 3, 12, 0, 0)
    epoch = (at - datetime(1970, 1, 1)).total_seconds()
    before = verify_token(make_token(SECRET, "D-1", "FT-1", 60, now=epoch - 60), SECRET, now=epoch)
    after = verify_token(make_token(SECRET, "D-1", "FT-1", 60, now=epoch + 60), SECRET, now=epoch + 61)
    assert not is_revoked(session, before)
    assert revoke_invoice(session, "ft-1", now=at) == "FT-1"
    assert is_revoked(session, before) and not is_revoked(session, after)
    revoke_token(session, after.token_key, now=at + timedelta(minutes=5))
    assert is_revoked(session, after)
    revoke_invoice(session, "FT-1", now=at + timedelta(minutes=1))  # again: the newer time counts, one row
    rows = session.execute(select(WebchatRevocation.revoked_at).where(WebchatRevocation.kind == "invoice")).all()
    assert rows == [(at + timedelta(minutes=1),)]
    with pytest.raises(ValueError):
        revoke_invoice(session, "FT-404", now=at)
