"""The cached action-result validator and event-type table answer exactly as Rasa's own code."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.utils.common import all_subclasses
from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from bot.rasa import speedups as rasa_speedups

GOOD = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "it"}], "responses": [{"text": "Buongiorno"}]},
    {"events": [{"event": "active_loop", "name": "plan_form"}, {"event": "followup", "name": "action_x"}]},
]
BAD = [
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": [1, 2]},
    {"events": [{"event": "slot", "name": "language"}]},  # a slot event needs a value
    {"events": [{"event": 7}]},
    {"events": [{"name": "no event key"}]},
    {"events": ["slot"]},
    {"events": [{"event": "slot", "name": "a", "value": 1, "timestamp": "yesterday"}]},
    {"events": [{"event": "user", "text": 5}]},
    {"events": [{"event": "action", "name": "x", "hide_rule_turn": "yes"}]},
    [],
]

# Replies built from well-formed events, each field sometimes replaced by a random scalar,
# so the property test sees both valid replies and near misses.
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5))
_WELL_FORMED = [
    {"event": "slot", "name": "language", "value": "it", "timestamp": 1.5},
    {"event": "slot", "name": "plan_options", "value": [{"index": 1, "amount": "10.00"}]},
    {"event": "user", "text": "ciao", "parse_data": {"intent": {"name": "greet", "confidence": 0.9},
                                                     "entities": [{"entity": "amount", "value": "10"}]}},
    {"event": "action", "name": "action_listen", "policy": None, "hide_rule_turn": False},
    {"event": "bot", "text": "Buongiorno", "metadata": {}},
    {"event": "active_loop", "name": "plan_form"},
    {"event": "entities", "entities": []},
    {"event": "reset_slots"},
    {"event": "followup", "name": "action_x"},
]


@st.composite
def _event(draw):
    event = dict(draw(st.sampled_from(_WELL_FORMED)))
    if draw(st.integers(0, 3)) == 0:  # one event in four is damaged
        key = draw(st.sampled_from(sorted(event) + ["event", "timestamp", "metadata", "name"]))
        if draw(st.booleans()):
            event[key] = draw(st.one_of(_scalars, st.sampled_from(["slot", "user", "no_such_event"])))
        else:
            event.pop(key, None)
    return event


_replies = st.one_of(
    st.fixed_dictionaries({"events": st.lists(_event(), max_size=5)},
                          optional={"responses": st.lists(st.just({"text": "x"}), max_size=2)}),
    st.fixed_dictionaries({}, optional={
        "events": st.one_of(st.lists(st.one_of(_event(), _scalars), max_size=5), _scalars),
        "responses": st.one_of(st.lists(st.one_of(st.just({"text": "x"}), _scalars), max_size=2), _scalars)}),
    _scalars)


@pytest.fixture
def remote_action():
    rasa_speedups.install()
    yield RemoteAction.__new__(RemoteAction)  # the validator does not touch instance state
    rasa_speedups.uninstall()


@pytest.mark.parametrize("result", GOOD)
def test_valid_results_pass(remote_action, result):
    validate(result, RemoteAction.action_response_format_spec())  # Rasa's own check agrees
    assert remote_action._validate_action_result(result) is True


@pytest.mark.parametrize("result", BAD)
def test_invalid_results_fail_like_rasa(remote_action, result):
    with pytest.raises(ValidationError):
        validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        remote_action._validate_action_result(result)


def test_valid_replies_take_the_per_event_path(remote_action):
    many = {"events": [{"event": "slot", "name": f"s{i}", "value": [{"index": i}]} for i in range(25)]}
    for result in [*GOOD, many]:
        assert rasa_speedups._valid_by_event_type(result) is True


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(result=_replies)
def test_same_answer_as_rasa_for_any_reply(remote_action, result):
    try:
        validate(result, RemoteAction.action_response_format_spec())
        rasa_accepts = True
    except ValidationError:
        rasa_accepts = False
    if rasa_accepts:
        assert remote_action._validate_action_result(result) is True
    else:
        assert not rasa_speedups._valid_by_event_type(result)
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            remote_action._validate_action_result(result)


def test_loading_the_tracker_store_installs_the_patch(tmp_path):
    rasa_speedups.uninstall()
    assert RemoteAction._validate_action_result is not rasa_speedups._validate_action_result
    from bot.rasa import tracker_store

    store = tracker_store.UrlSQLTrackerStore(url=f"sqlite:///{tmp_path / 'trackers.db'}")
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result
    with store.engine.connect() as conn:  # and the tracker database gets the WAL pragmas
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    # Pooled, so a turn does not reconnect and checkpoint the WAL for every unit of work.
    assert isinstance(store.engine.pool, QueuePool)
    assert store.sessionmaker.kw["bind"] is store.engine


def test_tracker_round_trip_through_the_pooled_store(tmp_path):
    import asyncio

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa import tracker_store

    domain = Domain.from_yaml("version: '3.1'\nslots:\n  language:\n    type: text\n    mappings: [{type: custom}]\n")
    store = tracker_store.UrlSQLTrackerStore(domain=domain, url=f"sqlite:///{tmp_path / 'trackers.db'}")
    tracker = DialogueStateTracker.from_events("s1", [ActionExecuted("action_listen"), UserUttered("ciao"),
                                                      SlotSet("language", "it")], domain.slots)
    asyncio.run(store.save(tracker))
    tracker.update(SlotSet("language", "en"))
    asyncio.run(store.save(tracker))  # only the new event is appended
    loaded = asyncio.run(store.retrieve("s1"))
    assert [type(e) for e in loaded.events] == [ActionExecuted, UserUttered, SlotSet, SlotSet]
    assert loaded.get_slot("language") == "en"

    # The next turn appends to the tracker it read; only the new events are written.
    loaded.update(UserUttered("grazie"))
    asyncio.run(store.save(loaded))
    # A tracker built elsewhere with the same history (not read here) falls back to counting rows.
    rebuilt = DialogueStateTracker.from_events("s1", list(loaded.events), domain.slots)
    rebuilt.update(SlotSet("language", "it"))
    asyncio.run(store.save(rebuilt))
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT type_name FROM events WHERE sender_id = 's1' ORDER BY id")).scalars().all()
    assert rows == ["action", "user", "slot", "slot", "user", "slot"]  # nothing written twice
    assert asyncio.run(store.retrieve("s1")).get_slot("language") == "it"


def test_event_type_table_matches_rasas_lookup():
    rasa_speedups.uninstall()
    names = {cls.type_name for cls in all_subclasses(Event)}
    expected = {name: Event.resolve_by_type(name) for name in names}
    rasa_speedups.install()
    try:
        assert {name: Event.resolve_by_type(name) for name in names} == expected
        assert Event.resolve_by_type("topic") is None  # Rasa's legacy names still fall through
        assert Event.resolve_by_type("nope", default=SlotSet) is SlotSet
        with pytest.raises(ValueError, match="Unknown event name"):
            Event.resolve_by_type("nope")
    finally:
        rasa_speedups.uninstall()
