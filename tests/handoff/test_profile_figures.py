"""Per-agent figures: handled, median first response, outcomes, NPS after hand-back, open tasks."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.agentdesk.figures import agent_figures, nps_score
from bot.handoff.console_agents import period, utc_bounds
from bot.ledger.db import session_scope
from bot.ledger.models import FollowUpTask, Handoff, NpsResponse, TranscriptMessage
from tests.handoff.conftest import add_agent
from tests.handoff.desk_support import agent_client, with_roles

T0 = datetime(2026, 11, 10, 9, 0)


def handoff(session, cid: str, agent: str, *, status: str, outcome: str | None = None, first_reply_s: int | None,
            at: datetime = T0) -> None:
    session.add(Handoff(conversation_id=cid, channel="telegram", reason="request_human", status=status,
                        outcome=outcome, assigned_to=agent, created_at=at, taken_at=at + timedelta(seconds=30),
                        closed_at=at + timedelta(minutes=20)))
    if first_reply_s is not None:
        session.add(TranscriptMessage(conversation_id=cid, sender="agent", text="Buongiorno",
                                      created_at=at + timedelta(seconds=first_reply_s)))
        session.add(TranscriptMessage(conversation_id=cid, sender="agent", text="Altro",
                                      created_at=at + timedelta(seconds=first_reply_s + 300)))


def world() -> None:
    add_agent("giulia", "Giulia")
    add_agent("marco", "Marco")
    with session_scope() as session:
        handoff(session, "c1", "giulia", status="closed", outcome="plan", first_reply_s=60)
        handoff(session, "c2", "giulia", status="closed", outcome="plan", first_reply_s=120)
        handoff(session, "c3", "giulia", status="returned", first_reply_s=600)
        handoff(session, "c4", "marco", status="closed", outcome="no_answer", first_reply_s=None)
        handoff(session, "old", "marco", status="closed", outcome="resolved", first_reply_s=5,
                at=datetime(2026, 9, 1, 9))  # outside the period
        # After giulia handed c3 back the debtor answered the survey: 10 then (another journey) 3.
        session.add(NpsResponse(conversation_id="c3", channel="telegram", journey="other", outcome="other",
                                language="it", score=10, created_at=T0 + timedelta(minutes=25)))
        session.add(NpsResponse(conversation_id="c3", channel="telegram", journey="other", outcome="other",
                                language="it", score=3, created_at=T0 + timedelta(minutes=40)))
        session.add(NpsResponse(conversation_id="c3", channel="telegram", journey="other", outcome="other",
                                language="it", score=0, created_at=T0 - timedelta(days=1)))  # before: not hers
        session.add(FollowUpTask(kind="callback", owner="giulia"))
        session.add(FollowUpTask(kind="callback", owner="giulia", status="done"))
        session.add(FollowUpTask(kind="callback", owner="marco"))


def test_figures_per_agent(handoff_env):
    world()
    with session_scope() as session:
        rows = {r.username: r for r in agent_figures(session, datetime(2026, 11, 1), datetime(2026, 12, 1))}
    g, m = rows["giulia"], rows["marco"]
    assert (g.handled, g.unanswered, g.median_first_response_s) == (3, 0, 120)
    assert dict(g.outcomes) == {"plan": 2, "returned": 1}
    assert (g.nps_answers, g.nps) == (2, 0)  # one promoter, one detractor
    assert g.open_tasks == 1
    assert (m.handled, m.unanswered, m.median_first_response_s) == (1, 1, None)
    assert dict(m.outcomes) == {"no_answer": 1} and m.nps is None and m.open_tasks == 1


def test_nps_score():
    assert nps_score([]) is None
    assert nps_score([10, 9, 8, 7]) == 50
    assert nps_score([0, 6, 9]) == -33


def test_period_is_in_the_creditor_calendar(handoff_env):
    today = date(2026, 12, 3)
    assert period(None, None, today) == (date(2026, 11, 4), today)
    assert period("2026-11-30", "2026-11-01", today) == (date(2026, 11, 1), date(2026, 11, 30))
    assert period("garbage", "2026-11-30", today) == (date(2026, 11, 1), date(2026, 11, 30))
    start, end = utc_bounds(date(2026, 11, 1), date(2026, 11, 30))
    assert (start, end) == (datetime(2026, 10, 31, 23, 0), datetime(2026, 11, 30, 23, 0))  # Europe/Rome, CET


def test_figures_page_for_supervisors_only(console, monkeypatch):
    world()
    with_roles(monkeypatch, {"sara": "supervisor"})
    assert agent_client(console.url, "anna", "Anna").get("/agents").status_code == 403
    sup = agent_client(console.url, "sara", "Sara")
    page = sup.get("/agents", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert page.status_code == 200
    row = page.text.split('id="agent-giulia"', 1)[1].split("</tr>", 1)[0]
    assert ">3<" in row and "2 min" in row and "Piano di rientro: 2" in row and "Restituita al bot: 1" in row
    assert "(2 risposte)" in row
