"""Delivery to the debtor's own channel, through the channels part's outbound module.

Kept behind two small functions so the console does not care which channel a
conversation lives on, and tests can replace delivery with a recorder.
"""
from __future__ import annotations

import inspect
from typing import Any, Awaitable, Callable


async def push(conversation_id: str, text: str, buttons: list[dict] | None = None,
               metadata: dict[str, Any] | None = None) -> None:
    """Deliver to the conversation; ``metadata`` (e.g. ``agent_name``) goes along where the
    outbound module takes it, so channels that can show the sender's name do."""
    from bot.channels.outbound import push_to_conversation

    # Looked up at run time: the keyword is passed only when the outbound module accepts it.
    deliver: Callable[..., Awaitable[None]] = push_to_conversation
    if metadata and "metadata" in inspect.signature(deliver).parameters:
        await deliver(conversation_id, text, buttons, metadata=metadata)
        return
    await deliver(conversation_id, text, buttons)


def output_channel(conversation_id: str) -> Any:
    """A Rasa OutputChannel that speaks into ``conversation_id`` (used when the bot resumes)."""
    from bot.channels.outbound import output_channel_for

    return output_channel_for(conversation_id)
