"""The console's lists: Mine, Unassigned, All open, Closed, with search and filters.

Agents see the unassigned queue and their own conversations; supervisors and admins see
every list. Search matches a verified debtor's name, invoice number, phone or tax code,
and the conversation's own address, so an agent can find a caller who is not verified yet.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.ledger.states import CLOSED_HANDOFF_STATUSES, HandoffStatus
from bot.handoff import OPEN_STATUSES, labels, summary as summaries
from bot.parsing.invoice_numbers import invoice_key
from bot.ledger.models import Agent, Conversation, Debtor, Handoff, Invoice, TranscriptMessage

View = Literal["mine", "unassigned", "open", "closed"]
VIEWS: tuple[View, ...] = ("mine", "unassigned", "open", "closed")
AGENT_VIEWS: tuple[View, ...] = ("mine", "unassigned")
CLOSED_STATUSES = CLOSED_HANDOFF_STATUSES
MAX_ROWS = 200
MAX_QUERY = 100


@dataclass(frozen=True)
class Filters:
    """What the agent typed in the search box and picked in the filter menus ("" = any)."""

    q: str = ""
    channel: str = ""
    reason: str = ""
    status: str = ""

    @classmethod
    def from_args(cls, args: Any) -> "Filters":
        """From ``request.args``; over-long or non-text values are cut or dropped."""
        def get(name: str) -> str:
            value = args.get(name, "") if hasattr(args, "get") else ""
            return value.strip()[:MAX_QUERY] if isinstance(value, str) else ""
        return cls(q=get("q"), channel=get("channel"), reason=get("reason"), status=get("status"))

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return any((self.q, self.channel, self.reason, self.status))


@dataclass(frozen=True)
class QueueItem:
    handoff_id: int
    conversation_id: str
    channel: str
    reason: str
    language: str
    priority: int
    status: str
    assigned_to: str | None
    assigned_name: str | None
    waiting_minutes: int          # since the entry was (re)queued
    debtor_silent_minutes: int | None   # since the debtor's last message (None: no message yet)
    debtor_name: str | None       # only when verified
    label: str                    # what the row shows: the verified name or channel + masked address + time
    vulnerable: bool
    after_hours: bool
    paused: bool
    outcome: str | None
    created_at: datetime
    last_debtor_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        """JSON-safe (moments as ISO strings)."""
        data = dict(self.__dict__)
        data["created_at"] = self.created_at.isoformat()
        data["last_debtor_at"] = self.last_debtor_at.isoformat() if self.last_debtor_at else None
        return data


def allowed_views(supervisor: bool) -> tuple[View, ...]:
    """The lists this role may open."""
    return VIEWS if supervisor else AGENT_VIEWS


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _search(q: str) -> Any:
    """A condition on Handoff/Conversation for the free-text search."""
    key = "".join(q.split()).upper()
    like = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # typed text, not a pattern
    debtors = select(Debtor.id).where(or_(
        Debtor.name.ilike(f"%{like}%", escape="\\"), Debtor.tax_code == key, Debtor.debtor_ref == q,
        Debtor.id.in_(select(Invoice.debtor_id).where(Invoice.number_key == invoice_key(q)))))
    conditions = [Conversation.debtor_id.in_(debtors)]
    digits = _digits(q)
    if len(digits) >= 4:  # a phone number or chat id, typed with or without spaces and prefix
        conditions.append(func.replace(Conversation.address, " ", "").like(f"%{digits}%"))
        conditions.append(Debtor.phone.like(f"%{digits[-9:]}%"))
    return or_(*conditions)


def list_queue(session: Session, now: datetime, *, view: View = "open", agent: str | None = None,
               filters: Filters | None = None, lang: str = "it") -> list[QueueItem]:
    """One list: waiting entries first (highest priority, then longest wait), then assigned ones;
    the Closed list newest first."""
    filters = filters or Filters()
    last_debtor = (select(TranscriptMessage.conversation_id, func.max(TranscriptMessage.created_at).label("at"))
                   .where(TranscriptMessage.sender == "debtor").group_by(TranscriptMessage.conversation_id)
                   .subquery())
    stmt = (select(Handoff, Conversation.paused, Conversation.address, Agent.display_name, last_debtor.c.at)
            .join(Conversation, Conversation.conversation_id == Handoff.conversation_id, isouter=True)
            .join(Debtor, Debtor.id == Conversation.debtor_id, isouter=True)
            .join(Agent, Agent.username == Handoff.assigned_to, isouter=True)
            .join(last_debtor, last_debtor.c.conversation_id == Handoff.conversation_id, isouter=True))
    if view == "mine":
        stmt = stmt.where(Handoff.status == HandoffStatus.ASSIGNED, Handoff.assigned_to == (agent or ""))
    elif view == "unassigned":
        stmt = stmt.where(Handoff.status == HandoffStatus.QUEUED)
    elif view == "closed":
        stmt = stmt.where(Handoff.status.in_(CLOSED_STATUSES))
    else:
        stmt = stmt.where(Handoff.status.in_(OPEN_STATUSES))
    if filters.channel:
        stmt = stmt.where(Handoff.channel == filters.channel)
    if filters.reason:
        stmt = stmt.where(Handoff.reason == filters.reason)
    if filters.status:
        stmt = stmt.where(Handoff.status == filters.status)
    if filters.q:
        stmt = stmt.where(_search(filters.q))
    if view == "closed":
        stmt = stmt.order_by(Handoff.closed_at.desc(), Handoff.id.desc())
    else:
        stmt = stmt.order_by((Handoff.status == HandoffStatus.ASSIGNED).asc(), Handoff.priority.desc(),
                             Handoff.created_at.asc(), Handoff.id.asc())
    return [_item(row, now, lang) for row in session.execute(stmt.limit(MAX_ROWS)).all()]


def _minutes(now: datetime, since: datetime | None) -> int | None:
    return None if since is None else max(int((now - since).total_seconds() // 60), 0)


def _item(row: Any, now: datetime, lang: str) -> QueueItem:
    handoff, paused, address, agent_name, last_debtor_at = row
    data = summaries.load(handoff.summary)
    name = data.get("debtor_name") if data.get("verified") else None
    label = name or labels.unverified_label(handoff.channel, handoff.conversation_id, address,
                                            handoff.created_at, lang)
    return QueueItem(
        handoff_id=handoff.id, conversation_id=handoff.conversation_id, channel=handoff.channel,
        reason=handoff.reason, language=handoff.language, priority=handoff.priority, status=handoff.status,
        assigned_to=handoff.assigned_to, assigned_name=agent_name,
        waiting_minutes=_minutes(now, handoff.created_at) or 0,
        debtor_silent_minutes=_minutes(now, last_debtor_at), debtor_name=name, label=label,
        vulnerable=bool(data.get("vulnerable")), after_hours=bool(data.get("after_hours")), paused=bool(paused),
        outcome=handoff.outcome, created_at=handoff.created_at, last_debtor_at=last_debtor_at)
