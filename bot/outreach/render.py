"""Outreach messages from ``templates/{it,en}/<template>.j2`` with a small Jinja2 environment.

Plain text for chat (no autoescaping), ``StrictUndefined`` so a missing variable fails
instead of sending a message with a hole in it. Dates use the shared message formatting.
No template receives an amount or an invoice number: outbound messages go to numbers
that may not be the debtor's, and details are given only after verification.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.messages import format_date, format_on_date, supported_language

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("it", "en")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_BLANK_RUN = re.compile(r"\n{3,}")
# A name ending in a full stop ("S.p.A.") before the sentence's own full stop.
_DOUBLE_STOP = re.compile(r"\.\.(?=\s|$)")


@lru_cache(maxsize=None)
def _environment(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR / lang)), undefined=StrictUndefined,
                      autoescape=False, trim_blocks=True, lstrip_blocks=True)
    env.filters["date"] = lambda value: format_date(value, lang)
    env.filters["on_date"] = lambda value: format_on_date(value, lang)
    return env


def template_names(lang: str = "it") -> frozenset[str]:
    """Templates of the language (unsupported ones read as Italian), without ``_`` partials."""
    folder = TEMPLATES_DIR / supported_language(lang)
    return frozenset(p.stem for p in folder.glob("*.j2") if not p.stem.startswith("_"))


def render_outreach(template: str, lang: str, **ctx: Any) -> str:
    """The message text, whitespace tidied; KeyError for an unknown template, Jinja2 error for a missing variable."""
    if not _NAME.fullmatch(template or "") or template not in template_names(lang):
        raise KeyError(f"no outreach template {template!r}")
    language = supported_language(lang)
    text = _environment(language).get_template(f"{template}.j2").render(**ctx)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return _DOUBLE_STOP.sub(".", _BLANK_RUN.sub("\n\n", "\n".join(lines))).strip()
