"""The assistant's voice: every debtor-facing message, in Italian and English.

Wording lives in ``templates/{it,en}/<key>.j2`` (tone rules in ``templates/TONE.md``) so it
can change without touching code.
"""
from bot.messages.formatting import (
    format_date, format_money, format_on_date, format_weekday_date, supported_language,
)
from bot.messages.render import LANGUAGES, UnknownMessageKey, available_keys, render

__all__ = [
    "LANGUAGES", "UnknownMessageKey", "available_keys", "format_date", "format_money", "format_on_date",
    "format_weekday_date", "render", "supported_language",
]
