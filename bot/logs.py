"""Structured (key=value) logging with personal data masked."""
from __future__ import annotations

import logging
import re

from bot.settings import get_settings

# A codice fiscale, a partita IVA or a phone number must never reach a log line in full.
_CF = re.compile(r"\b([A-Za-z]{3})[A-Za-z0-9]{11}([A-Za-z0-9]{2})\b")
_DIGITS = re.compile(r"(?<![\w/])(\+?\d[\d ]{5,})(\d{3})\b")


def mask_text(text: str) -> str:
    text = _CF.sub(lambda m: f"{m.group(1)}***********{m.group(2)}", text)
    return _DIGITS.sub(lambda m: "*" * len(m.group(1).replace(" ", "")) + m.group(2), text)


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        record.msg, record.args = mask_text(message), ()
        return True


def configure_logging() -> None:
    root = logging.getLogger()
    if any(isinstance(f, MaskingFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("ts=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"))
    handler.addFilter(MaskingFilter())
    root.addHandler(handler)
    root.setLevel(get_settings().log_level)
    # Migrations and HTTP clients are chatty at INFO; their warnings still show.
    for noisy in ("alembic", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
