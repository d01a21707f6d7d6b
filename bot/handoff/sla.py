"""Past the SLA with nobody taking it: apologise, un-pause, offer a callback (docs/architecture.md §7)."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from bot.handoff import events, relay, texts
from bot.handoff.service import sweep_sla
from bot.ledger.db import session_scope
from bot.ledger.models import Conversation

log = logging.getLogger(__name__)
SWEEP_SECONDS = 30.0
CALLBACK_PAYLOAD = '/inform{"choice":"callback"}'
CONTINUE_PAYLOAD = '/inform{"choice":"continue"}'


@dataclass(frozen=True)
class Expired:
    handoff_id: int
    conversation_id: str
    language: str


def expire_due(now: datetime) -> list[Expired]:
    """Expire the handoffs past the SLA and commit; each with the language its apology is due in."""
    with session_scope() as session:
        result = []
        for handoff in sweep_sla(session, now):
            conv = session.get(Conversation, handoff.conversation_id)
            lang = (conv.language if conv and conv.language else None) or handoff.language or "it"
            result.append(Expired(handoff.id, handoff.conversation_id, lang))
        return result


def apology(lang: str) -> tuple[str, list[dict]]:
    """The apology and the callback offer (the same buttons the after-hours reply uses)."""
    buttons = [{"title": texts.render("btn_callback", lang), "payload": CALLBACK_PAYLOAD},
               {"title": texts.render("btn_continue_bot", lang), "payload": CONTINUE_PAYLOAD}]
    return texts.render("handoff_sla_apology", lang), buttons


def _transcript_line(text: str, buttons: list[dict]) -> str:
    titles = " | ".join(b["title"] for b in buttons)
    return f"{text}\n[{titles}]" if titles else text


def requeue_due(now: datetime) -> int:
    """Silent assignments back to the queue (``CONSOLE_SILENT_REQUEUE_MINUTES``); how many."""
    from bot.handoff.assignment import requeue_silent

    with session_scope() as session:
        return len(requeue_silent(session, now))


async def sweep_once(now: datetime | None = None) -> list[Expired]:
    """One round: re-queue silent assignments, then expire waiting entries past the SLA."""
    now = now or datetime.utcnow()
    requeued = await asyncio.to_thread(requeue_due, now)
    expired = await asyncio.to_thread(expire_due, now)
    for item in expired:
        try:
            text, buttons = apology(item.language)
            # Queued with its transcript row: a provider that is down does not stall the sweep.
            await relay.send(item.conversation_id, text, buttons,
                             relay.bot_message(item.conversation_id, _transcript_line(text, buttons)))
        except Exception as exc:  # noqa: BLE001 - any channel error; the others still get theirs
            # Already un-paused: the debtor's next message reaches the bot even if this failed.
            log.error("SLA apology not delivered handoff=%s error=%s", item.handoff_id, exc)
        events.notify_conversation(item.conversation_id, kind="expired")
    if expired or requeued:
        events.notify_queue_changed()
    return expired


async def sla_loop(interval: float = SWEEP_SECONDS) -> None:
    """Runs for the life of the server; one failed sweep must not stop the next."""
    while True:
        try:
            await sweep_once()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep sweeping whatever one round hit (DB down, ...)
            log.exception("SLA sweep failed")
        await asyncio.sleep(interval)
