"""Text normalisation for Italian and English survey answers: folding, tokens, light stemming.

Kept deliberately cheap (one ``translate``, one regex, a cached stem per word) because it runs
on every one of possibly millions of comments. The stemmer only merges obvious inflections
(rata/rate, operatore/operatori, message/messages); themes are named by the most frequent
surface word of each stem, so readers never see a truncated stem.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Iterable

TOKEN = re.compile(r"[a-z]{3,}")
_STOPWORD_DIR = Path(__file__).with_name("stopwords")
_LEXICON = Path(__file__).with_name("lexicon.txt")
_VOWELS = "aeiou"


def fold(text: str) -> str:
    """Lower case, accents off, apostrophes as spaces ("L'Operatrice è" -> "l operatrice e").

    ``str.translate`` with a dict walks a non-ASCII string one character at a time in Python
    objects; decomposing (NFKD) and dropping the combining marks is done in C and is several
    times faster on a million answers. Only letters a-z make tokens, so nothing else is lost."""
    low = text.lower()
    if "'" in low or "’" in low or "`" in low:
        low = low.replace("'", " ").replace("’", " ").replace("`", " ")
    if low.isascii():
        return low
    return unicodedata.normalize("NFKD", low).encode("ascii", "ignore").decode("ascii")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words that never define a theme: function words, and opinion words (a theme is a
    subject; whether a comment praises or complains about it is read by bot.nps.polarity)."""
    from bot.nps.polarity import opinion_words

    words: set[str] = set(opinion_words())
    for path in sorted(_STOPWORD_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                continue
            words.update(fold(w).strip() for w in line.split())
    words.discard("")
    return frozenset(words)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light stem merging plural and Italian vowel endings (rata/rate -> rat) of an already folded word."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    # Italian inflection lives in the final vowels (rata/rate, messaggio/messaggi).
    if len(word) >= 4 and word[-1] in _VOWELS:
        word = word[:-1]
        if len(word) >= 6 and word[-1] == "i":
            word = word[:-1]
    return word


@lru_cache(maxsize=1)
def concepts() -> dict[str, str]:
    """stem -> stem of its concept's first word (bilingual groups from lexicon.txt)."""
    mapping: dict[str, str] = {}
    for line in _LEXICON.read_text(encoding="utf-8").splitlines():
        words = [fold(w) for w in line.split()] if not line.startswith("#") else []
        if words:
            head = stem(words[0])
            mapping.update((stem(w), head) for w in words)
    return mapping


def term(word: str) -> str:
    """The feature a surface word counts as: its stem, or its concept's stem."""
    root = stem(word)
    return concepts().get(root, root)


def surface_tokens(text: str) -> list[str]:
    """The comment's words as written (folded), stop words removed, not stemmed."""
    stop = stopwords()
    return [w for w in TOKEN.findall(fold(text)) if w not in stop]


def analyse(text: str) -> list[str]:
    """Tokens of one comment as stems, stop words removed (the vectoriser's analyzer)."""
    stop, concept = stopwords(), concepts()
    out = []
    for word in TOKEN.findall(fold(text)):
        if word not in stop:
            root = stem(word)
            out.append(concept.get(root, root))
    return out


def display_names(texts: Iterable[str]) -> dict[str, str]:
    """term -> how to show it: its most frequent surface word, plus the most frequent word of
    another stem when a concept merges two (``rate/instalments``), from a sample of texts."""
    counts: Counter[tuple[str, str]] = Counter()
    for text in texts:
        counts.update((term(w), w) for w in surface_tokens(text))
    ranked: dict[str, list[tuple[int, str]]] = {}
    for (key, word), n in counts.items():
        ranked.setdefault(key, []).append((-n, word))
    names: dict[str, str] = {}
    for key, options in ranked.items():
        options.sort()
        first_n, first = -options[0][0], options[0][1]
        other = next((w for n, w in options[1:] if stem(w) != stem(first) and -n * 4 >= first_n), None)
        names[key] = f"{first}/{other}" if other else first
    return names
