"""Render a message key in Italian or English from the Jinja2 templates in ``templates/``.

Templates are plain text for chat: no autoescaping (each channel escapes for its own
markup), and ``StrictUndefined`` so a missing variable fails loudly instead of sending a
message with a hole in it.
"""
from __future__ import annotations

import re
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.messages.formatting import (
    LOCALES, format_date, format_money, format_on_date, format_weekday_date, supported_language,
)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LANGUAGES: tuple[str, ...] = tuple(LOCALES)
SUFFIX = ".j2"
# Keys are file names; anything else (paths, dots) could read outside the folder.
_KEY = re.compile(r"[a-z][a-z0-9_]*")
# Conditional blocks can leave trailing spaces or runs of blank lines behind.
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BLANK_RUN = re.compile(r"\n{3,}")


class UnknownMessageKey(KeyError):
    """No template for this key. A ``KeyError`` (hence ``LookupError``) with a readable text."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown message key"


@lru_cache(maxsize=None)
def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR / lang)),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    # Filters are bound to the template's language, so a template never passes it.
    env.filters["money"] = lambda amount, currency="EUR": format_money(amount, lang, currency)
    env.filters["date"] = partial(_date_filter, format_date, lang)
    env.filters["on_date"] = partial(_date_filter, format_on_date, lang)
    env.filters["weekday_date"] = partial(_date_filter, format_weekday_date, lang)
    return env


def _date_filter(formatter: Any, lang: str, value: Any) -> str:
    return formatter(value, lang)


@lru_cache(maxsize=None)
def available_keys(lang: str = "it") -> frozenset[str]:
    """Every message key that has a template in ``lang``."""
    folder = TEMPLATES_DIR / supported_language(lang)
    return frozenset(p.name[: -len(SUFFIX)] for p in folder.glob(f"*{SUFFIX}"))


def template_source(key: str, lang: str) -> str:
    """The raw template text (for checks on wording)."""
    return _template_path(key, supported_language(lang)).read_text(encoding="utf-8")


def render(key: str, lang: str, **ctx: Any) -> str:
    """The message ``key`` in ``lang`` ("it" or "en"; anything else falls back to Italian)."""
    language = supported_language(lang)
    path = _template_path(key, language)
    text = _environment(language).get_template(path.name).render(**ctx)
    text = _BLANK_RUN.sub("\n\n", _TRAILING_SPACE.sub("\n", text))
    return text.strip()


def _template_path(key: str, lang: str) -> Path:
    if not isinstance(key, str) or not _KEY.fullmatch(key) or key not in available_keys(lang):
        raise UnknownMessageKey(f"no message template {key!r} for language {lang!r}")
    return TEMPLATES_DIR / lang / f"{key}{SUFFIX}"
