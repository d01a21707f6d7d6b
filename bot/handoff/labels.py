"""What the console shows instead of codes: money, moments, reasons, outcomes, channels.

Money and dates go through babel in the console language; moments are stored naive UTC and
shown in the creditor's time zone (``creditor.yml``), since that is where the agents sit.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.creditor import get_creditor
from bot.messages.formatting import LOCALES, format_date, format_money, supported_language

# language -> table -> code -> words (priority codes are ints, the rest strings)
_TEXT: dict[str, dict[str, dict[Any, str]]] = {
    "it": {
        "reason": {"request_human": "Chiede un operatore", "complain": "Reclamo", "fallback": "Non compreso",
                   "vulnerability": "Vulnerabilità", "dispute": "Contestazione",
                   "verification_locked": "Verifica bloccata", "unaffordable": "Nessun piano sostenibile",
                   "hardship": "Difficoltà economica"},
        "outcome": {"resolved": "Risolta", "promise": "Promessa di pagamento", "plan": "Piano di rientro",
                    "dispute": "Contestazione", "callback": "Richiamata", "no_answer": "Nessuna risposta",
                    "other": "Altro"},
        "channel": {"telegram": "Telegram", "whatsapp": "WhatsApp", "sms": "SMS", "webchat": "Chat web",
                    "rest": "API REST"},
        "priority": {0: "Normale", 5: "Alta", 10: "Urgente"},
        "text": {"/start": "(ha aperto la chat)"},
        "intent": {"request_human": "chiede una persona", "complain": "reclamo", "dispute": "contestazione",
                   "payment_difficulty": "difficoltà a pagare", "request_plan": "piano di rientro",
                   "promise_to_pay": "promessa di pagamento", "already_paid": "dice di aver pagato",
                   "ask_balance": "chiede il saldo", "ask_payment_methods": "modalità di pagamento",
                   "request_invoice_copy": "copia fattura", "opt_out": "non vuole essere contattato",
                   "out_of_scope": "fuori tema", "nlu_fallback": "non compreso"},
    },
    "en": {
        "reason": {"request_human": "Asked for a person", "complain": "Complaint", "fallback": "Not understood",
                   "vulnerability": "Vulnerability", "dispute": "Dispute",
                   "verification_locked": "Verification locked", "unaffordable": "No affordable plan",
                   "hardship": "Financial hardship"},
        "outcome": {"resolved": "Resolved", "promise": "Promise to pay", "plan": "Repayment plan",
                    "dispute": "Dispute", "callback": "Callback", "no_answer": "No answer", "other": "Other"},
        "channel": {"telegram": "Telegram", "whatsapp": "WhatsApp", "sms": "SMS", "webchat": "Web chat",
                    "rest": "REST API"},
        "priority": {0: "Normal", 5: "High", 10: "Urgent"},
        "text": {"/start": "(opened the chat)"},
        "intent": {"request_human": "asks for a person", "complain": "complaint", "dispute": "dispute",
                   "payment_difficulty": "difficulty paying", "request_plan": "repayment plan",
                   "promise_to_pay": "promise to pay", "already_paid": "says it is paid",
                   "ask_balance": "asks the balance", "ask_payment_methods": "payment methods",
                   "request_invoice_copy": "invoice copy", "opt_out": "does not want contact",
                   "out_of_scope": "off topic", "nlu_fallback": "not understood"},
    },
}


def _table(lang: str) -> dict[str, dict[Any, str]]:
    return _TEXT[supported_language(lang)]


def reason(code: str, lang: str) -> str:
    """``complain`` -> "Reclamo" / "Complaint"; an unknown code is shown as it is."""
    return _table(lang)["reason"].get(code, code)


def outcome(code: str | None, lang: str) -> str:
    """The outcome an agent chose when closing, in words ("" when none)."""
    return _table(lang)["outcome"].get(code, code) if code else ""


def intent(code: str, lang: str) -> str:
    """The intent the dialogue recognised last, in words (unknown codes as they are)."""
    return _table(lang)["intent"].get(code, code)


def channel(code: str, lang: str) -> str:
    """``webchat`` -> "Chat web" / "Web chat"."""
    return _table(lang)["channel"].get(code, code)


def priority(value: int, lang: str) -> str:
    """The nearest named priority at or below ``value``."""
    names = _table(lang)["priority"]
    return names[max(k for k in names if k <= max(value, 0))]


def message_text(text: str, lang: str) -> str:
    """Transcript text with the widget's technical opener shown as words."""
    return _table(lang)["text"].get(text.strip(), text)


def local(moment: datetime) -> datetime:
    """A naive-UTC (or aware) moment in the creditor's time zone."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(ZoneInfo(get_creditor().timezone))


def moment(value: datetime | None, lang: str, with_date: bool = True) -> str:
    """``3 dic 2026, 09:05`` / ``3 Dec 2026, 09:05`` in the creditor's time zone ("" for None)."""
    if value is None:
        return ""
    pattern = "d MMM y, HH:mm" if with_date else "HH:mm"
    return format_datetime(local(value), pattern, locale=LOCALES[supported_language(lang)])


def money(amount: Decimal, lang: str, currency: str = "EUR") -> str:
    """Money in the console language (Decimal only)."""
    return format_money(amount, lang, currency)


def day(value: date, lang: str) -> str:
    """A calendar date in words (``15 dicembre 2026``)."""
    return format_date(value, lang)


def masked_address(conversation_id: str, address: str | None) -> str:
    """The last four characters of the address (phone, chat id) or of the conversation id."""
    source = (address or conversation_id.split(":", 1)[-1]).replace("whatsapp:", "")
    tail = "".join(c for c in source if c.isalnum())[-4:]
    return f"…{tail}" if tail else "…"


def unverified_label(channel_code: str, conversation_id: str, address: str | None, since: datetime,
                     lang: str) -> str:
    """"Telegram …4567 · 3 dic 2026, 09:05": who is writing, without a name or a full number."""
    return f"{channel(channel_code, lang)} {masked_address(conversation_id, address)} · {moment(since, lang)}"
