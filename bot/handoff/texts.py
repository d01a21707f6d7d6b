"""Debtor-facing wording comes from ``bot.messages`` (Jinja2 templates it/en).

Imported lazily through this one function so the console and the gate keep working in a
process where a template is missing: the caller decides what to do on ``LookupError``.
"""
from __future__ import annotations

from typing import Any


def render(key: str, lang: str, **ctx: Any) -> str:
    """A debtor-facing text in ``lang`` (Italian for any other language); ``LookupError`` for a missing template."""
    from bot.messages import render as render_message

    return render_message(key, lang if lang in ("it", "en") else "it", **ctx)
