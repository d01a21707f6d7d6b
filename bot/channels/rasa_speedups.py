"""Per-turn overhead that Rasa 3.6 spends on work whose result never changes.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` for every reply of
the action server. With jsonschema 4.17 that call first checks the (constant) response
schema against the 2020-12 meta-schema, which resolves ``$dynamicRef`` chains and costs
more than the rest of the turn together: half of the Rasa server's CPU time in a form
conversation, measured with a sampling profiler. Here the schema is checked once and the
compiled validator is reused; the result is validated exactly as before, with the same
error message on failure.

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

_ORIGINAL = RemoteAction._validate_action_result
_ORIGINAL_RESOLVE = Event.__dict__["resolve_by_type"]


@lru_cache(maxsize=1)
def action_result_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # the one check jsonschema.validate would repeat on every call
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
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
    table: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # Rasa returns the first match
    return table


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = event_types().get(type_name)
    return found if found is not None else _ORIGINAL_RESOLVE.__func__(type_name, default)


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    RemoteAction._validate_action_result = _ORIGINAL  # type: ignore[method-assign]
    Event.resolve_by_type = _ORIGINAL_RESOLVE  # type: ignore[method-assign]
