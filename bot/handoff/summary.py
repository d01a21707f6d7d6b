"""The summary an agent reads first: what the dialogue knew, plus the transcript tail."""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.models import TranscriptMessage

TRANSCRIPT_TAIL = 10
MAX_TAIL_TEXT = 300


def transcript_tail(session: Session, conversation_id: str, limit: int = TRANSCRIPT_TAIL) -> list[dict[str, str]]:
    """The conversation's last ``limit`` messages, oldest first, each text cut to MAX_TAIL_TEXT characters."""
    rows = session.execute(
        select(TranscriptMessage).where(TranscriptMessage.conversation_id == conversation_id)
        .order_by(TranscriptMessage.id.desc()).limit(limit)
    ).scalars().all()
    return [{"sender": r.sender, "text": r.text[:MAX_TAIL_TEXT]} for r in reversed(rows)]


def enrich(session: Session, summary: dict[str, Any], *, conversation_id: str, channel: str, reason: str,
           language: str, debtor_id: int | None, vulnerable: bool) -> dict[str, Any]:
    """The dialogue's summary with the facts the queue itself needs, JSON-safe."""
    data = dict(summary or {})
    data.update(reason=reason, channel=channel, language=language, debtor_id=debtor_id,
                vulnerable=bool(vulnerable or data.get("vulnerable")),
                verified=bool(data.get("verified")) and debtor_id is not None)
    data["transcript_tail"] = transcript_tail(session, conversation_id)
    return json.loads(json.dumps(data, default=str))


def load(raw: str | None) -> dict[str, Any]:
    """A stored summary as a dict; ``{}`` for a missing, malformed or non-object value, never an error."""
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# Labels for the console's summary box; values come from the dialogue as plain strings.
_LABELS = {
    "it": {"reason": "Motivo", "intent": "Intento", "verified": "Verificato", "debtor_name": "Debitore",
           "debtor_ref": "Rif. debitore", "balance": "Saldo aperto", "journey": "Percorso",
           "tried": "Già tentato", "vulnerable": "Vulnerabilità", "language": "Lingua", "channel": "Canale"},
    "en": {"reason": "Reason", "intent": "Intent", "verified": "Verified", "debtor_name": "Debtor",
           "debtor_ref": "Debtor ref.", "balance": "Open balance", "journey": "Journey",
           "tried": "Already tried", "vulnerable": "Vulnerability", "language": "Language", "channel": "Channel"},
}
_YES_NO = {"it": ("sì", "no"), "en": ("yes", "no")}


def _formatted(key: str, value: Any, lang: str) -> str | None:
    """Codes as words and money through babel; None when the value needs no special form."""
    from bot.handoff import labels

    if key == "balance":
        try:
            return labels.money(Decimal(str(value)), lang)
        except (InvalidOperation, ValueError, TypeError):
            return str(value)
    if key == "reason":
        return labels.reason(str(value), lang)
    if key == "intent":
        return labels.intent(str(value), lang)
    if key == "channel":
        return labels.channel(str(value), lang)
    if key == "language":
        return {"it": {"it": "italiano", "en": "inglese"}, "en": {"it": "Italian", "en": "English"}}[
            "en" if lang == "en" else "it"].get(str(value), str(value))
    return None


def display_rows(summary: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """(label, value) rows for the summary box, in the console language."""
    labels = _LABELS.get(lang, _LABELS["it"])
    yes, no = _YES_NO.get(lang, _YES_NO["it"])
    rows: list[tuple[str, str]] = []
    for key, label in labels.items():
        value = summary.get(key)
        if value is None or value == [] or value == "":
            continue
        special = _formatted(key, value, lang)
        if special is not None:
            text = special
        elif isinstance(value, bool):
            text = yes if value else no
        elif isinstance(value, list):
            text = "; ".join(str(v) for v in value)
        else:
            text = str(value)
        rows.append((label, text))
    return rows
