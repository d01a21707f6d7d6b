"""Short-lived signed tokens that link an invoice page to a web chat conversation.

Format: ``base64url(json claims) + "." + base64url(HMAC-SHA256(secret, claims))``. The
claims name the debtor, the invoice, the issue time, the expiry and a nonce (so every link
is distinct and can be revoked on its own). A link identifies an invoice, never a person:
the server derives the conversation id from the claims *and* the browser's device token
(an HttpOnly cookie it issued), so a copied link opens a new, unverified conversation.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass

CONVERSATION_PREFIX = "web:"
DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")


class InvalidToken(ValueError):
    """The token is malformed, wrongly signed or expired (the reason is for logs only)."""


@dataclass(frozen=True)
class WebchatClaims:
    debtor_ref: str
    invoice_number: str
    expires_at: int
    language: str | None = None
    issued_at: int = 0      # 0 for links made before issue times were signed: revoked by any invoice revocation
    token_key: str = ""     # digest naming this one link (revocation by token)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode("ascii"), hashlib.sha256).digest())


def make_token(secret: str, debtor_ref: str, invoice_number: str, ttl_minutes: int,
               language: str | None = None, now: float | None = None) -> str:
    """A signed token for one invoice of the debtor, valid for ``ttl_minutes`` from ``now``.

    Raises ``ValueError`` without a secret or for a lifetime that is not positive."""
    if not secret:
        raise ValueError("WEBCHAT_TOKEN_SECRET is not set")
    if ttl_minutes <= 0:
        raise ValueError("token lifetime must be positive")
    issued = int(time.time() if now is None else now)
    claims = {"d": debtor_ref, "i": invoice_number, "exp": issued + ttl_minutes * 60, "iat": issued,
              "n": secrets.token_urlsafe(6)}
    if language in ("it", "en"):
        claims["l"] = language
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_sign(secret, body)}"


def verify_token(token: str, secret: str, now: float | None = None) -> WebchatClaims:
    """The claims of a genuine, unexpired token; raises ``InvalidToken`` otherwise (revocation is checked elsewhere)."""
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
    try:
        issued = int(claims.get("iat") or 0)
    except (TypeError, ValueError) as exc:
        raise InvalidToken("bad claims") from exc
    return WebchatClaims(debtor_ref=debtor_ref, invoice_number=invoice, expires_at=expires, language=language,
                         issued_at=issued, token_key=key_of_body(body))


def key_of_body(body: str) -> str:
    """The digest that names one link in the revocation table (never the token itself)."""
    return hashlib.sha256(body.encode("ascii", "replace")).hexdigest()[:40]


def token_key(token_or_link: str) -> str:
    """The revocation key of a token, or of a link carrying ``?token=`` (signature not needed)."""
    from urllib.parse import parse_qs, urlparse

    text = (token_or_link or "").strip()
    if "token=" in text:
        text = (parse_qs(urlparse(text).query).get("token") or [""])[0]
    body, dot, signature = text.partition(".")
    if not dot or not body or not signature:
        raise ValueError("that is not a web chat link or token")
    return key_of_body(body)


def new_device_id() -> str:
    """A fresh browser device token: 192 random bits, unguessable, meaningless on its own."""
    return secrets.token_urlsafe(24)


def valid_device_id(value: str | None) -> bool:
    """Whether a cookie value has the shape of a ``new_device_id`` token (it proves nothing more)."""
    return value is not None and value != "" and DEVICE_ID.match(value) is not None


def conversation_id_for(claims: WebchatClaims, secret: str, device: str = "") -> str:
    """Stable per debtor+invoice+browser (a reconnect resumes), opaque, unforgeable without the secret.

    With a ``device`` token the id is bound to that browser: the same link opened elsewhere
    gets another conversation, so the verification recorded for this one does not follow it.
    """
    material = f"conversation|{claims.debtor_ref}|{claims.invoice_number.upper()}".encode()
    if device:
        material += f"|device|{device}".encode()
    digest = hmac.new(secret.encode(), material, hashlib.sha256).hexdigest()[:24]
    return f"{CONVERSATION_PREFIX}{digest}"
