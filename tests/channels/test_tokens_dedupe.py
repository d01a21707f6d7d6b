"""Signed web chat tokens and the duplicate filter."""
from __future__ import annotations

import pytest

from bot.channels.dedupe import RecentIds
from bot.channels.tokens import InvalidToken, conversation_id_for, make_token, verify_token

SECRET = "s3cret"


def test_token_round_trip_and_stable_conversation_id():
    claims = verify_token(make_token(SECRET, "D-1", "FT-1", 10, language="en", now=1000), SECRET, now=1100)
    assert (claims.debtor_ref, claims.invoice_number, claims.language) == ("D-1", "FT-1", "en")
    again = verify_token(make_token(SECRET, "D-1", "FT-1", 10, now=2000), SECRET, now=2001)
    assert conversation_id_for(claims, SECRET) == conversation_id_for(again, SECRET)
    other = verify_token(make_token(SECRET, "D-1", "FT-2", 10, now=1000), SECRET, now=1001)
    assert conversation_id_for(other, SECRET) != conversation_id_for(claims, SECRET)
    assert "D-1" not in conversation_id_for(claims, SECRET)


@pytest.mark.parametrize("mutate", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),          # signature changed
    lambda t: "eyJkIjoiRC05IiwiZXhwIjo5OTk5OTk5OTk5LCJpIjoiRlQtMSJ9." + t.split(".")[1],  # claims swapped
    lambda t: t.split(".")[0],                                    # no signature
    lambda t: "",
])
def test_tampered_tokens_are_refused(mutate):
    token = make_token(SECRET, "D-1", "FT-1", 10, now=1000)
    with pytest.raises(InvalidToken):
        verify_token(mutate(token), SECRET, now=1001)


def test_expired_and_foreign_tokens_are_refused():
    token = make_token(SECRET, "D-1", "FT-1", 1, now=1000)
    with pytest.raises(InvalidToken):
        verify_token(token, SECRET, now=1060)
    with pytest.raises(InvalidToken):
        verify_token(token, "another secret", now=1001)


def test_recent_ids_forget_after_ttl_and_cap():
    now = [0.0]
    recent = RecentIds(ttl=60, max_items=3, clock=lambda: now[0])
    assert recent.seen_before("sms", "a") is False and recent.seen_before("sms", "a") is True
    assert recent.seen_before("whatsapp", "a") is False  # ids are per channel
    now[0] = 61
    assert recent.seen_before("sms", "a") is False
    for key in "bcd":
        recent.seen_before("sms", key)
    assert len(recent) == 3
