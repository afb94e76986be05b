"""Studio flows through `emulator serve` over HTTP: validate, plan, apply,
export and the round trip; and under a subaccount, where everything must land
in the subaccount and nothing in the parent (Studio has no account in its
paths, so only the credentials say which account a request is for)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from twilio_iac.apis import APIS
from twilio_iac.cli import cli
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Emulator
from twilio_iac.emulator.server import _bind

EXAMPLE = Path(__file__).parents[2] / "examples" / "contact-centre"
PARENT = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
NUMBER, SUB_NUMBER = "+14155550100", "+14155550177"


@pytest.fixture
def base() -> Iterator[str]:
    server = _bind("127.0.0.1", 0, Emulator())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _flows(base: str, auth: tuple[str, str]) -> list[str]:
    answer = httpx.get(f"{base}/v2/Flows", auth=auth)
    answer.raise_for_status()
    return sorted(f["friendly_name"] for f in answer.json()["flows"])


def test_flows_land_in_the_subaccount_only(
    base: str, monkeypatch, tmp_path: Path
) -> None:
    # The example, for a number the subaccount buys (the parent owns +1…0100).
    example = tmp_path / "contact-centre"
    shutil.copytree(EXAMPLE, example)
    manifest = example / "studio.yaml"
    manifest.write_text(manifest.read_text().replace(NUMBER, SUB_NUMBER))
    sub = httpx.post(
        f"{base}/2010-04-01/Accounts.json", data={"FriendlyName": "cc"}, auth=PARENT
    ).json()
    for api in APIS.values():  # every host, so nothing leaves the sandbox
        monkeypatch.setenv(api.base_url_var, base)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", SANDBOX_ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", SANDBOX_AUTH_TOKEN)
    number = httpx.post(
        f"{base}/2010-04-01/Accounts/{sub['sid']}/IncomingPhoneNumbers.json",
        data={"PhoneNumber": SUB_NUMBER},
        auth=PARENT,
    )
    assert number.status_code == 201, number.text
    args = ["--account-sid", sub["sid"], "apply", str(example), "--auto-approve"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert _flows(base, PARENT) == []
    assert _flows(base, (sub["sid"], sub["auth_token"])) == ["After hours", "Main IVR"]
    again = CliRunner().invoke(cli, ["--account-sid", sub["sid"], "plan", str(example)])
    assert "No changes" in again.stdout, again.output


def test_validate_plan_apply_export_round_trip_through_serve(
    base: str, monkeypatch, tmp_path: Path
) -> None:
    for api in APIS.values():  # every host, so nothing leaves the sandbox
        monkeypatch.setenv(api.base_url_var, base)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", SANDBOX_ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", SANDBOX_AUTH_TOKEN)

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == 0, result.output
        return result.stdout

    run("validate", str(EXAMPLE))
    assert "3 to create" in run("plan", str(EXAMPLE))  # two flows, a workspace
    run("apply", str(EXAMPLE), "--auto-approve")
    assert "No changes" in run("plan", str(EXAMPLE))
    assert _flows(base, PARENT) == ["After hours", "Main IVR"]
    out = tmp_path / "exported"
    run("export", "--out", str(out), "--kinds", "studio_flows,phone_numbers")
    assert "No changes" in run("plan", str(out))
