"""Agent passwords (scrypt, salted), signed sessions, CSRF tokens, login throttling."""
from __future__ import annotations

import pytest

from bot.handoff.auth import SessionSigner, hash_password, verify_password


def test_password_hash_is_salted_and_verifies_only_the_right_password():
    first, second = hash_password("correct-horse-battery"), hash_password("correct-horse-battery")
    assert first != second and first.startswith("scrypt$")
    assert "correct-horse-battery" not in first
    assert verify_password("correct-horse-battery", first)
    assert not verify_password("correct-horse-batterx", first)
    assert not verify_password("correct-horse-battery", None)
    assert not verify_password("correct-horse-battery", "md5$abc")


def test_short_passwords_are_refused():
    with pytest.raises(ValueError):
        hash_password("short")


def test_session_cookie_round_trip_tamper_and_expiry():
    signer = SessionSigner("secret-a", max_age=100)
    session = signer.new("giulia", "en")
    token = signer.dumps(session)
    assert signer.loads(token) == session
    payload, sig = token.split(".")
    forged = SessionSigner("secret-b").dumps(session)
    assert signer.loads(forged) is None
    assert signer.loads(payload + "." + sig[::-1]) is None
    assert signer.loads(token, now=session.issued + 101) is None
    assert signer.loads(None) is None and signer.loads("garbage") is None


def test_csrf_token_is_bound_to_the_session():
    signer = SessionSigner("secret")
    mine, other = signer.new("giulia"), signer.new("giulia")
    assert signer.check_csrf(mine, signer.csrf_token(mine))
    assert not signer.check_csrf(mine, signer.csrf_token(other))
    assert not signer.check_csrf(mine, None) and not signer.check_csrf(mine, "")


def test_signer_needs_a_secret():
    with pytest.raises(ValueError):
        SessionSigner("")
