"""Through `emulator serve`: Verify's resend, lockouts, ended verifications
and channel validation behave as on Twilio."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.served import Served, serving
from tests.e2e.test_sends import VERIFY

TO = "+14155551234"


@pytest.fixture
def served() -> Iterator[Served]:
    with serving() as served:
        yield served


@pytest.fixture
def service(served) -> str:
    return served.post("/v2/Services", FriendlyName="Login").json()["sid"]


def _send(served: Served, service: str, channel: str = "sms", to: str = TO):
    return served.post(f"/v2/Services/{service}/Verifications", To=to, Channel=channel)


def _check(served: Served, service: str, code: str):
    return served.post(f"/v2/Services/{service}/VerificationCheck", To=TO, Code=code)


def test_a_resend_reuses_the_pending_verification(served, service) -> None:
    first = _send(served, service).json()
    again = _send(served, service, "call").json()
    assert again["sid"] == first["sid"]
    assert [a["channel"] for a in again["send_code_attempts"]] == ["sms", "call"]
    assert again["channel"] == "call"
    other = _send(served, service, to="+14155559876").json()
    assert other["sid"] != first["sid"]


def test_a_sixth_send_in_ten_minutes_is_60203(served, service) -> None:
    for _ in range(5):
        assert _send(served, service).status_code == 201
    refused = _send(served, service)
    assert refused.status_code == 429
    assert refused.json()["code"] == 60203
    assert _send(served, service, to="+14155559876").status_code == 201


def test_a_check_after_five_wrong_codes_is_60202(served, service) -> None:
    sid = _send(served, service).json()["sid"]
    for _ in range(5):
        wrong = _check(served, service, "000000")
        assert wrong.status_code == 201 and wrong.json()["status"] == "pending"
    locked = _check(served, service, "123456")
    assert locked.status_code == 429 and locked.json()["code"] == 60202
    gone = served.get(f"/v2/Services/{service}/Verifications/{sid}")
    assert gone.status_code == 404 and gone.json()["code"] == 20404
    assert _send(served, service).json()["sid"] != sid  # a fresh one


def test_an_approved_or_canceled_verification_is_gone(served, service) -> None:
    sid = _send(served, service).json()["sid"]
    assert _check(served, service, "123456").json()["status"] == "approved"
    path = f"/v2/Services/{service}/Verifications/{sid}"
    gone = served.get(path)
    assert (gone.status_code, gone.json()["code"]) == (404, 20404)
    assert gone.json()["message"] == f"The requested resource {path} was not found"
    second = _send(served, service).json()["sid"]
    assert second != sid
    path = f"/v2/Services/{service}/Verifications/{second}"
    assert served.post(path, Status="canceled").json()["status"] == "canceled"
    assert served.get(path).status_code == 404


def test_an_unknown_channel_is_refused(served, service) -> None:
    refused = _send(served, service, "pigeon")
    assert refused.status_code == 400 and refused.json()["code"] == 60200
    assert "pigeon" in refused.json()["message"]


def test_the_sdk_sees_the_resend_and_the_lockout(served, service) -> None:
    pytest.importorskip("twilio.rest")
    exceptions = pytest.importorskip("twilio.base.exceptions")
    verify = served.sdk().verify.v2.services(service)
    first = verify.verifications.create(to=TO, channel="sms")
    assert verify.verifications.create(to=TO, channel="sms").sid == first.sid
    for _ in range(5):
        assert verify.verification_checks.create(to=TO, code="1").status == "pending"
    with pytest.raises(exceptions.TwilioRestException) as locked:
        verify.verification_checks.create(to=TO, code="123456")
    assert (locked.value.status, locked.value.code) == (429, 60202)


def test_the_cli_does_not_retry_a_lockout(run, write, requests) -> None:
    path = write("verify.yaml", VERIFY)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    flags = ("--service", "Example Login", "--to", TO, "-f", str(path), "--yes")
    assert run("verify", "start", *flags).exit_code == 0
    for _ in range(5):
        assert run("verify", "check", *flags, "--code", "000000").exit_code == 1
    checks = len([p for _, p in requests() if p.endswith("/VerificationCheck")])
    locked = run("verify", "check", *flags, "--code", "123456")
    assert locked.exit_code == 1 and "60202" in locked.output
    after = len([p for _, p in requests() if p.endswith("/VerificationCheck")])
    assert after == checks + 1  # a lockout is answered, not retried as a 429
