"""Every request the client sends for Studio flows (plan's Validate, apply's
creates and updates, a number pointed at a flow) is one Twilio's spec allows,
and every answer the emulator gives fits it."""

from __future__ import annotations

import pytest

from tests.contract.wire import Recorder, Sent, request_problems, response_problems
from tests.replay import flow
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, Emulator
from twilio_iac.reconcile import flow_validation


def manifest(say: str) -> str:
    return f"""\
studio_flows:
  - friendly_name: Main IVR
    status: published
    definition:
      initial_state: Trigger
      states:
        - name: Trigger
          type: trigger
          transitions: [{{event: incomingCall, next: greeting}}]
        - name: greeting
          type: say-play
          properties: {{say: {say}, offset: {{x: 0, y: 100}}}}
          transitions: []
  - friendly_name: Sub
    status: draft
    definition:
      initial_state: Trigger
      states: [{{name: Trigger, type: trigger, transitions: []}}]
phone_numbers:
  - phone_number: "+14155550100"
    voice_flow: Main IVR
"""


@pytest.fixture(scope="module")
def sent() -> list[Sent]:
    recorder = Recorder(Emulator())
    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    with TwilioClient(settings, app=recorder) as client:
        for say, counts in (("Hi", {"create": 2, "update": 1}), ("Yo", {"update": 1})):
            planned = flow_validation.validated(
                flow.plan(client, manifest(say)), client
            )
            assert {k: v for k, v in planned.counts.items() if v} == counts
            flow.apply(client, manifest(say))
        assert flow.plan(client, manifest("Yo")).changes == ()
    return recorder.sent


def test_every_request_is_allowed_by_the_spec(sent: list[Sent]) -> None:
    assert request_problems(sent) == {}
    assert all(s.status < 300 for s in sent), [s for s in sent if s.status >= 300]


def test_every_response_matches_the_spec(sent: list[Sent]) -> None:
    assert response_problems(sent) == {}


def test_the_operations_used(sent: list[Sent]) -> None:
    seen = {s.operation for s in sent if s.path.startswith("/v2/")}
    assert seen == {
        "ListFlow",
        "FetchFlow",
        "CreateFlow",
        "UpdateFlow",
        "UpdateFlowValidate",
    }
    updates = [s.form for s in sent if s.operation == "UpdateFlow"]
    assert all(form["Status"] == ["published"] for form in updates)
    assert all(form["CommitMessage"][0].startswith("twilio-iac: ") for form in updates)
