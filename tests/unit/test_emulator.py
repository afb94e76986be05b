"""The emulator as a WSGI app: CRUD, paging, errors, purchase, faults, state."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from click.testing import CliRunner

from twilio_iac.cli import cli
from twilio_iac.emulator import (
    SANDBOX_ACCOUNT_SID,
    SANDBOX_AUTH_TOKEN,
    SEED_NUMBERS,
    Emulator,
    serve,
)
from twilio_iac.errors import ConfigError

AC = SANDBOX_ACCOUNT_SID
P = f"/2010-04-01/Accounts/{AC}"
AUTH = (AC, SANDBOX_AUTH_TOKEN)
APP_URL = "https://example.com/voice"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def call(
    app: Emulator,
    method: str,
    path: str,
    data: dict[str, str] | None = None,
    auth: tuple[str, str] | None = AUTH,
    host: str = "api.twilio.com",
) -> Reply:
    """A minimal WSGI client: form body on POST, query string otherwise."""
    path, _, query = path.partition("?")
    body = b""
    if data is not None and method == "POST":
        body = urlencode(data).encode()
    elif data is not None:
        query = urlencode(data)
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": host,
        "SERVER_NAME": host,
        "SERVER_PORT": "443",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
    }
    if auth:
        token = base64.b64encode(":".join(auth).encode()).decode()
        environ["HTTP_AUTHORIZATION"] = f"Basic {token}"
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    raw = b"".join(app(environ, start_response))
    return Reply(seen["status"], seen["headers"], json.loads(raw) if raw else None)


@pytest.fixture
def app() -> Emulator:
    return Emulator()


def create(app: Emulator, path: str, **data: str) -> dict[str, Any]:
    reply = call(app, "POST", path, data)
    assert reply.status == 201, reply.body
    return reply.body


def address(app: Emulator) -> dict[str, Any]:
    return create(
        app,
        f"{P}/Addresses.json",
        CustomerName="Acme",
        Street="1 Main St",
        City="San Francisco",
        Region="CA",
        PostalCode="94105",
        IsoCountry="US",
    )


def number(app: Emulator, phone_number: str = "+14155550100") -> dict[str, Any]:
    return next(
        r for r in app.records("phone_numbers") if r["phone_number"] == phone_number
    )


# --- accounts and seed state -------------------------------------------------------


def test_accounts_list_names_the_one_account(app: Emulator) -> None:
    reply = call(app, "GET", "/2010-04-01/Accounts.json")
    assert reply.status == 200
    (account,) = reply.body["accounts"]
    assert account["sid"] == AC
    assert account["auth_token"] is None
    assert call(app, "GET", f"/2010-04-01/Accounts/{AC}.json").body["sid"] == AC


def test_fresh_emulator_owns_the_seed_numbers(app: Emulator) -> None:
    body = call(app, "GET", f"{P}/IncomingPhoneNumbers.json").body
    numbers = {n["phone_number"]: n for n in body["incoming_phone_numbers"]}
    assert tuple(numbers) == SEED_NUMBERS
    local, toll_free = numbers["+14155550100"], numbers["+18005550199"]
    assert local["friendly_name"] == "(415) 555-0100"
    assert (local["type"], toll_free["type"]) == ("local", "tollfree")
    assert local["status"] == "in-use" and local["origin"] == "twilio"
    assert local["voice_method"] == "POST" and local["voice_url"] is None
    assert local["uri"] == f"{P}/IncomingPhoneNumbers/{local['sid']}.json"


# --- CRUD per kind -----------------------------------------------------------------

CASES = [
    (
        "Applications.json",
        "Applications",
        {"FriendlyName": "ivr", "VoiceUrl": APP_URL},
        {"SmsUrl": "https://example.com/sms"},
        "applications",
    ),
    ("Queues.json", "Queues", {"FriendlyName": "support"}, {"MaxSize": "20"}, "queues"),
    (
        "Addresses.json",
        "Addresses",
        {
            "CustomerName": "Acme",
            "Street": "1 Main St",
            "City": "SF",
            "Region": "CA",
            "PostalCode": "94105",
            "IsoCountry": "US",
        },
        {"FriendlyName": "HQ"},
        "addresses",
    ),
]


@pytest.mark.parametrize(("collection", "name", "fields", "change", "key"), CASES)
def test_v2010_crud(
    app: Emulator, collection: str, name: str, fields: dict, change: dict, key: str
) -> None:
    made = create(app, f"{P}/{collection}", **fields)
    instance = f"{P}/{name}/{made['sid']}.json"
    assert made["uri"] == instance
    assert made["date_created"].endswith("+0000")
    listed = call(app, "GET", f"{P}/{collection}").body[key]
    assert [r["sid"] for r in listed] == [made["sid"]]
    assert call(app, "GET", instance).body == made
    updated = call(app, "POST", instance, change)
    assert updated.status == 200
    untouched = {k: v for k, v in made.items() if k != "date_updated"}
    changed = {k: v for k, v in updated.body.items() if k != "date_updated"}
    assert {k for k in changed if changed[k] != untouched[k]} == {
        "sms_url"
        if "SmsUrl" in change
        else "max_size"
        if "MaxSize" in change
        else "friendly_name"
    }
    deleted = call(app, "DELETE", instance)
    assert (deleted.status, deleted.body) == (204, None)
    assert call(app, "GET", instance).status == 404


def test_verify_service_crud_and_nested_settings(app: Emulator) -> None:
    reply = call(
        app,
        "POST",
        "/v2/Services",
        {"FriendlyName": "login", "Totp.Skew": "2"},
        host="verify.twilio.com",
    )
    assert reply.status == 201
    service = reply.body
    url = f"https://verify.twilio.com/v2/Services/{service['sid']}"
    assert service["url"] == url
    assert service["links"]["verifications"] == f"{url}/Verifications"
    assert service["code_length"] == 6
    assert service["totp"] == {
        "issuer": None,
        "time_step": None,
        "code_length": None,
        "skew": 2,
    }
    assert service["passkeys"]["relying_party"] == {
        "id": None,
        "name": None,
        "origins": None,
    }
    assert service["date_created"].endswith("Z")
    path = f"/v2/Services/{service['sid']}"
    updated = call(app, "POST", path, {"CodeLength": "8", "Totp.Skew": ""}).body
    assert (updated["code_length"], updated["totp"]["skew"]) == (8, None)
    assert updated["friendly_name"] == "login"
    assert call(app, "DELETE", path).status == 204
    assert call(app, "GET", path).status == 404


def test_update_is_partial_and_empty_value_clears(app: Emulator) -> None:
    made = create(
        app,
        f"{P}/Applications.json",
        FriendlyName="a",
        VoiceUrl=APP_URL,
        SmsUrl="https://example.com/s",
    )
    path = f"{P}/Applications/{made['sid']}.json"
    body = call(app, "POST", path, {"VoiceUrl": ""}).body
    assert body["voice_url"] is None
    assert body["sms_url"] == "https://example.com/s"
    assert body["friendly_name"] == "a"


def test_clearing_a_non_nullable_field_restores_its_default(app: Emulator) -> None:
    sid = number(app)["sid"]
    path = f"{P}/IncomingPhoneNumbers/{sid}.json"
    assert (
        call(app, "POST", path, {"EmergencyStatus": "Active"}).body["emergency_status"]
        == "Active"
    )
    assert (
        call(app, "POST", path, {"EmergencyStatus": ""}).body["emergency_status"]
        == "Inactive"
    )


# --- lists -------------------------------------------------------------------------


def test_v2010_pages_follow_next_and_previous(app: Emulator) -> None:
    sids = [
        create(app, f"{P}/Queues.json", FriendlyName=f"q{i}")["sid"] for i in range(5)
    ]
    seen, pages = [], []
    uri: str | None = f"{P}/Queues.json?PageSize=2"
    while uri:
        body = call(app, "GET", uri).body
        pages.append(body)
        seen += [q["sid"] for q in body["queues"]]
        uri = body["next_page_uri"]
    assert seen == sids
    assert [(p["page"], p["start"], p["end"]) for p in pages] == [
        (0, 0, 1),
        (1, 2, 3),
        (2, 4, 4),
    ]
    assert pages[0]["previous_page_uri"] is None
    assert pages[1]["first_page_uri"] == f"{P}/Queues.json?PageSize=2&Page=0"
    back = call(app, "GET", pages[2]["previous_page_uri"]).body
    assert [q["sid"] for q in back["queues"]] == sids[2:4]


def test_verify_pages_use_absolute_urls_from_the_request_host(app: Emulator) -> None:
    for i in range(3):
        call(app, "POST", "/v2/Services", {"FriendlyName": f"s{i}"})
    host = "127.0.0.1:8080"
    meta = call(app, "GET", "/v2/Services?PageSize=2", host=host).body["meta"]
    assert meta["key"] == "services"
    assert meta["first_page_url"] == f"https://{host}/v2/Services?PageSize=2&Page=0"
    parts = urlsplit(meta["next_page_url"])
    assert parts.netloc == host
    second = call(app, "GET", f"{parts.path}?{parts.query}", host=host).body
    assert [s["friendly_name"] for s in second["services"]] == ["s2"]
    assert second["meta"]["next_page_url"] is None


def test_list_filters(app: Emulator) -> None:
    create(app, f"{P}/Applications.json", FriendlyName="a")
    create(app, f"{P}/Applications.json", FriendlyName="b")
    body = call(app, "GET", f"{P}/Applications.json", {"FriendlyName": "b"}).body
    assert [a["friendly_name"] for a in body["applications"]] == ["b"]
    assert body["uri"].startswith(f"{P}/Applications.json?FriendlyName=b&PageSize=50")
    numbers = f"{P}/IncomingPhoneNumbers.json"
    exact = call(app, "GET", numbers, {"PhoneNumber": "+14155550101"}).body
    assert [n["phone_number"] for n in exact["incoming_phone_numbers"]] == [
        "+14155550101"
    ]
    wild = call(app, "GET", numbers, {"PhoneNumber": "+1415555010*"}).body
    assert len(wild["incoming_phone_numbers"]) == 3


@pytest.mark.parametrize("size", ["0", "1001", "x"])
def test_page_size_limits(app: Emulator, size: str) -> None:
    assert call(app, "GET", f"{P}/Queues.json", {"PageSize": size}).status == 400


# --- errors ------------------------------------------------------------------------


def test_unknown_path_and_sid_are_404_with_twilio_body(app: Emulator) -> None:
    path = f"{P}/Queues/QU{'0' * 32}.json"
    reply = call(app, "GET", path)
    assert reply.status == 404
    assert reply.body == {
        "code": 20404,
        "message": f"The requested resource {path} was not found",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }
    assert call(app, "GET", f"{P}/Nothing.json").status == 404


def test_other_account_in_path_is_404(app: Emulator) -> None:
    reply = call(app, "GET", f"/2010-04-01/Accounts/AC{'1' * 32}/Queues.json")
    assert (reply.status, reply.body["code"]) == (404, 20404)


@pytest.mark.parametrize("auth", [None, (AC, "wrong"), ("AC" + "1" * 32, "x")])
def test_bad_credentials_are_401(app: Emulator, auth: tuple[str, str] | None) -> None:
    reply = call(app, "GET", f"{P}/Queues.json", auth=auth)
    assert reply.status == 401
    assert reply.body["code"] == 20003 and reply.body["message"] == "Authenticate"
    assert SANDBOX_AUTH_TOKEN not in json.dumps(reply.body)


def test_api_key_authenticates_as_the_account() -> None:
    key = "SK" + "2" * 32
    app = Emulator(credentials={AC: SANDBOX_AUTH_TOKEN, key: "secret"})
    assert call(app, "GET", f"{P}/Queues.json", auth=(key, "secret")).status == 200
    assert call(app, "GET", f"{P}/Queues.json", auth=(key, "nope")).status == 401


def test_wrong_method_is_405(app: Emulator) -> None:
    reply = call(app, "DELETE", f"{P}/Queues.json")
    assert (reply.status, reply.body["code"]) == (405, 20004)
    assert reply.headers["Allow"] == "GET, POST"


BAD = [
    ("Queues.json", {"FriendlyName": "q", "Colour": "red"}, 20001, "Unknown parameter"),
    (
        "Queues.json",
        {"MaxSize": "10"},
        20001,
        "Missing required parameter FriendlyName",
    ),
    (
        "Queues.json",
        {"FriendlyName": "q", "MaxSize": "5001"},
        20001,
        "between 1 and 5000",
    ),
    ("Queues.json", {"FriendlyName": "q", "MaxSize": "ten"}, 20001, "integer"),
    ("Queues.json", {"FriendlyName": "x" * 65}, 20001, "at most 64"),
    ("Applications.json", {"VoiceCallerIdLookup": "yes"}, 20001, "true or false"),
    ("Applications.json", {"VoiceMethod": "PUT"}, 21403, "GET, POST"),
    ("Applications.json", {"VoiceUrl": "/relative"}, 20001, "not a valid uri"),
    ("Applications.json", {"VoiceUrl": "ftp://x.example/a"}, 20001, "not a valid uri"),
    ("IncomingPhoneNumbers.json", {"PhoneNumber": "4155550123"}, 21421, "phone-number"),
    (
        "IncomingPhoneNumbers.json",
        {"FriendlyName": "x"},
        20001,
        "PhoneNumber or AreaCode",
    ),
    (
        "IncomingPhoneNumbers.json",
        {"AreaCode": "415", "TrunkSid": "TK12"},
        20001,
        "does not match",
    ),
]


@pytest.mark.parametrize(("collection", "data", "code", "text"), BAD)
def test_invalid_v2010_params_are_400(
    app: Emulator, collection: str, data: dict, code: int, text: str
) -> None:
    reply = call(app, "POST", f"{P}/{collection}", data)
    assert reply.status == 400, reply.body
    assert reply.body["code"] == code and text in reply.body["message"]
    assert reply.body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


@pytest.mark.parametrize(
    "data",
    [
        {"FriendlyName": "s", "CodeLength": "3"},
        {"FriendlyName": "s", "CodeLength": "11"},
        {"FriendlyName": "s", "Totp.Skew": "3"},
        {"FriendlyName": "s", "Totp.TimeStep": "61"},
        {"FriendlyName": "s", "Passkeys.UserVerification": "always"},
        {"FriendlyName": "x" * 33},
        {"CodeLength": "6"},
    ],
)
def test_invalid_verify_params_are_400(app: Emulator, data: dict) -> None:
    reply = call(app, "POST", "/v2/Services", data)
    assert (reply.status, reply.body["code"]) == (400, 60200)
    assert app.records("verify_services") == []


def test_json_body_is_refused(app: Emulator) -> None:
    environ_body = json.dumps({"FriendlyName": "q"}).encode()
    reply = {}

    def start_response(status: str, headers: list) -> None:
        reply["status"] = status

    token = base64.b64encode(":".join(AUTH).encode()).decode()
    app(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": f"{P}/Queues.json",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(environ_body)),
            "wsgi.input": io.BytesIO(environ_body),
            "wsgi.url_scheme": "https",
            "HTTP_HOST": "api.twilio.com",
            "HTTP_AUTHORIZATION": f"Basic {token}",
        },
        start_response,
    )
    assert reply["status"].startswith("400")


# --- references between kinds -------------------------------------------------------


def test_voice_application_and_trunk_exclude_each_other(app: Emulator) -> None:
    ap = create(app, f"{P}/Applications.json", FriendlyName="ivr")["sid"]
    path = f"{P}/IncomingPhoneNumbers/{number(app)['sid']}.json"
    trunk = "TK" + "3" * 32
    assert call(app, "POST", path, {"TrunkSid": trunk}).body["trunk_sid"] == trunk
    body = call(app, "POST", path, {"VoiceApplicationSid": ap}).body
    assert (body["voice_application_sid"], body["trunk_sid"]) == (ap, None)
    body = call(app, "POST", path, {"TrunkSid": trunk}).body
    assert (body["voice_application_sid"], body["trunk_sid"]) == (None, trunk)
    both = call(app, "POST", path, {"TrunkSid": trunk, "VoiceApplicationSid": ap})
    assert both.status == 400


@pytest.mark.parametrize(
    ("param", "code"),
    [
        ("VoiceApplicationSid", 21218),
        ("SmsApplicationSid", 21218),
        ("AddressSid", 22109),
        ("EmergencyAddressSid", 22109),
    ],
)
def test_references_must_exist(app: Emulator, param: str, code: int) -> None:
    prefix = "AP" if "Application" in param else "AD"
    path = f"{P}/IncomingPhoneNumbers/{number(app)['sid']}.json"
    reply = call(app, "POST", path, {param: prefix + "4" * 32, "FriendlyName": "x"})
    assert (reply.status, reply.body["code"]) == (400, code)
    assert number(app)["friendly_name"] == "(415) 555-0100"  # refused update: no change


@pytest.mark.parametrize("param", ["AddressSid", "EmergencyAddressSid"])
def test_address_in_use_cannot_be_deleted(app: Emulator, param: str) -> None:
    ad = address(app)["sid"]
    number_path = f"{P}/IncomingPhoneNumbers/{number(app)['sid']}.json"
    assert call(app, "POST", number_path, {param: ad}).status == 200
    refused = call(app, "DELETE", f"{P}/Addresses/{ad}.json")
    assert refused.status == 400 and "+14155550100" in refused.body["message"]
    call(app, "POST", number_path, {param: ""})
    assert call(app, "DELETE", f"{P}/Addresses/{ad}.json").status == 204


def test_deleting_an_application_clears_numbers_using_it(app: Emulator) -> None:
    ap = create(app, f"{P}/Applications.json", FriendlyName="ivr")["sid"]
    path = f"{P}/IncomingPhoneNumbers/{number(app)['sid']}.json"
    call(app, "POST", path, {"VoiceApplicationSid": ap, "SmsApplicationSid": ap})
    assert call(app, "DELETE", f"{P}/Applications/{ap}.json").status == 204
    body = call(app, "GET", path).body
    assert (body["voice_application_sid"], body["sms_application_sid"]) == (None, None)


# --- purchase and release -----------------------------------------------------------


def test_purchase_and_release_a_number(app: Emulator) -> None:
    bought = create(
        app,
        f"{P}/IncomingPhoneNumbers.json",
        PhoneNumber="+12125550123",
        VoiceUrl=APP_URL,
    )
    assert bought["friendly_name"] == "(212) 555-0123"
    assert bought["voice_url"] == APP_URL and bought["status"] == "in-use"
    path = f"{P}/IncomingPhoneNumbers/{bought['sid']}.json"
    again = call(
        app, "POST", f"{P}/IncomingPhoneNumbers.json", {"PhoneNumber": "+12125550123"}
    )
    assert (again.status, again.body["code"]) == (400, 21422)
    assert call(app, "DELETE", path).status == 204
    assert call(app, "GET", path).status == 404
    assert create(app, f"{P}/IncomingPhoneNumbers.json", PhoneNumber="+12125550123")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"PhoneNumber": "+15005550000"}, 21422),
        ({"PhoneNumber": "+14155550100"}, 21422),
        ({"AreaCode": "533"}, 21452),
        ({"AreaCode": "41"}, 21451),
        ({"AreaCode": "415", "PhoneNumber": "+14155550199"}, 20001),
    ],
)
def test_purchase_refusals(app: Emulator, data: dict, code: int) -> None:
    reply = call(app, "POST", f"{P}/IncomingPhoneNumbers.json", data)
    assert (reply.status, reply.body["code"]) == (400, code)
    assert len(app.records("phone_numbers")) == len(SEED_NUMBERS)


def test_area_code_picks_a_free_number_in_that_area(app: Emulator) -> None:
    first = create(app, f"{P}/IncomingPhoneNumbers.json", AreaCode="415")
    second = create(app, f"{P}/IncomingPhoneNumbers.json", AreaCode="415")
    assert first["phone_number"].startswith("+1415")
    assert second["phone_number"].startswith("+1415")
    owned = [n["phone_number"] for n in app.records("phone_numbers")]
    assert len(owned) == len(set(owned))
    toll_free = create(app, f"{P}/IncomingPhoneNumbers.json", AreaCode="888")
    assert toll_free["type"] == "tollfree"


# --- state, faults, direct access -----------------------------------------------------


def test_state_persists_across_instances(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = Emulator(state_path=state)
    sid = create(first, f"{P}/Queues.json", FriendlyName="kept")["sid"]
    first.save()
    second = Emulator(state_path=state)
    assert call(second, "GET", f"{P}/Queues/{sid}.json").body["friendly_name"] == "kept"
    other = create(second, f"{P}/Queues.json", FriendlyName="next")["sid"]
    assert other != sid
    assert not list(tmp_path.glob(".*.tmp"))


def test_fresh_emulators_hand_out_the_same_sids() -> None:
    one, two = Emulator(), Emulator()
    assert [n["sid"] for n in one.records("phone_numbers")] == [
        n["sid"] for n in two.records("phone_numbers")
    ]


def test_fault_skips_then_fires_then_clears(app: Emulator) -> None:
    app.add_fault(
        "post", r"/Queues\.json$", 503, 20503, "Service unavailable", times=2, after=1
    )
    path = f"{P}/Queues.json"
    statuses = [
        call(app, "POST", path, {"FriendlyName": f"q{i}"}).status for i in range(4)
    ]
    assert statuses == [201, 503, 503, 201]
    assert call(app, "GET", path).status == 200  # GET does not match a POST fault
    assert len(app.records("queues")) == 2


def test_fault_body_and_persistence(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = Emulator(state_path=state)
    first.add_fault("GET", "/Applications", 429, 20429, "Too many requests")
    first.save()
    reply = call(Emulator(state_path=state), "GET", f"{P}/Applications.json")
    assert reply.status == 429
    assert reply.body == {
        "code": 20429,
        "message": "Too many requests",
        "more_info": "https://www.twilio.com/docs/errors/20429",
        "status": 429,
    }


def _control(app: Emulator, body: bytes, auth: tuple[str, str] | None = AUTH) -> str:
    """POST /_emulator/faults as JSON; the status line of the answer."""
    seen = {}

    def start_response(line: str, headers: list) -> None:
        seen["line"] = line

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/_emulator/faults",
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "localhost",
    }
    if auth:
        token = base64.b64encode(":".join(auth).encode()).decode()
        environ["HTTP_AUTHORIZATION"] = f"Basic {token}"
    app(environ, start_response)
    return seen["line"]


def test_control_routes_take_the_main_accounts_credentials_and_json() -> None:
    key = ("SK" + "0" * 32, "key-secret")
    app = Emulator(credentials={AC: SANDBOX_AUTH_TOKEN, key[0]: key[1]})
    fault = {
        "method": "GET",
        "path_regex": "Queues",
        "status": 500,
        "code": 20500,
        "message": "boom",
    }
    body = json.dumps(fault).encode()
    # An API key acts for the account on its API, but does not steer the sandbox.
    for auth in (None, key, (AC, "wrong")):
        assert _control(app, body, auth).startswith("401")
    assert call(app, "GET", "/_emulator/state", auth=key).status == 401
    assert call(app, "GET", f"{P}/Queues.json").status == 200
    assert _control(app, body).startswith("201")
    assert call(app, "GET", f"{P}/Queues.json").status == 500
    state = call(app, "GET", "/_emulator/state")
    assert state.status == 200 and state.body["account_sid"] == AC
    # A form body is what any web page may send cross-origin: refused.
    assert call(app, "POST", "/_emulator/faults", {"method": "GET"}).status == 415
    assert _control(app, b"{not json").startswith("400")


def test_insert_records_remove_and_request_log(app: Emulator) -> None:
    queue = app.insert("queues", friendly_name="direct")
    assert queue["max_size"] == 1000 and queue["sid"].startswith("QU")
    assert app.insert("phone_numbers", phone_number="+13105550100")["type"] == "local"
    with pytest.raises(ValueError, match="colour"):
        app.insert("queues", colour="red")
    call(app, "GET", f"{P}/Queues.json")
    assert app.request_log == [("GET", f"{P}/Queues.json")]
    app.remove("queues", queue["sid"])
    assert app.records("queues") == []


def test_seed_phone_numbers_in_bulk(app: Emulator) -> None:
    app.seed_phone_numbers(10_000)
    numbers = app.records("phone_numbers")
    assert len(numbers) == 10_000 + len(SEED_NUMBERS)
    assert numbers[-1]["phone_number"] == "+14155569999"
    page = call(app, "GET", f"{P}/IncomingPhoneNumbers.json", {"PageSize": "1000"}).body
    assert len(page["incoming_phone_numbers"]) == 1000


def test_concurrent_requests_are_serialised(app: Emulator) -> None:
    def work(i: int) -> None:
        call(app, "POST", f"{P}/Queues.json", {"FriendlyName": f"q{i}"})

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sids = [q["sid"] for q in app.records("queues")]
    assert len(sids) == len(set(sids)) == 20


# --- a corrupt or unwritable state file, a busy port ---------------------------------


def legacy_state() -> dict[str, Any]:
    """What a fresh sandbox's JSON state file of version 2 held."""
    state = Emulator().state()
    state["version"] = 2
    return state


def _corrupt(state: dict) -> None:
    state["collections"]["queues"] = []


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (_corrupt, "collections.queues should be an object, not a list"),
        (lambda s: s.update(counter="x"), "counter should be a whole number"),
        (lambda s: s.update(counter=True), "counter should be a whole number"),
        (lambda s: s.update(collections=[]), "collections should be an object"),
        (lambda s: s.update(faults={}), "faults should be a list, not an object"),
        (lambda s: s.pop("account_sid"), "account_sid is missing"),
        (lambda s: s.update(history_anchor="soon"), "not a YYYY-MM-DD date"),
        (
            lambda s: s["faults"].append(
                {"method": "GET", "status": 500, "code": 1, "message": "m"}
                | {"times": 1, "after": 0}
            ),
            r"faults\[0\]\.path_regex is missing",
        ),
        (
            lambda s: s["faults"].append(
                {"method": "GET", "path_regex": "(", "status": 500, "code": 1}
                | {"message": "m", "times": 1, "after": 0}
            ),
            r"faults\[0\]\.path_regex '\('",
        ),
        (
            lambda s: s["collections"]["queues"].update(QU1={"sid": "QU2"}),
            "collections.queues.QU1 has another sid",
        ),
        (
            lambda s: s.update(verification_checks={"VE1": "x"}),
            "verification_checks.VE1 should be a whole number",
        ),
    ],
)
def test_a_corrupt_state_file_is_a_config_error(
    tmp_path: Path, damage: Any, reason: str
) -> None:
    path = tmp_path / "state.json"
    state = legacy_state()
    state["collections"].setdefault("queues", {})
    damage(state)
    path.write_text(json.dumps(state))
    pattern = rf"state file {path} is corrupt \(.*{reason}.*\); delete it to start"
    with pytest.raises(ConfigError, match=pattern):
        Emulator(state_path=path)
    assert json.loads(path.read_text()) == state  # left as it was


def test_a_corrupt_state_file_is_one_line_from_the_cli(run, state_path: Path) -> None:
    state = legacy_state()
    state["collections"]["queues"] = []
    state_path.write_text(json.dumps(state))
    result = run("status", "SM" + "0" * 32)
    assert result.exit_code == 1
    assert "is corrupt (collections.queues should be an object" in result.stderr
    assert "Unexpected error" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_fault_is_checked_when_added(app: Emulator) -> None:
    # A ValueError, which the control route answers with a 400.
    with pytest.raises(ValueError, match="path_regex '\\('"):
        app.add_fault("GET", "(", 500, 20500, "boom")
    with pytest.raises(ValueError, match="times should be a whole number"):
        app.add_fault("GET", "Queues", 500, 20500, "boom", times="2")  # type: ignore[arg-type]
    assert app.store.state["faults"] == []


def test_an_unwritable_state_path_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    path = blocker / "state.json"  # its folder is a file: mkdir fails
    with pytest.raises(ConfigError) as caught:
        Emulator(state_path=path)
    message = str(caught.value)
    assert f"cannot be saved to {path}" in message
    assert "TWILIO_IAC_SANDBOX_STATE" in message


def test_an_unwritable_state_path_from_the_cli(run, tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("TWILIO_IAC_SANDBOX_STATE", str(blocker / "state.json"))
    sms = ("send", "sms", "--to", "+14155551234", "--from", "+14155550100")
    result = run(*sms, "--body", "Hi", "--yes")
    assert result.exit_code == 1
    assert "cannot be saved to" in result.stderr
    assert "TWILIO_IAC_SANDBOX_STATE" in result.stderr
    assert "Unexpected error" not in result.stderr


@pytest.fixture
def busy_port() -> Any:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        yield blocker.getsockname()[1]


def test_serve_on_a_port_in_use_is_a_config_error(tmp_path: Path, busy_port) -> None:
    with pytest.raises(ConfigError) as caught:
        serve(port=busy_port, state_path=tmp_path / "state.json")
    assert str(caught.value) == (
        f"port {busy_port} on 127.0.0.1 is in use; pass another --port"
    )


def test_emulator_serve_on_a_busy_port_from_the_cli(state_path, busy_port) -> None:
    result = CliRunner().invoke(cli, ["emulator", "serve", "--port", str(busy_port)])
    assert result.exit_code == 1
    assert f"port {busy_port} on 127.0.0.1 is in use; pass another --port" in (
        result.stderr
    )


# --- the sandbox credentials come from the emulator --------------------------------


def test_the_sandbox_session_uses_the_emulator_constants(tmp_path) -> None:
    from twilio_iac.cli.session import session

    env = {"TWILIO_IAC_SANDBOX_STATE": str(tmp_path / "s.json")}
    with session(True, env=env) as client:
        auth = client.settings.auth
    assert (auth.username, auth.secret) == (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    assert client.settings.sandbox is True
