"""WhatsApp and SMS through Twilio: signed webhooks in, REST API out.

The webhook checks ``X-Twilio-Signature`` against ``PUBLIC_BASE_URL`` + path, stores the
message (``durable``: its ``MessageSid`` is the dedupe, across restarts and replicas),
answers with empty TwiML, and runs the message through the inbound pipeline in the
background; replies are queued in the reply outbox (``delivery``) and go out through the
REST API (``twilio_api``) from there, never while the conversation is held.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Iterator
from urllib.parse import parse_qsl

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import RequestValidator

from bot.channels import delivery, durable, twilio_api
from bot.channels import choices
from bot.channels.formatting import Reply, WhatsAppPart, for_sms, for_whatsapp
from bot.channels.inbound import InboundMessage, handle_inbound
from bot.channels.keywords import handle_keywords
from bot.channels.outbound import ChannelOutput, DeliveryError, PushTarget
from bot.settings import get_settings

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
WHATSAPP_WINDOW = timedelta(hours=24)
PREFIX = {"whatsapp": "wa:", "sms": "sms:"}


def sender_number(kind: str) -> str:
    """The ``From`` number of ``kind``: the WhatsApp number with its ``whatsapp:`` prefix, or the SMS one."""
    s = get_settings()
    if kind == "whatsapp":
        number = s.twilio_whatsapp_from
        return number if number.startswith("whatsapp:") else f"whatsapp:{number}"
    return s.twilio_sms_from


def configured(kind: str) -> bool:
    """True when Twilio credentials, ``kind``'s sender number and ``PUBLIC_BASE_URL`` are all set."""
    s = get_settings()
    number = s.twilio_whatsapp_from if kind == "whatsapp" else s.twilio_sms_from
    return bool(s.twilio_account_sid and s.twilio_auth_token and number and s.public_base_url)


def _to(kind: str, address: str) -> str:
    return f"whatsapp:{address}" if kind == "whatsapp" else address


def _language_hint(address: str) -> str | None:
    return "it" if address.startswith("+39") else None  # only a hint; the text decides


# --- sending ----------------------------------------------------------------------------
async def send_reply(kind: str, conversation_id: str, address: str, reply: Reply, skip: int = 0,
                     progress: Callable[[int], None] | None = None) -> None:
    """Send a reply's parts after the first ``skip`` (already sent), reporting each one sent."""
    rendered = for_whatsapp(reply) if kind == "whatsapp" else for_sms(reply)
    if rendered.numbered:  # shared by every replica: the answer may arrive at another one
        await asyncio.to_thread(choices.remember, conversation_id, rendered.numbered)
    from_, to = sender_number(kind), _to(kind, address)
    for index, part in enumerate(rendered.parts):
        if index < skip:
            continue
        if isinstance(part, WhatsAppPart) and part.quick_replies:
            await twilio_api.send_quick_reply(from_, to, part.body, part.quick_replies)
        else:
            await twilio_api.send_message(from_, to, body=part.body if isinstance(part, WhatsAppPart) else part)
        if progress is not None:
            progress(index + 1)


def _address_of(kind: str, conversation_id: str) -> str:
    prefix = PREFIX[kind]
    return conversation_id[len(prefix):] if conversation_id.startswith(prefix) else conversation_id


@contextmanager
def _outbox_attempt(kind: str) -> Iterator[None]:
    """One outbox attempt on ``kind``: refused if not configured, one try (the outbox retries)."""
    if not configured(kind):
        raise DeliveryError(f"{kind} is not configured")
    marker = twilio_api.attempts_var.set(1)
    try:
        yield
    finally:
        twilio_api.attempts_var.reset(marker)


def _outbox_sender(kind: str) -> delivery.Sender:
    async def send(conversation_id: str, reply: Reply, skip: int, progress: Callable[[int], None]) -> None:
        with _outbox_attempt(kind):
            await send_reply(kind, conversation_id, _address_of(kind, conversation_id), reply, skip, progress)
    return send


async def _template_from_outbox(conversation_id: str, template: str, variables: dict[str, str]) -> None:
    with _outbox_attempt("whatsapp"):
        await send_template(conversation_id, _address_of("whatsapp", conversation_id), template, variables)


for _kind in PREFIX:
    delivery.register_sender(_kind, _outbox_sender(_kind), _template_from_outbox if _kind == "whatsapp" else None)


class TwilioOutput(ChannelOutput):
    kind = "sms"

    async def deliver(self, recipient_id: str, reply: Reply, record_id: int) -> None:
        if not configured(self.kind):
            raise DeliveryError(f"{self.kind} is not configured")
        await delivery.enqueue(self.kind, recipient_id, reply, record_id)


class WhatsAppOutput(TwilioOutput):
    channel_name = kind = "whatsapp"


class SmsOutput(TwilioOutput):
    channel_name = kind = "sms"


# --- pushes (agents, reminders) and the WhatsApp 24-hour window --------------------------
# A message written outside the window is held in the reply outbox until the debtor answers.


def window_open(last_inbound_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether the debtor wrote within the last 24 hours (UTC), so WhatsApp accepts free text."""
    return last_inbound_at is not None and (now or datetime.utcnow()) - last_inbound_at < WHATSAPP_WINDOW


async def send_template(conversation_id: str, address: str, template: str, variables: dict[str, str]) -> None:
    """An approved WhatsApp template (the only thing allowed outside the 24-hour window)."""
    sid = twilio_api.whatsapp_templates().get(template)
    if not sid:
        raise DeliveryError(f"no WhatsApp template {template!r} configured (TWILIO_WHATSAPP_TEMPLATES)")
    await twilio_api.send_message(sender_number("whatsapp"), _to("whatsapp", address), content_sid=sid,
                                  content_variables=variables)


def reengage_variables() -> dict[str, str]:
    """The ``reengage`` template's variables: the creditor's name, so the debtor knows who asks them to answer."""
    from bot.creditor import get_creditor

    return {"1": get_creditor().name}


async def reengage(target: PushTarget) -> None:
    """Ask a debtor outside the window to answer (the ``reengage`` template) now; the answer reopens
    the window and releases what was held for them (``process``)."""
    await send_template(target.conversation_id, target.address or "", "reengage", reengage_variables())


async def push(target: PushTarget, reply: Reply) -> None:
    """Send a reply now, inside the window; the caller has asked ``outbound.check_deliverable`` and
    handled a closed window (``reengage``, then hold). Raises ``DeliveryError`` when Twilio refuses."""
    await send_reply(target.channel, target.conversation_id, target.address or "", reply)


def output_for(conversation_id: str) -> OutputChannel:
    """The WhatsApp output for a ``wa:`` conversation, the SMS output otherwise."""
    return WhatsAppOutput() if conversation_id.startswith("wa:") else SmsOutput()


# --- inbound ----------------------------------------------------------------------------
def _params(request: Request) -> dict[str, str]:
    # Parsed by hand: sanic's request.form drops blank values, and Twilio signs them too
    # (a photo without caption arrives with ``Body=``).
    params: dict[str, str] = {}
    for key, value in parse_qsl(request.body.decode("utf-8", errors="replace"), keep_blank_values=True):
        params.setdefault(key, value)
    return params


def signature_valid(request: Request, params: dict[str, str]) -> bool:
    """Whether ``X-Twilio-Signature`` matches the request as Twilio signed it (``PUBLIC_BASE_URL`` + path)."""
    s = get_settings()
    url = s.public_base_url + request.path + (f"?{request.query_string}" if request.query_string else "")
    signature = request.headers.get("X-Twilio-Signature", "")
    return RequestValidator(s.twilio_auth_token).validate(url, params, signature)


def inbound_from_params(kind: str, params: dict[str, str]) -> InboundMessage | None:
    """The debtor's message from a webhook's form fields; ``None`` without a usable sender.

    A quick-reply tap or a typed option number becomes that option's payload (reads the stored options)."""
    sender = params.get("From", "")
    if kind == "whatsapp":
        if not sender.startswith("whatsapp:"):
            return None
        sender = sender[len("whatsapp:"):]
    if not sender:
        return None
    conversation_id = f"{PREFIX[kind]}{sender}"
    body = (params.get("Body") or "").strip()
    text, display = body, None
    if params.get("ButtonPayload"):  # a WhatsApp quick-reply tap
        text, display = params["ButtonPayload"], params.get("ButtonText") or body
    elif body:
        picked = choices.resolve(conversation_id, body)
        if picked is not None:
            text, display = picked.payload, f"{body} ({picked.title})" if body != picked.title else body
    media = int(params.get("NumMedia") or 0) > 0
    return InboundMessage(channel=kind, conversation_id=conversation_id, text=text, address=sender,
                          message_id=params.get("MessageSid") or None, display_text=display,
                          media_only=media and not text, language_hint=_language_hint(sender))


async def process_params(kind: str, params: dict[str, str],
                         on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> str | None:
    """Process one stored webhook (``durable`` calls this, again on a retry)."""
    msg = await asyncio.to_thread(inbound_from_params, kind, params)  # reads the numbered options
    return None if msg is None else await process(kind, msg, on_new_message)


async def process(kind: str, msg: InboundMessage, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> str:
    """Run a message through the pipeline with the SMS/WhatsApp keywords; WhatsApp first releases held replies."""
    output: ChannelOutput = WhatsAppOutput() if kind == "whatsapp" else SmsOutput()
    if kind == "whatsapp":
        await delivery.release(msg.conversation_id)  # the debtor answered: the window is open again
    return await handle_inbound(msg, output, on_new_message, keywords=handle_keywords)


class _TwilioInput(InputChannel):
    kind = "sms"

    @classmethod
    def name(cls) -> str:
        return cls.kind

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()  # configuration comes from the environment (bot.settings)

    def get_output_channel(self) -> OutputChannel | None:
        return WhatsAppOutput() if self.kind == "whatsapp" else SmsOutput()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        kind = self.kind
        bp = Blueprint(f"{kind}_webhook", __name__)

        async def handler(params: dict[str, Any], callback: Callable[[UserMessage], Awaitable[Any]]) -> Any:
            return await process_params(kind, params, callback)

        durable.register(kind, handler, on_new_message)

        @bp.listener("after_server_start")
        async def _workers(_app: Any, _loop: Any) -> None:
            durable.ensure_worker()   # messages stored before a restart are processed now
            delivery.ensure_pump()

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if configured(kind) else "not configured"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not configured(kind):
                return response.json({"error": "channel not configured"}, status=503)
            if not request.headers.get("X-Twilio-Signature"):
                return response.json({"error": "missing signature"}, status=401)
            params = _params(request)
            if not signature_valid(request, params):
                log.warning("%s webhook refused: bad signature", kind)
                return response.json({"error": "forbidden"}, status=403)
            sid = params.get("MessageSid") or ""
            if not sid:
                return response.json({"error": "missing MessageSid"}, status=400)
            sender = params.get("From", "")
            conversation_id = f"{PREFIX[kind]}{sender.removeprefix('whatsapp:')}" if sender else None
            try:  # stored before the answer: a 200 means the message cannot be lost any more
                await durable.accept(kind, sid, params, conversation_id)
            except SQLAlchemyError as exc:
                log.error("%s message not stored, asking Twilio to retry: %s", kind, exc.__class__.__name__)
                return response.json({"error": "try again later"}, status=503)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return bp


class WhatsAppInput(_TwilioInput):
    kind = "whatsapp"


class SmsInput(_TwilioInput):
    kind = "sms"
