"""NPS arithmetic, survey storage and the detractor follow-up loop."""
from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest
from sqlalchemy import select

from bot.ledger.models import AuditLog, FollowUpTask, NpsResponse
from bot.nps.stats import breakdown, summarise
from bot.nps.survey import nps_category, record_nps_response
from bot.nps.tasks import assign_task, close_task, list_tasks


@pytest.mark.parametrize("score,category", [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"),
                                            (9, "promoter"), (10, "promoter")])
def test_category_boundaries(score, category):
    assert nps_category(score) == category


@pytest.mark.parametrize("score", [-1, 11])
def test_category_rejects_out_of_range(score):
    with pytest.raises(ValueError):
        nps_category(score)


def test_nps_arithmetic():
    s = summarise([10, 9, 9, 8, 7, 6, 0, 3, 10, 10])  # 5 promoters, 2 passives, 3 detractors
    assert (s.n, s.promoters, s.passives, s.detractors) == (10, 5, 2, 3)
    assert s.nps == pytest.approx(20.0)
    assert s.mean_score == pytest.approx(7.2)
    low, high = s.interval()
    assert low < 20.0 < high and -100 <= low and high <= 100


def test_empty_and_single_answers_do_not_crash():
    empty = summarise([])
    assert empty.nps is None and empty.interval() is None and empty.as_dict()["nps"] is None
    one = summarise([10])
    assert one.nps == 100.0
    low, high = one.interval()
    assert high <= 100.0 and low < 50.0  # one promoter says little: the interval stays wide


def test_interval_narrows_with_sample_size():
    small = summarise([10, 0, 8] * 10).interval()
    large = summarise([10, 0, 8] * 10_000).interval()
    assert (large[1] - large[0]) < (small[1] - small[0]) / 10


def test_all_promoters_interval_is_not_degenerate():
    low, high = summarise([10, 9, 10]).interval()
    assert low < 100.0 and high == pytest.approx(100.0, abs=25)


def test_scores_out_of_range_rejected():
    with pytest.raises(ValueError):
        summarise([5, 12])


def test_breakdown_groups_and_orders_by_size():
    keys = np.array(["sms", "whatsapp", "whatsapp", "whatsapp", "sms"])
    groups = dict(breakdown(keys, np.array([10, 0, 10, 9, 0])))
    assert list(groups) == ["whatsapp", "sms"]
    assert groups["whatsapp"].nps == pytest.approx(100 * (2 - 1) / 3)
    assert groups["sms"].nps == 0.0


def _record(session, score, **kw):
    fields = dict(conversation_id="c1", channel="whatsapp", journey="plan", outcome="plan_created", language="it",
                  reason="Il piano era troppo rigido", improvement=None, debtor_id=None,
                  now=datetime(2026, 11, 20, 10, 0))
    fields.update(kw)
    return record_nps_response(session, score=score, **fields)


def test_detractor_opens_a_followup_task_with_owner_and_due_date(session):
    response = _record(session, 4)
    task = session.execute(select(FollowUpTask)).scalar_one()
    assert (task.kind, task.status, task.nps_response_id) == ("nps_detractor", "open", response.id)
    assert task.owner and task.due_on == date(2026, 11, 24)


def test_detractor_follow_up_is_not_due_on_a_public_holiday(session):
    _record(session, 2, now=datetime(2026, 12, 23, 18, 0))  # Wednesday before Christmas
    task = session.execute(select(FollowUpTask)).scalar_one()
    assert task.due_on == date(2026, 12, 28)  # Thu 24, then Mon 28: not Fri 25 or Sat 26


@pytest.mark.parametrize("score", [7, 10])
def test_passives_and_promoters_open_no_task(session, score):
    _record(session, score)
    assert session.execute(select(FollowUpTask)).first() is None


def test_texts_are_trimmed_and_score_validated(session):
    response = _record(session, 9, reason="  " + "x" * 5000, improvement="   ")
    assert len(response.reason) == 2000 and response.improvement is None
    with pytest.raises(ValueError):
        _record(session, 11)
    with pytest.raises(ValueError):
        _record(session, "7")
    assert session.execute(select(NpsResponse)).scalars().all() == [response]


def test_closing_a_task_records_what_was_done(session):
    _record(session, 2)
    task_id = list_tasks(session)[0].id
    assert list_tasks(session)[0].score == 2 and "rigido" in list_tasks(session)[0].comment
    with pytest.raises(ValueError):
        close_task(session, task_id, "   ")
    close_task(session, task_id, "Richiamato: concordato un piano più lungo", actor="agent:giulia")
    assert list_tasks(session) == []
    done = list_tasks(session, status="done")[0]
    assert done.resolution.startswith("Richiamato") and done.closed_at is not None
    assert session.execute(select(AuditLog.action)).scalars().all() == ["followup_closed"]
    with pytest.raises(ValueError, match="already closed"):
        close_task(session, task_id, "again")
    with pytest.raises(ValueError, match="no follow-up task"):
        close_task(session, 999, "note")


def test_assign_and_overdue(session):
    _record(session, 3)
    task_id = list_tasks(session)[0].id
    assign_task(session, task_id, "marco", due_on=date(2026, 11, 21))
    view = list_tasks(session, owner="marco")[0]
    assert view.owner == "marco" and view.overdue(date(2026, 11, 22)) and not view.overdue(date(2026, 11, 21))
