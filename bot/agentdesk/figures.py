"""Per-agent figures for supervisors: who handled what, how fast, with what result.

For each agent, over a period (handoffs taken in it):
- handled: conversations taken;
- median first response: from the debtor's request for a person (the handoff) to the
  agent's first message in that conversation (conversations the agent never wrote in are
  left out of the median, and counted as ``unanswered``);
- outcomes: closing outcomes, plus ``returned`` for hand-backs to the assistant;
- NPS after hand-back: surveys answered in the conversation after the agent handed it back;
- open tasks: inbox tasks the agent owns that are still open (now, not per period).
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.ledger.states import HandoffStatus, TaskStatus
from bot.ledger.models import Agent, FollowUpTask, Handoff, NpsResponse, TranscriptMessage


@dataclass
class AgentFigures:
    username: str
    display_name: str
    handled: int = 0
    unanswered: int = 0
    median_first_response_s: float | None = None
    outcomes: Counter = field(default_factory=Counter)
    nps_answers: int = 0
    nps: int | None = None  # % promoters - % detractors, None without answers
    open_tasks: int = 0


def nps_score(scores: list[int]) -> int | None:
    """Net promoter score of 0-10 answers, rounded; None for no answers."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores))


def agent_figures(session: Session, since: datetime, until: datetime) -> list[AgentFigures]:
    """One row per agent account (active or with work in the period), busiest first."""
    agents = {a.username: AgentFigures(a.username, a.display_name)
              for a in session.execute(select(Agent).order_by(Agent.username)).scalars()}
    handoffs = session.execute(select(Handoff).where(
        Handoff.assigned_to.is_not(None), Handoff.taken_at >= since, Handoff.taken_at < until)).scalars().all()
    waits: dict[str, list[float]] = {}
    scores_of: dict[str, list[int]] = {}
    for h in handoffs:
        row = agents.setdefault(h.assigned_to, AgentFigures(h.assigned_to, h.assigned_to))
        row.handled += 1
        if h.status == HandoffStatus.CLOSED and h.outcome:
            row.outcomes[h.outcome] += 1
        elif h.status == HandoffStatus.RETURNED:
            row.outcomes["returned"] += 1
        window_end = h.closed_at or until
        first = session.execute(select(func.min(TranscriptMessage.created_at)).where(
            TranscriptMessage.conversation_id == h.conversation_id, TranscriptMessage.sender == "agent",
            TranscriptMessage.created_at >= h.created_at, TranscriptMessage.created_at <= window_end)).scalar()
        if first is None:
            row.unanswered += 1
        else:
            waits.setdefault(h.assigned_to, []).append((first - h.created_at).total_seconds())
        if h.status == HandoffStatus.RETURNED and h.closed_at is not None:
            next_handoff = session.execute(select(func.min(Handoff.created_at)).where(
                Handoff.conversation_id == h.conversation_id, Handoff.created_at > h.closed_at)).scalar()
            stmt = select(NpsResponse.score).where(NpsResponse.conversation_id == h.conversation_id,
                                                   NpsResponse.created_at >= h.closed_at)
            if next_handoff is not None:  # a later handoff's survey belongs to that one
                stmt = stmt.where(NpsResponse.created_at < next_handoff)
            scores = [int(s) for s in session.execute(stmt).scalars()]
            row.nps_answers += len(scores)
            scores_of.setdefault(h.assigned_to, []).extend(scores)
    for username, values in waits.items():
        agents[username].median_first_response_s = statistics.median(values)
    for owner, count in session.execute(select(FollowUpTask.owner, func.count()).where(
            FollowUpTask.status == TaskStatus.OPEN, FollowUpTask.owner.is_not(None)).group_by(FollowUpTask.owner)):
        if owner in agents:
            agents[owner].open_tasks = int(count)
    for row in agents.values():
        row.nps = nps_score(scores_of.get(row.username, []))
    return sorted(agents.values(), key=lambda r: (-r.handled, r.username))
