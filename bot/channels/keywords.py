"""SMS/WhatsApp keywords (STOP, ARRESTA, START, HELP...) handled here, never by the model.

Carriers and Twilio treat these words as commands; a debtor typing STOP must be opted
out at once, whatever the dialogue is doing, even while an agent has the conversation.
"""
from __future__ import annotations

import asyncio
import re
from typing import Optional

from bot.channels import inbound
from bot.channels.inbound import InboundMessage

OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRESTA", "ARRESTO", "DISISCRIVI"}
OPT_IN = {"START", "UNSTOP", "RIPRENDI"}
HELP = {"HELP", "INFO", "AIUTO"}
ITALIAN_WORDS = {"ARRESTA", "ARRESTO", "DISISCRIVI", "RIPRENDI", "AIUTO"}
CHANNEL_LABELS = {"whatsapp": "WhatsApp", "sms": "SMS", "telegram": "Telegram", "webchat": "chat", "rest": "chat"}
_WORD = re.compile(r"^\s*([A-Za-z]+)\s*[.!]*\s*$")


def keyword_of(text: str) -> str | None:
    """The keyword when the whole message is one (case and trailing punctuation ignored)."""
    match = _WORD.match(text or "")
    word = match.group(1).upper() if match else ""
    return word if word in OPT_OUT | OPT_IN | HELP else None


def _set_opt_out(conversation_id: str, channel: str, opted_out: bool) -> None:
    from bot.dialogue.records import record_opt_out

    record_opt_out(conversation_id=conversation_id, channel=channel, debtor_id=None, opted_out=opted_out)


async def handle_keywords(msg: InboundMessage, lang: str) -> Optional[list[str]]:
    """Act on a keyword message (opt out, opt in, help) and return the replies; ``None`` when it is none.

    An Italian keyword is answered in Italian; an opt-out is stored at once, even during a handoff."""
    word = keyword_of(msg.text)
    if word is None:
        return None
    if word in ITALIAN_WORDS:
        lang = "it"
    label = CHANNEL_LABELS.get(msg.channel, msg.channel)
    if word in OPT_OUT:
        await asyncio.to_thread(_set_opt_out, msg.conversation_id, msg.channel, True)
        return [inbound.render("opt_out_confirmed", lang, channel_label=label)]
    if word in OPT_IN:
        await asyncio.to_thread(_set_opt_out, msg.conversation_id, msg.channel, False)
        return [inbound.render("opt_in_confirmed", lang, channel_label=label)]
    from bot.creditor import get_creditor

    creditor = get_creditor()
    return [inbound.render("help_keywords", lang, creditor=creditor.name, support_phone=creditor.support_phone)]
