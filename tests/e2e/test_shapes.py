"""One JSON shape per message and per call, whichever command prints it, and
published as schemas/message.schema.json and schemas/call.schema.json."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

SCHEMAS = Path(__file__).parents[2] / "schemas"
TO, FROM = "+14155551234", "+14155550100"


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text())


def _json(run, *args: str):
    result = run(*args, "--output", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _types(data: dict) -> dict[str, str]:
    """Each key's type where it has a value (a status moves on between reads,
    and with it date_sent and price: null, then set)."""
    return {k: type(v).__name__ for k, v in data.items() if v is not None}


def _agree(*printed: dict) -> None:
    assert len({frozenset(p) for p in printed}) == 1  # the same keys
    for key in set().union(*(_types(p) for p in printed)):
        assert len({_types(p)[key] for p in printed if key in _types(p)}) == 1, key


@pytest.fixture
def message(run) -> dict:
    return _json(run, "send", "sms", "--to", TO, "--from", FROM, "--body", "hi",
                 "--yes")  # fmt: skip


def test_a_message_has_one_shape_everywhere(run, message):
    sid = message["sid"]
    shown = _json(run, "messages", "show", sid)
    status = _json(run, "status", sid)
    (listed,) = [m for m in _json(run, "messages", "list") if m["sid"] == sid]
    for printed in (message, shown, status, listed):
        jsonschema.validate(printed, _schema("message"))
        assert printed["kind"] == "message"
        assert isinstance(printed["num_segments"], int)
        assert isinstance(printed["final"], bool)
    _agree(message, shown, status, listed)


def test_a_call_has_one_shape_everywhere(run):
    placed = _json(run, "send", "call", "--to", TO, "--from", FROM,
                   "--url", "https://example.com/t", "--yes")  # fmt: skip
    sid = placed["sid"]
    shown = _json(run, "calls", "show", sid)
    status = _json(run, "status", sid)
    (listed,) = [c for c in _json(run, "calls", "list") if c["sid"] == sid]
    for printed in (placed, shown, status, listed):
        jsonschema.validate(printed, _schema("call"))
        assert printed["kind"] == "call" and isinstance(printed["final"], bool)
    _agree(placed, shown, status, listed)


def test_the_schemas_refuse_what_the_shape_promises_not_to_be(message):
    for wrong in ({"num_segments": "1"}, {"final": None}, {"price": -0.0079},
                  {"date_created": "Thu, 03 Dec 2026 15:00:00 +0000"}):  # fmt: skip
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**message, **wrong}, _schema("message"))
