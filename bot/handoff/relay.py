"""Delivery to the debtor's own channel, through the channels part's outbound module.

Kept behind two small functions so the console does not care which channel a
conversation lives on, and tests can replace delivery with a recorder.
"""
from __future__ import annotations

from typing import Any


async def push(conversation_id: str, text: str, buttons: list[dict] | None = None) -> None:
    from bot.channels.outbound import push_to_conversation

    await push_to_conversation(conversation_id, text, buttons)


def output_channel(conversation_id: str) -> Any:
    """A Rasa OutputChannel that speaks into ``conversation_id`` (used when the bot resumes)."""
    from bot.channels.outbound import output_channel_for

    return output_channel_for(conversation_id)
