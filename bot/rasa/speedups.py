"""Per-turn overhead that Rasa 3.6 spends on work whose result never changes.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` for every reply of
the action server. With jsonschema 4.17 that call first checks the (constant) response
schema against the 2020-12 meta-schema, which resolves ``$dynamicRef`` chains and costs
more than the rest of the turn together: half of the Rasa server's CPU time in a form
conversation, measured with a sampling profiler. Here the schema is checked once and the
compiled validators are reused. Even compiled, the event schema is a ``oneOf`` over 23
event types, so every event of a reply is checked against all 23: 15 ms for the 25 events
of a recorded plan. Each type's branch pins ``event`` to its own constant and the outer
schema requires ``event`` as a string, so for an event whose ``event`` names a known type
exactly one branch can match, and "the oneOf holds" is "that one branch holds". Each event
is therefore checked against the outer rules plus its own branch. Anything else (an
unknown type, a malformed reply, any failure) goes through the full validator, so the
answer and the error message are exactly Rasa's.

``Event.resolve_by_type`` walks every subclass of ``Event`` for each event it rebuilds, so
loading a tracker of n events costs n class-hierarchy walks. The name-to-class table is
built once here, keeping the first match in the same order; a name that is not in it
falls through to Rasa's own lookup (legacy names, defaults, the error).

``install()`` is idempotent and is called when Rasa creates this project's tracker store,
so it is in effect in every server started with ``endpoints.yml``.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from rasa.shared.utils.schemas.events import EVENT_SCHEMA

_ORIGINAL = RemoteAction._validate_action_result
_ORIGINAL_RESOLVE = Event.__dict__["resolve_by_type"]


def _compiled(schema: dict[str, Any]) -> Validator:
    cls = validator_for(schema)
    cls.check_schema(schema)  # the one check jsonschema.validate would repeat on every call
    return cls(schema)


@lru_cache(maxsize=1)
def action_result_validator() -> Validator:
    """The full validator of an action-server reply, its schema checked once instead of on every call."""
    return _compiled(RemoteAction.action_response_format_spec())


@lru_cache(maxsize=1)
def reply_without_events_validator() -> Validator:
    """Validator of an action reply without its ``events`` (those are checked per event type)."""
    spec = RemoteAction.action_response_format_spec()
    properties = {k: v for k, v in spec["properties"].items() if k != "events"}
    return _compiled({**spec, "properties": properties})


@lru_cache(maxsize=1)
def event_validators() -> dict[str, Validator]:
    """One validator per event type: the outer event rules and that type's own branch."""
    outer = {k: v for k, v in EVENT_SCHEMA.items() if k != "oneOf"}
    return {branch["properties"]["event"]["const"]: _compiled({**outer, "allOf": [branch]})
            for branch in EVENT_SCHEMA["oneOf"]}


def _valid_by_event_type(result: Any) -> bool:
    """True only when the reply is certainly valid; False means "ask the full validator"."""
    if not isinstance(result, dict) or not reply_without_events_validator().is_valid(result):
        return False
    events = result.get("events", [])
    if not isinstance(events, list):
        return False
    validators = event_validators()
    for item in events:
        kind = item.get("event") if isinstance(item, dict) else None
        validator = validators.get(kind) if isinstance(kind, str) else None
        if validator is None or not validator.is_valid(item):
            return False
    return True


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        if not _valid_by_event_type(result):
            action_result_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error


@lru_cache(maxsize=1)
def event_types() -> dict[str, type[Event]]:
    """Event type name -> class, the first subclass found winning, as in Rasa's own lookup."""
    table: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # Rasa returns the first match
    return table


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = event_types().get(type_name)
    return found if found is not None else _ORIGINAL_RESOLVE.__func__(type_name, default)


def install() -> None:
    """Patch Rasa with the faster reply validation and event lookup, compiling the validators now; idempotent."""
    event_validators(), action_result_validator(), reply_without_events_validator()  # compile at start-up
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_by_type)


def uninstall() -> None:
    """Restore Rasa's own reply validation and event lookup (tests)."""
    RemoteAction._validate_action_result = _ORIGINAL
    Event.resolve_by_type = _ORIGINAL_RESOLVE
