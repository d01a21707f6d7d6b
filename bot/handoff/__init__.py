"""Human takeover (docs/architecture.md §7): the pause gate, the handoff queue, the agent console.

``gate`` is what the channels' inbound pipeline asks before a debtor message may reach the
dialogue; ``service`` is the queue (synchronous, one Session per call); ``console`` is the
agent web console, mounted by Rasa as the ``console`` input channel.
"""
from __future__ import annotations
from bot.ledger.states import OPEN_HANDOFF_STATUSES

REASONS = frozenset({
    "request_human", "complain", "fallback", "vulnerability", "dispute", "verification_locked",
    "unaffordable", "hardship",
})
OUTCOMES = ("resolved", "promise", "plan", "dispute", "callback", "no_answer", "other")
OPEN_STATUSES = OPEN_HANDOFF_STATUSES
