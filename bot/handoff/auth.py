"""Agent passwords, signed session cookies and CSRF tokens for the console.

Passwords: scrypt (standard library) with a per-user random salt, compared in constant time.
Sessions: a signed (HMAC-SHA256, key ``CONSOLE_SECRET``) cookie carrying the username, a
random nonce and the issue time; only logouts are stored (``bot.handoff.revocations``). CSRF: every form carries
HMAC(nonce), so a page of another site cannot post on an agent's behalf.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass, replace

SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_LEN = 2 ** 14, 8, 1, 32
MIN_PASSWORD_LENGTH = 10
SESSION_MAX_AGE = 8 * 3600  # one working shift
MAX_FAILURES, LOCK_SECONDS = 5, 300


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_LEN,
                          maxmem=256 * 1024 * 1024)


def check_password_strength(password: str) -> None:
    """Raise ValueError, worded for the person choosing it, when the password is under MIN_PASSWORD_LENGTH."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")


def hash_password(password: str) -> str:
    """The string to store for a new password: scrypt, random salt, parameters included; ValueError if too weak."""
    check_password_strength(password)
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


# Verified against when the username does not exist, so timing does not reveal which names do.
_DUMMY_HASH = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(b'0' * 16)}${_b64(b'0' * KEY_LEN)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches the stored hash. ``stored`` None (unknown or disabled agent) still costs
    one scrypt, so timing does not reveal which usernames exist; a malformed hash is False, never an error."""
    try:
        scheme, n, r, p, salt, digest = (stored or _DUMMY_HASH).split("$")
        if scheme != "scrypt":
            return False
        computed = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(computed, _unb64(digest)) and stored is not None


@dataclass(frozen=True)
class ConsoleSession:
    username: str      # "" before login (the login form still needs a CSRF token)
    nonce: str
    issued: int
    lang: str = "it"

    @property
    def logged_in(self) -> bool:
        return bool(self.username)


class SessionSigner:
    def __init__(self, secret: str, max_age: int = SESSION_MAX_AGE) -> None:
        if not secret:
            raise ValueError("CONSOLE_SECRET is not set")
        self._key = hashlib.sha256(b"console-session|" + secret.encode()).digest()
        self.max_age = max_age

    def new(self, username: str = "", lang: str = "it") -> ConsoleSession:
        return ConsoleSession(username=username, nonce=secrets.token_urlsafe(16), issued=int(time.time()),
                              lang=lang if lang in ("it", "en") else "it")

    def with_lang(self, session: ConsoleSession, lang: str) -> ConsoleSession:
        return replace(session, lang=lang if lang in ("it", "en") else session.lang)

    def _sign(self, payload: bytes) -> str:
        return _b64(hmac.new(self._key, payload, hashlib.sha256).digest())

    def dumps(self, session: ConsoleSession) -> str:
        payload = _b64(json.dumps(asdict(session), separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload.encode())}"

    def loads(self, token: str | None, now: float | None = None) -> ConsoleSession | None:
        if not token or token.count(".") != 1:
            return None
        payload, signature = token.split(".")
        if not hmac.compare_digest(signature, self._sign(payload.encode())):
            return None
        try:
            session = ConsoleSession(**json.loads(_unb64(payload)))
        except (ValueError, TypeError):
            return None
        if (now or time.time()) - session.issued > self.max_age:
            return None
        return session

    def csrf_token(self, session: ConsoleSession) -> str:
        return self._sign(f"csrf|{session.nonce}".encode())

    def check_csrf(self, session: ConsoleSession, token: str | None) -> bool:
        return token is not None and token != "" and hmac.compare_digest(token, self.csrf_token(session))
