"""The gateway's failures in its own terms (status, message, next step; no
Twilio error code or docs link), the in-use legend only beside a starred
row, and absolute connect URLs for every connection."""

from __future__ import annotations

import json

import pytest

from twilio_iac.cli.gateway import gateway_error
from twilio_iac.errors import ApiError

CONNECTIONS = ("gateway", "connections")


def test_an_unknown_connection_is_the_gateways_404_not_twilios(run):
    result = run(*CONNECTIONS, "show", "nope")
    assert result.exit_code == 1
    assert "No connection nope at the gateway: it answered HTTP 404" in result.stderr
    assert "connections list` shows" in result.stderr
    assert "Twilio" not in result.stderr and "twilio.com/docs" not in result.stderr


@pytest.mark.parametrize(
    ("status", "next_step"),
    [
        (401, "--sandbox uses no MATON_API_KEY"),
        (403, "--sandbox uses no MATON_API_KEY"),
        (500, "The gateway failed, not the request"),
        (400, "Check the command's options"),
    ],
)
def test_other_gateway_errors_name_the_status_message_and_next_step(
    run, sandbox, status, next_step
):
    emulator = sandbox()
    # Retry-After: 0 keeps the client's retries of a 500 from sleeping.
    emulator.add_fault(
        "GET", r"^/connections$", status, 20001, "gateway says no", times=9,
        headers={"Retry-After": "0"},
    )  # fmt: skip
    emulator.save()
    result = run(*CONNECTIONS, "list")
    assert result.exit_code == 1
    url = "http://sandbox.invalid/connections"
    wanted = (
        f"The sandbox's gateway answered GET {url} with HTTP {status}: gateway says no."
    )
    assert wanted in result.stderr
    assert next_step in result.stderr
    assert (
        "Twilio error" not in result.stderr and "twilio.com/docs" not in result.stderr
    )


@pytest.mark.parametrize(
    ("status", "next_step"),
    [(401, "Check MATON_API_KEY"), (403, "may not manage connections")],
)
def test_the_real_gateways_refusals_send_to_its_settings(status, next_step) -> None:
    error = ApiError("GET", "https://ctrl.maton.ai/connections", status, None, "no")
    text = str(gateway_error(error))
    assert text.startswith("The gateway answered") and next_step in text
    assert "maton.ai/settings" in text and "sandbox" not in text


def test_a_failed_delete_is_reported_in_the_gateways_terms(run, sandbox):
    (only,) = json.loads(run(*CONNECTIONS, "list", "--output", "json").stdout)
    emulator = sandbox()
    emulator.add_fault("DELETE", r"^/connections/", 400, 20001, "in use", 1)
    emulator.save()
    result = run(*CONNECTIONS, "delete", only["connection_id"], "--yes")
    assert result.exit_code == 1
    assert "with HTTP 400: in use." in result.stdout
    assert "twilio.com/docs" not in result.output


def test_legend_only_when_a_row_is_starred(run, monkeypatch):
    monkeypatch.setenv("MATON_CONNECTION", "zzz")
    for flags in ((), ("--status", "ACTIVE")):
        result = run(*CONNECTIONS, "list", *flags)
        assert result.exit_code == 0, result.output
        assert "*" not in result.stdout and "in use" not in result.stdout
        assert "MATON_CONNECTION is zzz, which matches no" in result.stderr


def test_every_connect_url_is_absolute(run):
    assert run(*CONNECTIONS, "create", "--yes").exit_code == 0
    listed = json.loads(run(*CONNECTIONS, "list", "--output", "json").stdout)
    assert len(listed) == 2
    for record in listed:
        assert record["url"].startswith("http://sandbox.invalid/connect?session_token=")
