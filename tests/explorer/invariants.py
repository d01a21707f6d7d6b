"""Rules every conversation must keep, checked on every turn of a transcript.

A transcript is a list of ``Turn``: what the debtor sent and the assistant's messages in
reply (each a dict with ``text`` and ``buttons``, as the REST channel returns them).
Each invariant returns a list of human-readable violations (empty: the rule held).
The phrases come from bot/messages/templates/{it,en}; a wording change there must be
mirrored here, or the invariants go blind (their unit tests use the real phrases).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

# "Grazie, Mario Rossi: ho verificato la Sua identità." / "Thank you, John Smith: your identity is confirmed."
VERIFIED = re.compile(r"ho verificato la Sua identità|your identity is confirmed")
# Anything about a debt: a euro amount, the balance, a debtor's payment reference (D-1001).
# The creditor's IBAN alone is public (payment methods are told before verification on purpose);
# an amount or a personal reference next to it is not.
DEBT = re.compile(r"€|\bEUR\b|\b\d{1,3}(?:[.,]\d{3})*[.,]\d{2}\b|da saldare|balance still open|\bD-\d{4}\b")
# "ad esempio 150 oppure 150,50 €": an example of how to type an amount is not a debt.
EXAMPLE = re.compile(r"(?:ad esempio|for example)[^?!\n]*", re.IGNORECASE)
ASKS_CREDENTIALS = re.compile(
    r"mi indica il numero della fattura|mi indica il codice fiscale|mi serve solo il codice fiscale"
    r"|could you tell me the invoice number|could you give me the tax code|I only need the tax code")
WELCOME = re.compile(r"(?:sono|I'm) the virtual assistant of|[Ss]ono l'assistente virtuale di"
                     r"|I'm the virtual assistant of")
NPS = re.compile(r"da 0 a 10|from 0 to 10")
HANDOFF = re.compile(r"Ho passato la conversazione a un collega|passed the conversation to a colleague"
                     r"|uffici sono chiusi|offices are closed|RichiamarLa|call you back", re.IGNORECASE)
DONE = re.compile(r"Posso aiutarLa in qualcos'altro\?|Is there anything else I can help you with\?")
OPTED_OUT = re.compile(r"non Le invieremo più messaggi|we won't send you any more messages")
# The standing "talk to a person" button rides on many messages; it is an offer, not a question.
STANDING = {"/request_human"}


@dataclass
class Turn:
    """One debtor message and the assistant's messages in reply."""
    user: str
    messages: list[dict] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        """The assistant's message texts, in order."""
        return [m.get("text") or "" for m in self.messages]

    @property
    def buttons(self) -> list[dict]:
        """Every button offered in this turn."""
        return [b for m in self.messages for b in (m.get("buttons") or [])]


Transcript = list[Turn]
# The user text of the marker turn where the debtor went quiet and the session expired.
EXPIRED = "<session expired>"


def sessions(transcript: Transcript) -> list[tuple[int, Transcript]]:
    """The transcript cut at every expired session: (index of its first turn, its turns)."""
    found, start = [], 0
    for i, turn in enumerate(transcript):
        if turn.user == EXPIRED:
            found.append((start, transcript[start:i]))
            start = i + 1
    return found + [(start, transcript[start:])]


def per_session(rule: Callable[[Transcript], list[str]]) -> Callable[[Transcript], list[str]]:
    """``rule`` applied to each session on its own (turn numbers stay those of the whole transcript)."""
    def checked(transcript: Transcript) -> list[str]:
        found = []
        for start, turns in sessions(transcript):
            found += [re.sub(r"^turn (\d+)", lambda m, start=start: f"turn {int(m.group(1)) + start}", v) for v in rule(turns)]
        return found
    checked.__name__, checked.__doc__ = rule.__name__, rule.__doc__
    return checked


def _verified_at(transcript: Transcript) -> int | None:
    for i, turn in enumerate(transcript):
        if any(VERIFIED.search(t) for t in turn.texts):
            return i
    return None


@per_session
def no_debt_before_verification(transcript: Transcript) -> list[str]:
    """Nothing about a debt (a euro amount, an IBAN, a balance figure) before the identity is confirmed.

    The turn that confirms the identity may already carry the figures (after the confirmation).
    """
    verified = _verified_at(transcript)
    end = len(transcript) if verified is None else verified
    return [f"turn {i}: {m.group(0)!r} before verification in {text[:80]!r}"
            for i, turn in enumerate(transcript[:end]) for text in turn.texts
            if (m := DEBT.search(EXAMPLE.sub("", text)))]


@per_session
def credentials_asked_once(transcript: Transcript) -> list[str]:
    """Once verified, the invoice number and tax code are never asked for again in that session."""
    verified = _verified_at(transcript)
    if verified is None:
        return []
    return [f"turn {i}: asks for credentials again: {text[:80]!r}"
            for i, turn in enumerate(transcript) if i > verified
            for text in turn.texts if ASKS_CREDENTIALS.search(text)]


@per_session
def welcome_once(transcript: Transcript) -> list[str]:
    """The welcome (the assistant introducing itself) at most once per session.

    A typed "are you a bot?" is answered with the same introduction on purpose; that turn is exempt.
    """
    seen = [i for i, turn in enumerate(transcript) for text in turn.texts
            if WELCOME.search(text) and not text.startswith(("Sì, sono", "Yes, I'm"))]
    return [f"welcomed {len(seen)} times (turns {seen})"] if len(seen) > 1 else []


def questions_in(turn: Turn) -> int:
    """The questions in one assistant turn.

    A question is a message whose text contains "?" or that carries buttons other than the
    standing "talk to a person" one. (The NPS question has both and counts once.)
    """
    return sum(1 for m in turn.messages
               if "?" in (m.get("text") or "")
               or {b.get("payload") for b in (m.get("buttons") or [])} - STANDING)


def one_question_per_turn(transcript: Transcript) -> list[str]:
    """At most one question per assistant turn (see ``questions_in`` for what counts)."""
    return [f"turn {i}: {n} questions: {turn.texts}" for i, turn in enumerate(transcript)
            if (n := questions_in(turn)) > 1]


def no_triple_repeat(transcript: Transcript) -> list[str]:
    """No assistant message three times in a row (across turns)."""
    said = [(i, t.strip()) for i, turn in enumerate(transcript) for t in turn.texts if t.strip()]
    return [f"turn {said[k][0]}: said three times in a row: {said[k][1][:80]!r}"
            for k in range(2, len(said)) if said[k][1] == said[k - 1][1] == said[k - 2][1]]


def always_replies(transcript: Transcript) -> list[str]:
    """Every debtor message gets at least one assistant message (silence looks like a broken bot).

    Once a person has taken the conversation the assistant is silent on purpose: those turns are exempt.
    """
    found = []
    for i, turn in enumerate(transcript):
        if any(HANDOFF.search(t) for t in turn.texts):
            break
        if turn.user != EXPIRED and not any(t.strip() for t in turn.texts):
            found.append(f"turn {i}: no reply to {turn.user!r}")
    return found


def ends_with_nps(transcript: Transcript) -> list[str]:
    """A journey that ends without a person ends with the NPS question.

    A journey has ended when the assistant asks "anything else?"; from there on, unless a
    person took over (a handoff or a callback) or the debtor opted out, the 0-10 score
    question must come before the conversation is over (the script closes with "no thanks").
    """
    done = next((i for i, turn in enumerate(transcript) if any(DONE.search(t) for t in turn.texts)), None)
    if done is None:
        return []
    if any(HANDOFF.search(t) or OPTED_OUT.search(t) for turn in transcript for t in turn.texts):
        return []
    if any(NPS.search(t) for turn in transcript[done:] for t in turn.texts):
        return []
    return [f"journey ended at turn {done}, conversation over without the NPS question; "
            f"last reply: {transcript[-1].texts}"]


INVARIANTS: dict[str, Callable[[Transcript], list[str]]] = {
    f.__name__: f for f in (no_debt_before_verification, credentials_asked_once, welcome_once,
                            one_question_per_turn, no_triple_repeat, always_replies, ends_with_nps)
}
# Checked by the driver on a sample, since it needs the servers: see driver.button_typed_same_action.
BUTTON_INVARIANT = "button_title_typed_same_action"


def check(transcript: Transcript) -> dict[str, list[str]]:
    """Every invariant's violations for one transcript (only the violated ones)."""
    return {name: found for name, f in INVARIANTS.items() if (found := f(transcript))}
