"""Signed web chat tokens and the duplicate filter."""
from __future__ import annotations

import pytest

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


def test_provider_ids_are_stored_once_per_channel(app_db):
    from bot.channels import dedupe

    first = dedupe.claim("sms", "SM1", {"Body": "ciao"}, "sms:+39333")
    assert first is not None
    assert dedupe.claim("sms", "SM1", {"Body": "ciao"}, "sms:+39333") is None  # the retry
    assert dedupe.claim("whatsapp", "SM1", {"Body": "ciao"}) is not None     # ids are per channel
    assert dedupe.seen_before("sms", "SM1") and not dedupe.seen_before("sms", "SM2")
    assert dedupe.seen_before("sms", None) is False
    with pytest.raises(ValueError):
        dedupe.claim("sms", "  ", {})
