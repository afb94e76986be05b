"""Through `emulator serve`: a path the sandbox does not emulate says so in
Twilio's 404 body, a missing record keeps Twilio's own message, and every link
the sandbox itself hands out is either served or honestly not emulated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.served import P, Served, serving

SID = "0" * 32
NOT_EMULATED = [
    ("GET", f"{P}/Conferences.json"),
    ("GET", f"{P}/Notifications.json"),
    ("GET", f"{P}/OutgoingCallerIds.json"),
    ("GET", f"{P}/SIP/Domains.json"),
    ("POST", f"{P}/SIP/Domains.json"),
    ("GET", f"{P}/ShortCodes.json"),
    ("GET", f"{P}/Transcriptions.json"),
    ("GET", f"{P}/Calls/CA{SID}/Notifications.json"),
    ("GET", f"{P}/Messages/SM{SID}/Feedback.json"),
    ("GET", "/v1/Services/MG" + SID + "/Compliance"),
    ("GET", "/v2/Services/VA" + SID + "/Entities"),
    ("GET", "/v1/Sinks"),
    ("GET", "/"),
    ("DELETE", "/nothing/here"),
]
MISSING = [
    f"{P}/Queues/QU{SID}.json",
    f"{P}/IncomingPhoneNumbers/PN{SID}.json",
    f"{P}/Messages/SM{SID}.json",
    "/v2/Services/VA" + SID,
    "/v1/Services/MG" + SID,
]


@pytest.fixture
def served() -> Iterator[Served]:
    with serving() as served:
        yield served


@pytest.mark.parametrize(("method", "path"), NOT_EMULATED)
def test_an_unserved_path_says_it_is_not_emulated(served, method, path) -> None:
    reply = served.http.request(method, path)
    assert reply.status_code == 404
    body = reply.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert (body["code"], body["status"]) == (20404, 404)
    assert body["message"] == (
        f"The sandbox does not emulate {method} {path}; "
        'see docs/sandbox.md, "What the sandbox emulates"'
    )


@pytest.mark.parametrize("path", MISSING)
def test_a_missing_record_keeps_twilios_message(served, path) -> None:
    reply = served.get(path)
    assert reply.status_code == 404
    assert reply.json()["message"] == f"The requested resource {path} was not found"


def _links(body: Any) -> Iterator[str]:
    """Every subresource_uris / links value anywhere in an answer."""
    if isinstance(body, list):
        for item in body:
            yield from _links(item)
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        if key in ("subresource_uris", "links") and isinstance(value, dict):
            yield from (link for link in value.values() if isinstance(link, str))
        else:
            yield from _links(value)


def _made(served: Served) -> list[Any]:
    """One of each record whose answer carries links."""
    post, get = served.post, served.get
    sub = post("/2010-04-01/Accounts.json", FriendlyName="child").json()
    call = post(
        f"{P}/Calls.json", To="+14155551234", From="+14155550100",
        Url="https://example.com/twiml", Record="true",
    ).json()  # fmt: skip
    for _ in range(3):
        get(f"{P}/Calls/{call['sid']}.json")
    bodies = [
        get(f"{P}.json").json(),
        sub,
        post(
            f"{P}/Messages.json", To="+14155551234", From="+14155550100", Body="hi"
        ).json(),  # fmt: skip
        call,
        get(f"{P}/Recordings.json").json(),
        get(f"{P}/Usage/Records.json", Category="sms-outbound").json(),
        post("/v2/Services", FriendlyName="Login").json(),
        post("/v1/Services", FriendlyName="Alerts").json(),
        post("/v1/Trunks", FriendlyName="PBX").json(),
    ]
    return bodies


def test_every_link_the_sandbox_lists_is_served_or_not_emulated(served) -> None:
    links = sorted(set(_links(_made(served))))
    assert len(links) >= 20
    for link in links:
        path = link.removeprefix(served.base)
        assert "://" not in path, f"{link} names another host than the served one"
        reply = served.get(path)
        if reply.status_code == 404:
            assert "The sandbox does not emulate GET" in reply.json()["message"], link
        elif reply.status_code == 405:  # a link to an action (VerificationCheck)
            assert reply.headers["Allow"] == "POST", link
        else:
            assert reply.status_code == 200, (link, reply.text)
