"""Typed answers to the options the assistant offers as buttons.

Every button can also be answered in words ("la pausa", "richiamatemi", "non è mia"), and
some messages answer nothing at all ("boh", "non lo so"). Matching is on accent-free lower
case, so WhatsApp spelling is caught too.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

# Offers outside the journeys: hardship (pause / plan), after hours (callback / continue).
_OFFERS = {
    "pause": r"\bpaus|\bsospen|\bferm(are|ate|i) (i )?pagament|\bpause|\bbreak\b|\bhold\b",
    "plan": r"\brat(a|e|eizz)|\bpiano\b|\bplan\b|\binstal",
    "callback": r"richiam|chiamat|telefon|call (me )?back|\bcallback|\bring me\b|\bcall me\b",
    "continue": r"continu|\bproseg|\bandiamo avanti|\bcarry on|\bgo on\b|\bkeep going|\bin chat\b",
}
# Why an invoice is disputed (stored in disputes.category).
DISPUTE_CATEGORIES = ("not_mine", "amount_wrong", "not_received", "cancelled", "other")
_DISPUTE = {
    "not_mine": r"non (e|sia) (mia|mio|nostra|nostro)|non (la|l) (ho|abbiamo) (mai )?(chiest|ordinat|fatt)"
                r"|non mi riguarda|not mine|isn'?t mine|not ours|never ordered|didn'?t order|wrong person",
    "amount_wrong": r"importo|cifra|somma|prezzo|(troppo|piu) alt|sbagliat[oa] (l')?importo|amount|price"
                    r"|overcharg|too (much|high)|charged (me )?twice|doppi[oa]",
    "not_received": r"non (e|sono) (mai )?(arrivat|consegnat)|mai arrivat|non ricevut|non (l|lo|la) ho ricevut"
                    r"|difett|rott[oa]|guast|non funzion|servizio non|never (arrived|came|delivered|received)"
                    r"|not (received|delivered)|faulty|broken|defect|damaged|doesn'?t work",
    "cancelled": r"annullat|disdett|disdire|cancellat|stornat|recess|cancel+ed|cancel+ation|terminated",
}
_NON_ANSWERS = re.compile(
    r"^(boh+|mah+|bho+|non (lo )?so( (proprio|davvero))?|non saprei|chissa|nessuna idea|non ne ho idea|\?+"
    r"|i don'?t know|dunno|idk|no idea|not sure|i'?m not sure|hmm+|mmm+|eh+)[\s.!?…]*$")


def fold(text: str) -> str:
    """Lower case without accents or repeated spaces."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def typed_offer(text: str, offered: Iterable[str]) -> str | None:
    """Which of the ``offered`` options a typed answer names, when it names exactly one."""
    folded = fold(text)
    if not folded or folded.startswith("/"):
        return None
    hits = [name for name in offered if name in _OFFERS and re.search(_OFFERS[name], folded)]
    return hits[0] if len(hits) == 1 else None


def dispute_category(text: str) -> str | None:
    """The reason category a free description names, or None when it names none (or two)."""
    folded = fold(text)
    hits = [name for name, pattern in _DISPUTE.items() if re.search(pattern, folded)]
    return hits[0] if len(hits) == 1 else None


def is_non_answer(text: str) -> bool:
    """ "boh", "non lo so", "I don't know": a reply that answers no question."""
    return bool(_NON_ANSWERS.match(fold(text)))


def typed_dispute_button(text: str) -> str | None:
    """The category whose button title was typed or pasted ("Already cancelled", "Importo errato").

    A pressed button sets only the category and the form then asks for the details; the same
    title typed must do the same, not be taken as the description and submitted at once.
    """
    key = typed_button(text, [f"btn_dispute_{category}" for category in DISPUTE_CATEGORIES])
    return key[len("btn_dispute_"):] if key else None


def typed_button(text: str, keys: Iterable[str]) -> str | None:
    """Which of the buttons ``keys`` (message keys of their titles) had its title typed, in either language."""
    from bot.messages.render import render

    folded = fold(text).strip(" .!")
    if not folded:
        return None
    return next((key for key in keys for lang in ("it", "en") if fold(render(key, lang)) == folded), None)
