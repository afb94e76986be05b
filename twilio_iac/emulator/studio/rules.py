"""Twilio's checks of a flow definition, as Validate and a published save run them.

Each problem is one entry of the 81022 body's ``details.errors``: a message and
the JSON pointer of the property it is about (``#/states/2/transitions/0/next``),
the shape Twilio's "Troubleshoot using error details" documents
(https://www.twilio.com/docs/studio/rest-api/v2/flow-validate).
"""

from __future__ import annotations

from typing import Any

# Widget types the Studio canvas offers (https://www.twilio.com/docs/studio/widget-library).
WIDGET_TYPES = frozenset(
    {
        "trigger",
        "say-play",
        "gather-input-on-call",
        "send-message",
        "send-and-wait-for-reply",
        "split-based-on",
        "set-variables",
        "make-http-request",
        "run-function",
        "run-subflow",
        "send-to-flex",
        "enqueue-call",
        "connect-call-to",
        "record-voicemail",
        "record-call",
        "make-outgoing-call-v2",
        "capture-payments",
        "add-twiml-redirect",
        "fork-stream",
        "connect-virtual-agent",
        "send-to-auto-pilot",
    }
)


def problems(definition: Any) -> list[dict[str, str]]:
    """Every problem Twilio reports for ``definition`` (empty: it is valid)."""
    if not isinstance(definition, dict):
        return [_error("#", "must be an object")]
    found = []
    if not isinstance(definition.get("initial_state"), str):
        found.append(_error("#/initial_state", "is required and must be a string"))
    states = definition.get("states")
    if not isinstance(states, list):
        return [*found, _error("#/states", "is required and must be an array")]
    names: dict[str, int] = {}
    for index, state in enumerate(states):
        found += _state(index, state, names)
    initial = definition.get("initial_state")
    if isinstance(initial, str) and initial not in names:
        found.append(_error("#/initial_state", f"names no widget: {initial}"))
    for index, state in enumerate(states):
        found += _transitions(index, state, names)
    return found


def _state(index: int, state: Any, names: dict[str, int]) -> list[dict[str, str]]:
    where = f"#/states/{index}"
    if not isinstance(state, dict):
        return [_error(where, "must be an object")]
    found = []
    name = state.get("name")
    if not isinstance(name, str) or not name:
        found.append(_error(f"{where}/name", "is required and must be a string"))
    elif name in names:
        found.append(_error(f"{where}/name", f"Widget name {name} is not unique"))
    else:
        names[name] = index
    if state.get("type") not in WIDGET_TYPES:
        found.append(
            _error(f"{where}/type", f"unknown widget type {state.get('type')}")
        )
    if not isinstance(state.get("properties", {}), dict):
        found.append(_error(f"{where}/properties", "must be an object"))
    if not isinstance(state.get("transitions", []), list):
        found.append(_error(f"{where}/transitions", "must be an array"))
    return found


def _transitions(index: int, state: Any, names: dict[str, int]) -> list[dict[str, str]]:
    if not isinstance(state, dict) or not isinstance(state.get("transitions"), list):
        return []
    found = []
    for number, transition in enumerate(state["transitions"]):
        where = f"#/states/{index}/transitions/{number}"
        if not isinstance(transition, dict) or not isinstance(
            transition.get("event"), str
        ):
            found.append(_error(f"{where}/event", "is required and must be a string"))
            continue
        target = transition.get("next")
        if target is not None and target not in names:
            found.append(
                _error(f"{where}/next", f"Transition to unknown widget {target}")
            )
    return found


def _error(path: str, message: str) -> dict[str, str]:
    return {"message": message, "property_path": path}
