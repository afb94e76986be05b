"""Messaging v1 and Trunking v1: every request the pool flows send, and every
emulator response, checked against the packaged descriptions; Twilio's
refusals with their codes; v1 `meta` paging over pools."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest

from tests.contract.oai import validate_request
from tests.contract.test_emulator_contract import Checked
from tests.contract.wire import Recorder, Sent, request_problems, response_problems
from tests.replay import flow
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, Emulator
from twilio_iac.emulator.messaging.services import sandbox_short_codes

NUMBERS = """
phone_numbers:
  - phone_number: "+14155550100"
    friendly_name: Support line
"""


def services(alerts: str, marketing: str, short: str = "") -> str:
    return f"""{NUMBERS}
messaging_services:
  - friendly_name: Alerts
    validity_period: 600
    senders:
      phone_numbers: {alerts}
      alpha_senders: [ACME]
      short_codes: [{short}]
  - friendly_name: Marketing
    use_inbound_webhook_on_number: true
    senders:
      phone_numbers: {marketing}
"""


def trunk(urls: str, numbers: str, mode: str = "record-from-answer") -> str:
    return f"""
sip_trunks:
  - friendly_name: PBX
    domain_name: acme.pstn.twilio.com
    transfer_mode: sip-only
    recording:
      mode: {mode}
    origination_urls:{urls}
    phone_numbers: {numbers}
"""


URLS = """
      - friendly_name: primary
        sip_url: sip:pbx1.example.com
      - friendly_name: backup
        sip_url: sip:pbx2.example.com
        priority: 20"""
SHORT = next(iter(sandbox_short_codes(SANDBOX_CREDENTIALS[0])))
STEPS = [
    services('[Support line, "+14155550101"]', "[]", SHORT)
    + trunk(URLS, '["+14155550102"]'),
    services('["+14155550101"]', "[Support line]", SHORT)
    + trunk(URLS.replace("priority: 20", "priority: 30"), "[]", "do-not-record"),
    services("[]", "[]") + trunk(" []", '["+14155550102"]'),
    NUMBERS + "messaging_services: []\nsip_trunks: []\n"
    "prune: [messaging_services, sip_trunks]\n",
]


@pytest.fixture(scope="module")
def sent() -> list[Sent]:
    recorder = Recorder(Emulator())
    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    with TwilioClient(settings, app=recorder) as client:
        for text in STEPS:
            flow.apply(client, text)
            assert flow.plan(client, text).changes == (), text
    return recorder.sent


def test_every_pool_request_is_allowed_by_the_spec(sent: list[Sent]) -> None:
    problems = request_problems(sent)
    assert problems == {}
    assert all(s.status < 300 for s in sent), [s for s in sent if s.status >= 300]


def test_every_pool_response_matches_the_spec(sent: list[Sent]) -> None:
    problems = response_problems(sent)
    assert problems == {}


def test_the_flows_use_every_pool_operation(sent: list[Sent]) -> None:
    shapes = {
        (
            s.method,
            "/".join(
                "*" if p[:2].isupper() and len(p) == 34 else p
                for p in s.path.split("/")
            ),
        )
        for s in sent
        if s.path.startswith("/v1/")
    }
    for collection in ("PhoneNumbers", "AlphaSenders", "ShortCodes"):
        assert ("POST", f"/v1/Services/*/{collection}") in shapes
        assert ("DELETE", f"/v1/Services/*/{collection}/*") in shapes
        assert ("GET", f"/v1/Services/*/{collection}") in shapes
    for collection in ("OriginationUrls", "PhoneNumbers"):
        assert ("POST", f"/v1/Trunks/*/{collection}") in shapes
        assert ("DELETE", f"/v1/Trunks/*/{collection}/*") in shapes
    assert ("POST", "/v1/Trunks/*/OriginationUrls/*") in shapes
    assert ("POST", "/v1/Trunks/*/Recording") in shapes
    assert {("POST", "/v1/Services"), ("DELETE", "/v1/Services/*")} <= shapes
    assert {("POST", "/v1/Trunks"), ("DELETE", "/v1/Trunks/*")} <= shapes


def test_lists_ask_for_the_largest_page(sent: list[Sent]) -> None:
    gets = [s for s in sent if s.method == "GET" and s.path.startswith("/v1/")]
    assert gets and all(parse_qs(s.query) == {"PageSize": ["1000"]} for s in gets)


# --- the emulator directly ------------------------------------------------------


def _number_sid(app: Emulator, number: str) -> str:
    return next(
        r["sid"] for r in app.records("phone_numbers") if r["phone_number"] == number
    )


def _refused(
    client: Checked, method: str, path: str, data: dict | None = None, valid=True
) -> dict:
    if valid:  # a request the spec allows, refused for what Twilio checks itself
        assert validate_request(method, path, data or {}) == []
    response = client.http.request(method, path, data=data)
    assert response.status_code >= 400
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["status"] == response.status_code
    return body


def test_messaging_services_and_their_pools(app: Emulator, messaging: Checked) -> None:
    created = messaging.send("POST", "/v1/Services", {"FriendlyName": "Alerts"})
    # Twilio's server-side defaults.
    assert created["sticky_sender"] is True and created["validity_period"] == 36000
    assert created["use_inbound_webhook_on_number"] is False
    assert created["links"]["phone_numbers"].endswith("/PhoneNumbers")
    sid = created["sid"]
    messaging.send("GET", f"/v1/Services/{sid}")
    messaging.send("POST", f"/v1/Services/{sid}", {"StickySender": "false"})
    base = f"/v1/Services/{sid}"
    numbers = [_number_sid(app, n) for n in ("+14155550100", "+14155550101")]
    for number in numbers:
        added = messaging.send(
            "POST", f"{base}/PhoneNumbers", {"PhoneNumberSid": number}
        )
        assert added["sid"] == number and added["service_sid"] == sid
    messaging.send("GET", f"{base}/PhoneNumbers/{numbers[0]}")
    alpha = messaging.send("POST", f"{base}/AlphaSenders", {"AlphaSender": "ACME"})
    messaging.send("GET", f"{base}/AlphaSenders/{alpha['sid']}")
    short = messaging.send("POST", f"{base}/ShortCodes", {"ShortCodeSid": SHORT})
    assert short["short_code"] == "89001"
    messaging.send("GET", f"{base}/ShortCodes/{SHORT}")

    # Both pagination styles: v1 answers with `meta`.
    page = messaging.send("GET", f"{base}/PhoneNumbers", {"PageSize": "1"})
    assert page["meta"]["key"] == "phone_numbers" and len(page["phone_numbers"]) == 1
    following = messaging.send("GET", page["meta"]["next_page_url"])
    assert following["phone_numbers"][0]["sid"] == numbers[1]
    assert following["meta"]["next_page_url"] is None

    for path in (
        f"{base}/PhoneNumbers/{numbers[0]}",
        f"{base}/AlphaSenders/{alpha['sid']}",
        f"{base}/ShortCodes/{SHORT}",
    ):
        messaging.send("DELETE", path)
    messaging.send("DELETE", base)
    assert app.records("messaging_phone_numbers") == []  # freed with the service


def test_messaging_refusals_carry_twilios_codes(
    app: Emulator, messaging: Checked
) -> None:
    one = messaging.send("POST", "/v1/Services", {"FriendlyName": "One"})["sid"]
    two = messaging.send("POST", "/v1/Services", {"FriendlyName": "Two"})["sid"]
    number = _number_sid(app, "+14155550100")
    messaging.send(
        "POST", f"/v1/Services/{one}/PhoneNumbers", {"PhoneNumberSid": number}
    )
    again = _refused(
        messaging,
        "POST",
        f"/v1/Services/{two}/PhoneNumbers",
        {"PhoneNumberSid": number},
    )
    assert again["code"] == 21710 and again["status"] == 400
    same = _refused(
        messaging,
        "POST",
        f"/v1/Services/{one}/PhoneNumbers",
        {"PhoneNumberSid": number},
    )
    assert same["code"] == 21710
    unknown = _refused(
        messaging,
        "POST",
        f"/v1/Services/{one}/PhoneNumbers",
        {"PhoneNumberSid": "PN" + "0" * 32},
    )
    assert unknown["code"] == 20404
    missing = _refused(
        messaging, "POST", f"/v1/Services/{one}/PhoneNumbers", {}, valid=False
    )
    assert missing["code"] == 20001
    gone = _refused(messaging, "GET", f"/v1/Services/{'MG' + '0' * 32}/PhoneNumbers")
    assert gone["code"] == 20404
    wrong = _refused(messaging, "POST", f"/v1/Services/{one}", {"ValidityPeriod": "0"})
    assert wrong["code"] == 20001
    messaging.send("POST", f"/v1/Services/{one}/AlphaSenders", {"AlphaSender": "ACME"})
    second = _refused(
        messaging, "POST", f"/v1/Services/{one}/AlphaSenders", {"AlphaSender": "BRAND"}
    )
    assert second["status"] == 400 and "only have one alpha sender" in second["message"]
    not_allowed = messaging.http.request("PUT", f"/v1/Services/{one}")
    assert not_allowed.status_code == 405


def test_trunks_origination_urls_numbers_and_recording(
    app: Emulator, trunking: Checked, api: Checked
) -> None:
    created = trunking.send(
        "POST",
        "/v1/Trunks",
        {"FriendlyName": "PBX", "DomainName": "acme.pstn.twilio.com"},
    )
    assert created["recording"] == {"mode": "do-not-record", "trim": "do-not-trim"}
    assert created["transfer_mode"] == "disable-all" and created["secure"] is False
    sid = created["sid"]
    base = f"/v1/Trunks/{sid}"
    trunking.send("POST", base, {"Secure": "true", "CnamLookupEnabled": "true"})
    trunking.send("GET", f"{base}/Recording")
    recording = trunking.send(
        "POST", f"{base}/Recording", {"Mode": "record-from-answer"}
    )
    assert recording == {"mode": "record-from-answer", "trim": "do-not-trim"}
    assert trunking.send("GET", base)["recording"]["mode"] == "record-from-answer"
    url = trunking.send(
        "POST",
        f"{base}/OriginationUrls",
        {
            "FriendlyName": "primary",
            "SipUrl": "sip:pbx.example.com",
            "Weight": "10",
            "Priority": "10",
            "Enabled": "true",
        },
    )
    trunking.send("POST", f"{base}/OriginationUrls/{url['sid']}", {"Priority": "5"})
    trunking.send("GET", f"{base}/OriginationUrls", {"PageSize": "1"})
    number = _number_sid(app, "+14155550102")
    listed = trunking.send("POST", f"{base}/PhoneNumbers", {"PhoneNumberSid": number})
    assert listed["trunk_sid"] == sid and listed["phone_number"] == "+14155550102"
    trunking.send("GET", f"{base}/PhoneNumbers/{number}")
    # The number itself now points at the trunk (the 2010 API agrees).
    core = api.send(
        "GET",
        f"/2010-04-01/Accounts/{app.account_sid}/IncomingPhoneNumbers/{number}.json",
    )
    assert core["trunk_sid"] == sid and core["voice_application_sid"] is None

    trunking.send("DELETE", base)
    # A deleted trunk's numbers are freed; its sub-resources are gone (20404).
    core = api.send(
        "GET",
        f"/2010-04-01/Accounts/{app.account_sid}/IncomingPhoneNumbers/{number}.json",
    )
    assert core["trunk_sid"] is None
    gone = _refused(trunking, "GET", f"{base}/PhoneNumbers/{number}")
    assert gone["code"] == 20404
    assert _refused(trunking, "GET", f"{base}/Recording")["code"] == 20404


def test_trunking_refusals(trunking: Checked) -> None:
    bad = _refused(trunking, "POST", "/v1/Trunks", {"DomainName": "acme.example.com"})
    assert bad["code"] == 20001
    sid = trunking.send("POST", "/v1/Trunks", {"FriendlyName": "PBX"})["sid"]
    missing = _refused(
        trunking,
        "POST",
        f"/v1/Trunks/{sid}/OriginationUrls",
        {"FriendlyName": "x"},
        valid=False,
    )
    assert missing["code"] == 20001
    wrong = httpx.Request("PUT", "https://trunking.twilio.com/v1/Trunks")
    assert trunking.http.send(wrong).status_code == 405
