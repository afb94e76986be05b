"""Every response the emulator gives, per kind and operation, matches Twilio's spec."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.contract.oai import validate_request, validate_response
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Emulator

P = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}"
URL = "https://example.com/hook"


class Checked:
    """A client that validates each request it sends and each response it gets."""

    def __init__(
        self,
        app: Emulator,
        host: str,
        auth: tuple[str, str] = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN),
    ) -> None:
        transport = httpx.WSGITransport(app=app)
        self.http = httpx.Client(
            transport=transport, base_url=f"https://{host}", auth=auth
        )
        self.checked = 0

    def send(self, method: str, path: str, data: dict[str, str] | None = None) -> Any:
        assert validate_request(method, path, data or {}) == []
        if method == "GET":
            response = self.http.request(method, path, params=data)
        else:
            response = self.http.request(method, path, data=data)
        assert response.status_code < 300, response.text
        body = response.json() if response.content else None
        problems = validate_response(method, path, response.status_code, body)
        assert problems == [], problems
        self.checked += 1
        return body

    def crud(self, collection: str, create: dict, update: dict) -> None:
        made = self.send("POST", collection, create)
        self.send("GET", collection, {"PageSize": "1"})
        instance = collection.removesuffix(".json") + f"/{made['sid']}"
        instance += ".json" if collection.endswith(".json") else ""
        self.send("GET", instance)
        self.send("POST", instance, update)
        self.send("DELETE", instance)


def test_accounts(api: Checked) -> None:
    api.send("GET", "/2010-04-01/Accounts.json")
    api.send("GET", f"{P}.json")


def test_phone_numbers(api: Checked) -> None:
    app_sid = api.send("POST", f"{P}/Applications.json", {"FriendlyName": "ivr"})["sid"]
    api.crud(
        f"{P}/IncomingPhoneNumbers.json",
        {"PhoneNumber": "+12125550100", "VoiceApplicationSid": app_sid},
        {"VoiceUrl": URL, "VoiceMethod": "GET", "EmergencyStatus": "Active"},
    )
    api.send("POST", f"{P}/IncomingPhoneNumbers.json", {"AreaCode": "800"})
    listed = api.send("GET", f"{P}/IncomingPhoneNumbers.json", {"PageSize": "2"})
    api.send("GET", listed["next_page_uri"])


def test_applications(api: Checked) -> None:
    api.crud(
        f"{P}/Applications.json",
        {"FriendlyName": "ivr", "VoiceUrl": URL, "VoiceCallerIdLookup": "true"},
        {"SmsUrl": URL, "PublicApplicationConnectEnabled": "false", "VoiceUrl": ""},
    )


def test_queues(api: Checked) -> None:
    api.crud(f"{P}/Queues.json", {"FriendlyName": "support"}, {"MaxSize": "5000"})


def test_addresses(api: Checked) -> None:
    create = {
        "CustomerName": "Acme",
        "Street": "1 Main St",
        "City": "San Francisco",
        "Region": "CA",
        "PostalCode": "94105",
        "IsoCountry": "US",
        "EmergencyEnabled": "true",
    }
    api.crud(f"{P}/Addresses.json", create, {"StreetSecondary": "Suite 2"})


def test_verify_services(app: Emulator) -> None:
    verify = Checked(app, "verify.twilio.com")
    create = {
        "FriendlyName": "login",
        "CodeLength": "4",
        "Push.IncludeDate": "true",
        "Totp.Issuer": "Acme",
        "Totp.TimeStep": "30",
        "Passkeys.RelyingParty.Id": "example.com",
        "Passkeys.UserVerification": "preferred",
        "Whatsapp.MsgServiceSid": "MG" + "a" * 32,
    }
    verify.crud("/v2/Services", create, {"Totp.Skew": "1", "Push.IncludeDate": ""})
    for name in ("a", "b"):
        verify.send("POST", "/v2/Services", {"FriendlyName": name})
    first = verify.send("GET", "/v2/Services", {"PageSize": "1"})
    verify.send(
        "GET", first["meta"]["next_page_url"].removeprefix("https://verify.twilio.com")
    )
    assert verify.checked == 9


# --- the helper itself catches what it should ----------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "form", "needle"),
    [
        ("POST", f"{P}/Queues.json", {"FriendlyName": "q", "Colour": "red"}, "Colour"),
        ("POST", f"{P}/Queues.json", {"MaxSize": "10"}, "FriendlyName: required"),
        ("POST", f"{P}/Queues.json", {"FriendlyName": "q", "MaxSize": "x"}, "MaxSize"),
        ("POST", f"{P}/Applications.json", {"VoiceMethod": "PUT"}, "VoiceMethod"),
        ("POST", f"{P}/Applications.json", {"VoiceUrl": "nope"}, "VoiceUrl"),
        ("POST", f"{P}/Applications.json", {"VoiceUrl": "/relative"}, "VoiceUrl"),
        ("POST", f"{P}/IncomingPhoneNumbers.json", {}, "PhoneNumber, AreaCode"),
        ("GET", f"{P}/Queues/QUnot-a-sid.json", {}, "path Sid"),
        ("GET", f"{P}/Queues.json?PageSize=0", {}, "PageSize"),
        ("PATCH", f"{P}/Queues.json", {}, "no such operation"),
    ],
)
def test_validate_request_reports(
    method: str, path: str, form: dict, needle: str
) -> None:
    problems = validate_request(method, path, form)
    assert any(needle in problem for problem in problems), problems


def test_validate_request_accepts_clearing_and_partial_number_filters() -> None:
    assert validate_request("POST", f"{P}/Applications.json", {"VoiceUrl": ""}) == []
    query = {"PhoneNumber": "+1415*", "PageSize": "20"}
    assert validate_request("GET", f"{P}/IncomingPhoneNumbers.json", query) == []
    assert (
        validate_request("GET", f"https://api.twilio.com{P}/Queues.json?Page=1", {})
        == []
    )


def test_validate_response_reports_missing_extra_and_mistyped(app: Emulator) -> None:
    queue = app.insert("queues", friendly_name="q")
    path = f"{P}/Queues/{queue['sid']}.json"
    assert validate_response("GET", path, 200, queue) == []
    broken = {**queue, "extra": 1, "max_size": "big"}
    del broken["uri"]
    problems = " ".join(validate_response("GET", path, 200, broken))
    assert "uri" in problems and "extra" in problems and "max_size" in problems
    assert validate_response("GET", path, 201, queue) != []
    assert validate_response("DELETE", path, 204, None) == []
