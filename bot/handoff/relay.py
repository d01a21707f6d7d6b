"""Delivery to the debtor's own channel, through the channels part's outbound modules.

Kept behind small functions so the console does not care which channel a conversation
lives on, and tests can replace delivery with a recorder. ``send`` is what the console uses:
the message and its transcript row are queued together (``bot.channels.pushes``), so the
agent's request never waits on a provider and a provider that is down only delays it.
"""
from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Awaitable, Callable

if TYPE_CHECKING:
    from bot.channels.pushes import Recorder


async def push(conversation_id: str, text: str, buttons: list[dict] | None = None,
               metadata: dict[str, Any] | None = None, record: Recorder | None = None) -> int | None:
    """Deliver to the conversation; ``metadata`` (e.g. ``agent_name``) goes along where the
    outbound module takes it, so channels that can show the sender's name do.

    With ``record`` the message is queued (``pushes.queue_push``) with the transcript row that
    ``record`` writes, and that row's id is returned; without, it is sent now and nothing is
    recorded (``None``). Raises ``DeliveryError`` when it can never be delivered.
    """
    if record is not None:
        from bot.channels.pushes import queue_push

        return await queue_push(conversation_id, text, buttons, record)
    from bot.channels.outbound import push_to_conversation

    # Looked up at run time: the keyword is passed only when the outbound module accepts it.
    deliver: Callable[..., Awaitable[None]] = push_to_conversation
    if metadata and "metadata" in inspect.signature(deliver).parameters:
        await deliver(conversation_id, text, buttons, metadata=metadata)
        return None
    await deliver(conversation_id, text, buttons)
    return None


async def send(conversation_id: str, text: str, buttons: list[dict] | None, record: Recorder,
               metadata: dict[str, Any] | None = None) -> int:
    """Queue ``text`` for the debtor and write its transcript row with ``record``, exactly once; the row id.

    Raises ``DeliveryError`` (nothing recorded) when it can never be delivered; a provider that is
    down later is the reply outbox's business (retries, then a note in the transcript).
    """
    recorded = await push(conversation_id, text, buttons, metadata=metadata, record=record)
    if recorded is None:  # ``push`` promises the row's id whenever it is given ``record``
        raise RuntimeError("push did not record the message")
    return recorded


def bot_message(conversation_id: str, text: str) -> Recorder:
    """A recorder writing ``text`` as the assistant's line (notices, apologies: the widget reads them there)."""
    def record(session: Any) -> int:
        from bot.conversations import record_message

        message = record_message(session, conversation_id, "bot", text)
        session.flush()
        return int(message.id)
    return record


def output_channel(conversation_id: str) -> Any:
    """A Rasa OutputChannel that speaks into ``conversation_id`` (used when the bot resumes)."""
    from bot.channels.outbound import output_channel_for

    return output_channel_for(conversation_id)
