"""Twilio REST calls for WhatsApp and SMS, off the event loop, retried with backoff.

The SDK is blocking (requests), so every call runs in a worker thread. A message that
fails with a temporary error (429, 5xx, network) is retried a few times; a permanent
refusal (e.g. the number opted out at Twilio) raises ``DeliveryError`` at once.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import re
import threading
from typing import Any, Optional

from requests import RequestException
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.channels.formatting import Button
from bot.channels.outbound import DeliveryError, TemporaryDeliveryError
from bot.logs import mask_text
from bot.settings import get_settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
RETRY_BASE_SECONDS = 0.5
HTTP_TIMEOUT_SECONDS = 15.0
CONTENT_API = "https://content.twilio.com/v1/Content"
_TWILIO_HOST = re.compile(r"^https://([a-z0-9-]+)(?:\.[a-z0-9-]+)*\.twilio\.com")


def whatsapp_templates() -> dict[str, str]:
    """Approved WhatsApp templates: ``TWILIO_WHATSAPP_TEMPLATES="name=HXsid,name2=HXsid"``.

    ``reengage`` is sent when an agent or reminder writes outside the 24-hour window;
    ``quick_reply_1..3`` override the quick-reply contents otherwise created on demand.
    """
    raw = os.environ.get("TWILIO_WHATSAPP_TEMPLATES", "")
    pairs = (item.split("=", 1) for item in raw.split(",") if "=" in item)
    return {name.strip(): sid.strip() for name, sid in pairs if name.strip() and sid.strip()}


class RebasingHttpClient(TwilioHttpClient):
    """Sends ``https://<product>.twilio.com/...`` to ``<base>/<product>/...`` (the fake API in tests)."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(timeout=HTTP_TIMEOUT_SECONDS, **kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        url = _TWILIO_HOST.sub(lambda m: f"{self.base_url}/{m.group(1)}", url)
        return super().request(method, url, *args, **kwargs)


_local = threading.local()


def client() -> Client:
    """One client per worker thread (requests sessions are not shared across threads)."""
    s = get_settings()
    key = (s.twilio_account_sid, s.twilio_auth_token, s.twilio_api_base_url)
    cached: Optional[tuple[tuple[str, str, str], Client]] = getattr(_local, "client", None)
    if cached is None or cached[0] != key:
        http = RebasingHttpClient(s.twilio_api_base_url) if s.twilio_api_base_url else \
            TwilioHttpClient(timeout=HTTP_TIMEOUT_SECONDS)
        cached = (key, Client(s.twilio_account_sid, s.twilio_auth_token, http_client=http))
        _local.client = cached
    return cached[1]


def _temporary(exc: Exception) -> bool:
    if isinstance(exc, TwilioRestException):
        return exc.status == 429 or exc.status >= 500
    return isinstance(exc, RequestException)


# Calls from the reply outbox try once: the outbox retries later, outside the conversation.
attempts_var: contextvars.ContextVar[int] = contextvars.ContextVar("twilio_attempts", default=MAX_ATTEMPTS)


async def with_retries(what: str, to: str, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Run a blocking SDK call in a thread; temporary errors are retried, then raise
    ``TemporaryDeliveryError``; refusals raise ``DeliveryError`` at once."""
    attempts = attempts_var.get()
    for attempt in range(1, attempts + 1):
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except (TwilioRestException, RequestException) as exc:
            if not _temporary(exc):
                code = getattr(exc, "code", None)
                raise DeliveryError(f"twilio refused {what} (code {code})") from exc
            wait = RETRY_BASE_SECONDS * 2 ** (attempt - 1)
            log.warning("twilio %s failed to=%s attempt=%d retry_in=%.1fs error=%s", what, mask_text(to),
                        attempt, wait, exc.__class__.__name__)
            if attempt < attempts:
                await asyncio.sleep(wait)
    raise TemporaryDeliveryError(f"twilio {what} failed after {attempts} attempts")


def _create_message(**kwargs: Any) -> str:
    return client().messages.create(**kwargs).sid


async def send_message(from_: str, to: str, body: str | None = None, content_sid: str | None = None,
                       content_variables: dict[str, str] | None = None) -> str:
    """Send a free-text ``body`` or, with ``content_sid``, a content template; returns the message SID.

    Errors as in ``with_retries``: ``TemporaryDeliveryError`` or ``DeliveryError``."""
    kwargs: dict[str, Any] = {"from_": from_, "to": to}
    if content_sid:
        kwargs["content_sid"] = content_sid
        if content_variables:
            kwargs["content_variables"] = json.dumps(content_variables, ensure_ascii=False)
    else:
        kwargs["body"] = body or ""
    return await with_retries("message", to, _create_message, **kwargs)


# --- WhatsApp quick replies ---------------------------------------------------------------
_quick_reply_sids: dict[tuple[str, int], str] = {}
_content_lock = threading.Lock()


def _create_quick_reply_content(count: int) -> str:
    """A quick-reply content with variables: body {{1}}, titles {{2..}}, ids after them."""
    actions = [{"title": "{{%d}}" % (2 + i), "id": "{{%d}}" % (2 + count + i)} for i in range(count)]
    variables = {str(n): f"v{n}" for n in range(1, 2 + 2 * count)}
    definition = {
        "friendly_name": f"collections_quick_reply_{count}",
        "language": "it",
        "variables": variables,
        "types": {"twilio/quick-reply": {"body": "{{1}}", "actions": actions}, "twilio/text": {"body": "{{1}}"}},
    }
    response = client().request("POST", CONTENT_API, data=json.dumps(definition),
                                headers={"Content-Type": "application/json"})
    if response.status_code >= 300:
        raise TwilioRestException(response.status_code, CONTENT_API, "content creation failed")
    return str(json.loads(response.text)["sid"])


def _quick_reply_sid(count: int) -> str:
    override = whatsapp_templates().get(f"quick_reply_{count}")
    if override:
        return override
    key = (get_settings().twilio_account_sid, count)
    with _content_lock:
        if key not in _quick_reply_sids:
            _quick_reply_sids[key] = _create_quick_reply_content(count)
        return _quick_reply_sids[key]


async def send_quick_reply(from_: str, to: str, body: str, buttons: tuple[Button, ...]) -> str:
    """Send ``body`` with WhatsApp quick-reply buttons (at most 3); returns the message SID."""
    sid = await with_retries("quick-reply content", to, _quick_reply_sid, len(buttons))
    variables = {"1": body}
    for i, button in enumerate(buttons):
        variables[str(2 + i)] = button.title
        variables[str(2 + len(buttons) + i)] = button.payload
    return await send_message(from_, to, content_sid=sid, content_variables=variables)


def reset() -> None:
    """Forget cached clients and contents (tests)."""
    _quick_reply_sids.clear()
    _local.__dict__.clear()
