"""What a reader sees instead of codes: channel, journey and outcome labels, months, numbers.

Reports and the dashboard are read by credit managers, not by the code: "plan_created" is
"Piano concordato", "2026-03" is "mar 2026", 25669.01 is "25.669,01" in Italian and
"25,669.01" in English. Numbers and dates go through babel so every figure on one page uses
the same locale.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALES = {"it": "it_IT", "en": "en_GB"}

CODES: dict[str, dict[str, dict[str, str]]] = {
    "channel": {
        "webchat": {"it": "Chat web", "en": "Web chat"}, "whatsapp": {"it": "WhatsApp", "en": "WhatsApp"},
        "sms": {"it": "SMS", "en": "SMS"}, "telegram": {"it": "Telegram", "en": "Telegram"},
        "rest": {"it": "API", "en": "API"}, "email": {"it": "E-mail", "en": "E-mail"},
        "voice": {"it": "Telefono", "en": "Phone"}, "unknown": {"it": "Non indicato", "en": "Not given"},
    },
    "journey": {
        "balance": {"it": "Saldo", "en": "Balance"}, "plan": {"it": "Piano di rientro", "en": "Repayment plan"},
        "promise": {"it": "Promessa di pagamento", "en": "Promise to pay"},
        "already_paid": {"it": "Già pagato", "en": "Already paid"},
        "dispute": {"it": "Contestazione", "en": "Dispute"},
        "difficulty": {"it": "Difficoltà di pagamento", "en": "Payment difficulty"},
        "payment_methods": {"it": "Metodi di pagamento", "en": "Payment methods"},
        "handoff": {"it": "Passaggio a un operatore", "en": "Handed to an agent"},
        "other": {"it": "Altro", "en": "Other"},
    },
    "outcome": {
        "resolved": {"it": "Risolto", "en": "Resolved"}, "plan_created": {"it": "Piano concordato", "en": "Plan agreed"},
        "plan_agreed": {"it": "Piano concordato", "en": "Plan agreed"},
        "promise_recorded": {"it": "Promessa registrata", "en": "Promise recorded"},
        "dispute_recorded": {"it": "Contestazione registrata", "en": "Dispute recorded"},
        "payment_matched": {"it": "Pagamento trovato", "en": "Payment found"},
        "reconciliation_opened": {"it": "Verifica pagamento aperta", "en": "Payment check opened"},
        "payment_pause": {"it": "Pausa concordata", "en": "Pause agreed"},
        "nothing_due": {"it": "Nulla da pagare", "en": "Nothing due"},
        "nothing_payable": {"it": "Fatture in verifica", "en": "Invoices under review"}, "informed": {"it": "Informato", "en": "Informed"},
        "unaffordable": {"it": "Rata non sostenibile", "en": "Instalment unaffordable"},
        "declined": {"it": "Proposta rifiutata", "en": "Offer declined"},
        "too_far": {"it": "Data troppo lontana", "en": "Date too far"},
        "handoff": {"it": "Passato a un operatore", "en": "Handed to an agent"},
        "handled_by_agent": {"it": "Gestito da un operatore", "en": "Handled by an agent"},
        "other": {"it": "Altro", "en": "Other"},
    },
    "language": {"it": {"it": "Italiano", "en": "Italian"}, "en": {"it": "Inglese", "en": "English"}},
}


def label(dimension: str, code: str, lang: str = "it") -> str:
    """The reader's name for a code; an unknown code is shown as words ("new_code" -> "New code")."""
    known = CODES.get(dimension, {}).get(code)
    if known:
        return known.get(lang) or known["en"]
    if dimension == "month":
        return month_label(code, lang)
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "—"


def month_label(key: str, lang: str = "it") -> str:
    """'2026-03' -> 'mar 2026' / 'Mar 2026'."""
    try:
        year, month = (int(p) for p in key.split("-")[:2])
        return format_date(date(year, month, 1), "MMM y", locale=LOCALES.get(lang, "en_GB"))
    except (ValueError, TypeError):
        return key


def day_label(iso: str | None, lang: str = "it") -> str:
    """'2026-03-07' -> '7 mar 2026' / '7 Mar 2026'; '—' when missing."""
    if not iso:
        return "—"
    try:
        return format_date(date.fromisoformat(iso[:10]), "medium", locale=LOCALES.get(lang, "en_GB"))
    except ValueError:
        return iso


def fmt_num(value: Any, decimals: int = 1, lang: str = "it") -> str:
    """A number in the reader's locale with exactly ``decimals`` decimals (integers none); '—' for None."""
    if value is None:
        return "—"
    locale = LOCALES.get(lang, "en_GB")
    if isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value, format="#,##0", locale=locale)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=locale)
