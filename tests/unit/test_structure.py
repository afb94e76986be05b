"""Structured values compared as data: one row per widget and property path."""

from __future__ import annotations

import pytest

from twilio_iac.model import Ref
from twilio_iac.reconcile import flow_validation, structure


def _flow(*states: dict, **top: object) -> dict:
    return {"initial_state": "Trigger", "states": list(states), **top}


TRIGGER = {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0}}}
SAY = {"name": "greeting", "type": "say-play", "properties": {"say": "Hi"}}


@pytest.mark.parametrize(
    ("name", "before", "after", "rows"),
    [
        ("equal", _flow(TRIGGER), _flow(TRIGGER), []),
        (
            "a property",
            _flow(TRIGGER, SAY),
            _flow(TRIGGER, {**SAY, "properties": {"say": "Hello"}}),
            [('states["greeting"].properties.say', '"Hi" → "Hello"')],
        ),
        (
            "widget order is no change",
            _flow(TRIGGER, SAY),
            _flow(SAY, TRIGGER),
            [],
        ),
        (
            "added and removed widgets",
            _flow(TRIGGER, SAY),
            _flow(TRIGGER, {**SAY, "name": "welcome"}),
            [
                ('states["greeting"]', "removed"),
                (
                    'states["welcome"]',
                    'added {"name": "welcome", '
                    '"type": "say-play", "properties": {"say": "Hi"}}',
                ),
            ],
        ),
        (
            "offsets summarised",
            _flow(TRIGGER, SAY),
            _flow({**TRIGGER, "properties": {"offset": {"x": 9}}}, SAY),
            [("canvas", "1 widget moved (Trigger)")],
        ),
        (
            "top-level keys",
            _flow(TRIGGER, flags={"allow_concurrent_calls": True}),
            _flow(TRIGGER, flags={"allow_concurrent_calls": False}),
            [("flags.allow_concurrent_calls", "true → false")],
        ),
        (
            "a reference, as written in a flow file",
            _flow({**SAY, "properties": {"flow_sid": "FW" + "1" * 32}}),
            _flow({**SAY, "properties": {"flow_sid": Ref("studio_flows", "Sub")}}),
            [
                (
                    'states["greeting"].properties.flow_sid',
                    f'"FW{"1" * 32}" → {{"ref": "flow:Sub"}}',
                )
            ],
        ),
        (
            "a list of another length is shown whole",
            _flow({**TRIGGER, "transitions": [{"event": "a"}]}),
            _flow({**TRIGGER, "transitions": []}),
            [('states["Trigger"].transitions', '[{"event": "a"}] → []')],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_definition_rows(name: str, before: dict, after: dict, rows: list) -> None:
    assert structure.definition(before, after).lines() == rows


def test_a_new_definition_is_summarised_by_its_widgets() -> None:
    assert structure.summary(_flow(TRIGGER, SAY)) == "2 widgets: Trigger, greeting"


@pytest.mark.parametrize(
    ("pointer", "path"),
    [
        ("#/states/1/properties/say", 'states["greeting"].properties.say'),
        ("#/states/0/transitions/0/next", 'states["Trigger"].transitions[0].next'),
        ("#/initial_state", "initial_state"),
        ("#/states/9/name", "states[9].name"),
        ("#", "definition"),
    ],
)
def test_validate_pointers_read_by_widget_name(pointer: str, path: str) -> None:
    definition = _flow({**TRIGGER, "transitions": [{"event": "x"}]}, SAY)
    assert flow_validation.widget_path(definition, pointer) == path
