"""`twilio-iac webhook sign|check` through the CLI (offline: nothing is sent)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from twilio_iac.cli import cli
from twilio_iac.emulator import SANDBOX_AUTH_TOKEN

URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = (
    "--param", "CallSid=CA1234567890ABCDE",
    "--param", "Caller=+14158675309",
    "--param", "Digits=1234",
    "--param", "From=+14158675309",
    "--param", "To=+18005551212",
)  # fmt: skip
EXPECTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_sign_prints_twilios_signature(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "12345")
    result = invoke("webhook", "sign", URL, *PARAMS)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"X-Twilio-Signature: {EXPECTED}\n"
    assert "12345" not in result.output


def test_check_valid_exits_0_and_names_the_variant(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "12345")
    result = invoke(
        "webhook", "check", URL.replace(".com", ".com:8443"), "--signature",
        EXPECTED, *PARAMS,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Valid: the signature matches the URL without its port :8443" in (
        result.stdout
    )


def test_check_mismatch_exits_1_with_the_causes(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "12345")
    result = invoke(
        "webhook", "check", URL, "--signature", EXPECTED, *PARAMS, "--param", "X=1"
    )
    assert result.exit_code == 1
    assert "does not match" in result.stderr
    assert "A parameter differs" in result.stderr
    assert "auth token" in result.stderr
    assert "12345" not in result.output


def test_check_names_https_behind_a_proxy(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "12345")
    http = URL.replace("https", "http")
    result = invoke("webhook", "check", http, "--signature", EXPECTED, *PARAMS)
    assert result.exit_code == 1
    assert "https:// instead of http://" in result.stderr


def test_json_body_round_trip_with_another_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("MY_TOKEN", "s3cret-token")
    body = tmp_path / "event.json"
    body.write_bytes(b'{"CallSid": "CA1", "n": 1}')
    signed = invoke(
        "webhook", "sign", "https://example.com/hook", "--body", str(body),
        "--auth-token-env", "MY_TOKEN", "--output", "json",
    )  # fmt: skip
    assert signed.exit_code == 0, signed.output
    data = json.loads(signed.stdout)
    assert "bodySHA256=" in data["url"]
    assert "s3cret-token" not in signed.output
    checked = invoke(
        "webhook", "check", data["url"], "--signature", data["signature"],
        "--body", str(body), "--auth-token-env", "MY_TOKEN", "--output", "json",
    )  # fmt: skip
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["valid"] is True
    body.write_bytes(b'{"CallSid": "CA1", "n": 2}')
    changed = invoke(
        "webhook", "check", data["url"], "--signature", data["signature"],
        "--body", str(body), "--auth-token-env", "MY_TOKEN",
    )  # fmt: skip
    assert changed.exit_code == 1
    assert "body was changed" in changed.stderr


def test_sandbox_uses_the_sandbox_token():
    result = invoke("--sandbox", "webhook", "sign", "http://127.0.0.1/x")
    assert result.exit_code == 0, result.output
    assert SANDBOX_AUTH_TOKEN not in result.output


def test_an_api_key_cannot_sign(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("TWILIO_API_KEY", "SK" + "0" * 32)
    monkeypatch.setenv("TWILIO_API_SECRET", "not-a-token")
    result = invoke("webhook", "sign", URL)
    assert result.exit_code == 1
    assert "secret cannot sign" in result.stderr
    assert "not-a-token" not in result.output


def test_param_and_body_are_exclusive(tmp_path):
    body = tmp_path / "b.json"
    body.write_text("{}")
    result = invoke(
        "--sandbox", "webhook", "sign", URL, "--param", "A=1", "--body", str(body)
    )
    assert result.exit_code == 1
    assert "not both" in result.output


def test_a_captured_form_body_from_stdin(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "12345")
    raw = (
        "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234"
        "&From=%2B14158675309&To=%2B18005551212\n"
    )
    result = CliRunner().invoke(
        cli,
        ["--debug", "webhook", "check", URL, "--signature", EXPECTED, "--form", "-"],
        input=raw,
    )
    assert result.exit_code == 0, result.output
    assert "Valid" in result.stdout
    assert "12345" not in result.output


def test_check_json_mismatch_exits_1(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "12345")
    result = invoke(
        "webhook", "check", URL, "--signature", "A" * 27 + "=", "--output", "json"
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False and data["variant"] is None
    assert len(data["causes"]) == 3


def test_a_form_typed_at_a_terminal_says_how_to_end_it(monkeypatch):
    from twilio_iac.cli import context

    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "12345")
    monkeypatch.setattr(context, "stdin_is_terminal", lambda: True)
    result = invoke("webhook", "check", URL, "--signature", EXPECTED, "--form", "-")
    assert (
        "Reading the POST body from standard input; end with Ctrl-D." in result.stderr
    )


def test_a_form_body_that_is_not_utf8_is_refused_clearly(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "12345")
    result = CliRunner().invoke(
        cli, ["webhook", "sign", URL, "--form", "-"], input=b"Body=caf\xe9"
    )
    assert result.exit_code == 1
    assert "This is a bug" not in result.output and "Traceback" not in result.output
    assert "--form" in result.stderr and "not UTF-8" in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "javascript:alert(1)",
        "https://example.com:99999/sms",
        "https://example.com:0/sms",
        "ftp://example.com/sms",
        "https:///sms",
    ],
)
@pytest.mark.parametrize("verb", ["sign", "check"])
def test_a_url_twilio_cannot_call_is_refused(monkeypatch, url, verb):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "12345")
    extra = ["--signature", EXPECTED] if verb == "check" else []
    result = invoke("webhook", verb, url, *extra, *PARAMS)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "This is a bug" not in result.output
    assert "http:// or https://" in result.stderr and repr(url) in result.stderr


@pytest.mark.parametrize("given", ["", "not base64!", "QUJD", EXPECTED[:-2]])
def test_a_malformed_signature_is_named_not_the_token(monkeypatch, given):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "12345")
    result = invoke("webhook", "check", URL, "--signature", given, *PARAMS)
    assert result.exit_code == 1
    assert "signature is malformed" in result.stderr
    assert "auth token" not in result.stderr
    as_json = invoke(
        "webhook", "check", URL, "--signature", given, *PARAMS, "--output", "json"
    )
    assert as_json.exit_code == 1
    (cause,) = json.loads(as_json.stdout)["causes"]
    assert "malformed" in cause
