"""Every request the client sends in real plan/apply flows is one Twilio's spec allows.

The flows run through TwilioClient against the emulator, wrapped in a WSGI
middleware that records each request as it arrives on the wire; the checks
use the packaged OpenAPI descriptions, not the emulator's own validation.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from tests.contract.wire import Recorder, Sent, request_problems, response_problems
from tests.replay import flow
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, Emulator


def manifest(
    max_size: int | None = 50,
    sms_url: str = "https://example.com/sms",
    verify: str = "push:\n      include_date: false",
    iso_country: str = "US",
    bought: bool = False,
) -> str:
    """The e2e STARTER account, with the knobs the flows turn."""
    queues = f"  - friendly_name: support\n    max_size: {max_size}" if max_size else ""
    purchase = PURCHASE if bought else ""
    return f"""\
applications:
  - friendly_name: ivr-main
    voice_url: https://example.com/voice
    voice_method: POST
    voice_caller_id_lookup: true
    sms_url: {sms_url}
queues:{" []" if not queues else ""}
{queues}
addresses:
  - friendly_name: HQ
    customer_name: Example Inc
    street: 1 Main St
    city: San Francisco
    region: CA
    postal_code: "94105"
    iso_country: "{iso_country}"
verify_services:
  - friendly_name: Example Login
    code_length: 6
    {verify}
phone_numbers:
  - phone_number: "+14155550100"
    friendly_name: Main line
    voice_application: ivr-main
    sms_application: ivr-main
    address: HQ
{purchase}prune: [queues]
"""


PURCHASE = """\
  - phone_number: "+14155559999"
    friendly_name: Bought
    voice_caller_id_lookup: false
    purchase: true
"""
NESTED = "push:\n      include_date: true\n    totp:\n      issuer: Example"
# Each step: the manifest, and the plan actions it must produce.
STEPS = [
    (manifest(), {"create": 4, "update": 1}),
    (manifest(max_size=80, verify=NESTED), {"update": 2}),
    (manifest(max_size=80, verify=NESTED, sms_url="null"), {"update": 1}),
    (manifest(max_size=None, verify=NESTED, sms_url="null"), {"delete": 1}),
    (
        manifest(max_size=None, verify=NESTED, sms_url="null", iso_country="GB"),
        {"replace": 1, "update": 1},
    ),
    (
        manifest(
            max_size=None, verify=NESTED, sms_url="null", iso_country="GB", bought=True
        ),
        {"purchase": 1},
    ),
]


@pytest.fixture(scope="module")
def sent() -> list[Sent]:
    recorder = Recorder(Emulator())
    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    with TwilioClient(settings, app=recorder) as client:
        for text, counts in STEPS:
            result, _ = flow.apply(client, text)
            assert {k: v for k, v in result.counts.items() if v} == counts, text
        assert flow.plan(client, STEPS[-1][0]).changes == ()
    return recorder.sent


def test_every_request_is_allowed_by_the_spec(sent: list[Sent]) -> None:
    problems = request_problems(sent)
    assert problems == {}
    assert all(s.status < 300 for s in sent), [s for s in sent if s.status >= 300]


def test_every_response_matches_the_spec(sent: list[Sent]) -> None:
    problems = response_problems(sent)
    assert problems == {}


def test_the_flows_use_the_expected_operations(sent: list[Sent]) -> None:
    seen = {s.operation for s in sent}
    lists = {"ListApplication", "ListQueue", "ListAddress", "ListService"}
    lists.add("ListIncomingPhoneNumber")
    writes = {
        "CreateApplication",
        "CreateQueue",
        "CreateAddress",
        "CreateService",
        "CreateIncomingPhoneNumber",
        "UpdateIncomingPhoneNumber",
        "UpdateQueue",
        "UpdateApplication",
        "UpdateService",
        "DeleteQueue",
        "DeleteAddress",
    }
    assert seen == lists | writes


def test_lists_ask_for_the_largest_page(sent: list[Sent]) -> None:
    gets = [s for s in sent if s.method == "GET"]
    assert gets
    assert all(parse_qs(s.query) == {"PageSize": ["1000"]} for s in gets)


def _forms(sent: list[Sent], operation: str) -> list[dict[str, list[str]]]:
    return [s.form for s in sent if s.operation == operation]


def test_booleans_go_out_as_true_and_false(sent: list[Sent]) -> None:
    (app,) = _forms(sent, "CreateApplication")
    assert app["VoiceCallerIdLookup"] == ["true"]
    assert app["VoiceMethod"] == ["POST"]
    bought = _forms(sent, "CreateIncomingPhoneNumber")[0]
    assert bought["VoiceCallerIdLookup"] == ["false"]
    assert bought["PhoneNumber"] == ["+14155559999"]


def test_verify_nested_fields_go_out_as_dotted_keys(sent: list[Sent]) -> None:
    (created,) = _forms(sent, "CreateService")
    assert created["Push.IncludeDate"] == ["false"]
    assert created["CodeLength"] == ["6"]
    (updated,) = _forms(sent, "UpdateService")
    assert updated == {"Push.IncludeDate": ["true"], "Totp.Issuer": ["Example"]}


def test_a_clear_goes_out_as_an_empty_value(sent: list[Sent]) -> None:
    assert {"SmsUrl": [""]} in _forms(sent, "UpdateApplication")


def test_a_replace_creates_repoints_then_deletes(sent: list[Sent]) -> None:
    writes = [s for s in sent if s.method != "GET"]
    ops = [s.operation for s in writes]
    create = ops.index("CreateAddress", 1)
    new_sid = writes[create].body["sid"]
    repoint = writes[create + 1]
    assert repoint.operation == "UpdateIncomingPhoneNumber"
    assert repoint.form == {"AddressSid": [new_sid]}
    assert writes[create + 2].operation == "DeleteAddress"
    assert writes[create].form["IsoCountry"] == ["GB"]
