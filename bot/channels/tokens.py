"""Short-lived signed tokens that link an invoice page to a web chat conversation.

Format: ``base64url(json claims) + "." + base64url(HMAC-SHA256(secret, claims))``. The
claims name the debtor, the invoice and the expiry; the server derives the conversation
id from them, so a client can never pick (or guess) another debtor's conversation.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

CONVERSATION_PREFIX = "web:"


class InvalidToken(ValueError):
    """The token is malformed, wrongly signed or expired (the reason is for logs only)."""


@dataclass(frozen=True)
class WebchatClaims:
    debtor_ref: str
    invoice_number: str
    expires_at: int
    language: str | None = None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode("ascii"), hashlib.sha256).digest())


def make_token(secret: str, debtor_ref: str, invoice_number: str, ttl_minutes: int,
               language: str | None = None, now: float | None = None) -> str:
    if not secret:
        raise ValueError("WEBCHAT_TOKEN_SECRET is not set")
    if ttl_minutes <= 0:
        raise ValueError("token lifetime must be positive")
    issued = int(time.time() if now is None else now)
    claims = {"d": debtor_ref, "i": invoice_number, "exp": issued + ttl_minutes * 60}
    if language in ("it", "en"):
        claims["l"] = language
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_sign(secret, body)}"


def verify_token(token: str, secret: str, now: float | None = None) -> WebchatClaims:
    if not secret:
        raise InvalidToken("no secret configured")
    body, dot, signature = (token or "").strip().partition(".")
    if not dot or not body or not signature or len(token) > 2048:
        raise InvalidToken("malformed")
    # Constant-time comparison: a timing oracle must not reveal the signature byte by byte.
    if not hmac.compare_digest(_sign(secret, body), signature):
        raise InvalidToken("bad signature")
    try:
        claims = json.loads(_unb64(body))
        debtor_ref, invoice, expires = str(claims["d"]), str(claims["i"]), int(claims["exp"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidToken("bad claims") from exc
    if expires <= (time.time() if now is None else now):
        raise InvalidToken("expired")
    language = claims.get("l") if claims.get("l") in ("it", "en") else None
    return WebchatClaims(debtor_ref=debtor_ref, invoice_number=invoice, expires_at=expires, language=language)


def conversation_id_for(claims: WebchatClaims, secret: str) -> str:
    """Stable per debtor+invoice (so a reconnect resumes), opaque, unforgeable without the secret."""
    material = f"conversation|{claims.debtor_ref}|{claims.invoice_number.upper()}".encode()
    digest = hmac.new(secret.encode(), material, hashlib.sha256).hexdigest()[:24]
    return f"{CONVERSATION_PREFIX}{digest}"
