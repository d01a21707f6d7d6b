"""The local/demo/testing channel: ``POST /webhooks/rest/webhook {"sender", "message"}``.

Same request and answer as Rasa's built-in ``rest`` channel, but through the inbound
pipeline (transcript, handoff gate) and without the client's metadata: a caller cannot
claim a verified invoice link or another channel's conversation.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.formatting import Reply
from bot.channels.inbound import InboundMessage, handle_inbound
from bot.channels.outbound import PREFIXES, ChannelOutput, PushTarget, TranscriptOnlyOutput
from bot.logs import mask_text
from bot.settings import get_settings

MAX_SENDER_CHARS = 100


class RestOutput(ChannelOutput):
    """Collects the replies of one request to return them in its HTTP answer."""

    channel_name = "rest"

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def deliver(self, recipient_id: str, reply: Reply, record_id: int) -> None:
        message: dict[str, Any] = {"recipient_id": recipient_id, "text": reply.text}
        if reply.buttons:
            message["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        self.messages.append(message)


async def push(target: PushTarget, reply: Reply) -> None:
    """Nothing is sent, only logged: a REST client sees answers to its own requests only (the caller records)."""
    import logging

    # A REST client only sees answers to its own requests; the transcript keeps the rest.
    logging.getLogger(__name__).info("rest conversation=%s has no live delivery", mask_text(target.conversation_id))


def output_for(conversation_id: str) -> OutputChannel:
    """An output that only records replies in the transcript (rest has no live delivery)."""
    return TranscriptOnlyOutput()


def _sender_error(sender: str) -> str | None:
    if not sender or len(sender) > MAX_SENDER_CHARS:
        return "sender must be a non-empty string of at most 100 characters"
    if any(sender.startswith(prefix) for prefix in PREFIXES):
        return "this sender id is reserved for another channel"
    return None


class RestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("custom_rest_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not get_settings().enable_rest_channel:
                # Anyone can pick any sender id here, so it is off unless asked for.
                return response.json({"error": "not found"}, status=404)
            try:
                body = request.json
            except InvalidUsage:
                body = None
            if not isinstance(body, dict):
                return response.json({"error": "expected a JSON object"}, status=400)
            sender = str(body.get("sender") or "").strip()
            text = body.get("message")
            error = _sender_error(sender) or (None if isinstance(text, str) else "message must be a string")
            if error or not isinstance(text, str):  # error is set whenever text is not a string
                return response.json({"error": error}, status=400)
            output = RestOutput()
            # Client metadata is dropped on purpose: link_invoice only ever comes from a signed link.
            msg = InboundMessage(channel="rest", conversation_id=sender, text=text.strip(), address=None)
            await handle_inbound(msg, output, on_new_message)
            return response.json(output.messages)

        return bp
