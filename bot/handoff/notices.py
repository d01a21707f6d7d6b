"""Telling the debtor, on their own channel, who joined and when the person left.

Each notice is queued through ``bot.handoff.relay`` together with its transcript row (the web
chat widget reads its history from there); a provider that is down only delays it. Agent
messages and notices carry the agent's display name in the reply metadata (``metadata.agent_name``)
for channels that show it.
A notice that cannot be delivered is logged and never undoes the assignment or the close.
"""
from __future__ import annotations

import asyncio
import logging

from bot.handoff import relay, texts
from bot.ledger.db import session_scope
from bot.ledger.models import Conversation, Handoff

log = logging.getLogger(__name__)


def language_of(handoff_id: int) -> tuple[str, str]:
    """(conversation id, debtor language) of a handoff."""
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            return "", "it"
        conv = session.get(Conversation, handoff.conversation_id)
        return handoff.conversation_id, (conv.language if conv else None) or handoff.language or "it"


async def tell(handoff_id: int, key: str, agent_name: str) -> bool:
    """Queue notice ``key`` (``agent_joined``, ``agent_closed``) with its transcript row; False when it can
    never be delivered (then nothing is recorded)."""
    conversation_id, lang = await asyncio.to_thread(language_of, handoff_id)
    if not conversation_id:
        return False
    text = texts.render(key, lang, agent_name=agent_name)
    try:
        await relay.send(conversation_id, text, None, relay.bot_message(conversation_id, text),
                         metadata={"agent_name": agent_name})
    except Exception as exc:  # noqa: BLE001 - any channel failure: the state change stands
        log.error("debtor notice not delivered handoff=%s notice=%s error=%s", handoff_id, key,
                  type(exc).__name__)
        return False
    return True
