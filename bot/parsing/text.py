"""Invisible characters removed from what a debtor types, before anything reads it.

A NUL, a stray control character or a zero-width space pasted after a correct codice
fiscale would otherwise make it unreadable and burn a verification attempt; they can also
hide text from a person reading the transcript. Line and paragraph separators (and a lone
carriage return) become a newline so words on either side stay apart.
"""
from __future__ import annotations

# C0 controls except tab and newline, DEL, C1 controls.
_CONTROLS = [c for c in range(0x00, 0x20) if c not in (0x09, 0x0A, 0x0D)] + [0x7F] + list(range(0x80, 0xA0))
# Zero-width space/joiners, LRM/RLM, word joiner, byte-order mark.
_ZERO_WIDTH = list(range(0x200B, 0x2010)) + [0x2060, 0xFEFF]
_TABLE: dict[int, str | None] = {c: None for c in _CONTROLS + _ZERO_WIDTH}
_TABLE.update({0x2028: "\n", 0x2029: "\n", 0x0D: "\n"})

# Every character clean_text() never lets through (a carriage return included).
REMOVED_CHARS = frozenset(chr(c) for c in _TABLE)


def clean_text(text: str) -> str:
    """``text`` without control and zero-width characters; ``\\r\\n`` and separators become ``\\n``."""
    return text.replace("\r\n", "\n").translate(_TABLE)
