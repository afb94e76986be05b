"""`twilio-iac gateway connections ...` against the sandbox's gateway, and
against a served emulator with a bearer key (the real client path)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from click.testing import CliRunner

from twilio_iac.api.settings import gateway_settings
from twilio_iac.cli import cli, context
from twilio_iac.emulator import Emulator
from twilio_iac.errors import ConfigError

CONNECTIONS = ("gateway", "connections")


def ids(run) -> list[str]:
    result = run(*CONNECTIONS, "list", "--output", "json")
    assert result.exit_code == 0, result.output
    return [row["connection_id"] for row in json.loads(result.stdout)]


def test_a_fresh_sandbox_has_one_active_connection_in_use(run):
    result = run(*CONNECTIONS, "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["CONNECTION", "STATUS", "CREATED", "UPDATED"]
    assert lines[1].startswith("*") and "ACTIVE" in lines[1]
    assert "the gateway's default" in lines[-1]


def test_create_prints_the_url_and_the_connection_activates(run):
    created = run(*CONNECTIONS, "create", "--yes")
    assert created.exit_code == 0, created.output
    assert "(PENDING)" in created.stdout
    assert "Open this URL in a browser" in created.stdout
    assert "/connect?session_token=" in created.stdout
    new = created.stdout.split("Created connection ")[1].split()[0]
    shown = run(*CONNECTIONS, "show", new, "--output", "json")
    assert json.loads(shown.stdout)["status"] == "ACTIVE"
    assert ids(run)[-1] == new


def test_list_filters_and_csv(run, monkeypatch):
    run(*CONNECTIONS, "create", "--yes")
    first, second = ids(run)
    monkeypatch.setenv("MATON_CONNECTION", second)
    result = run(*CONNECTIONS, "list", "--output", "csv")
    head, one, two = result.stdout.splitlines()
    assert head == "connection_id,status,creation_time,last_updated_time,in_use"
    assert one.startswith(f"{first},ACTIVE,") and one.endswith(",false")
    assert two.startswith(f"{second},ACTIVE,") and two.endswith(",true")
    pending = run(*CONNECTIONS, "list", "--status", "PENDING", "--output", "json")
    assert json.loads(pending.stdout) == []


def test_an_unknown_maton_connection_is_warned_about(run, monkeypatch):
    monkeypatch.setenv("MATON_CONNECTION", "nope")
    result = run(*CONNECTIONS, "list")
    assert result.exit_code == 0
    assert "MATON_CONNECTION is nope" in result.stderr


def test_delete_asks_first_and_refuses_without_a_terminal(run):
    (only,) = ids(run)
    result = run(*CONNECTIONS, "delete", only)
    assert result.exit_code == 1
    assert "Refusing to delete without confirmation" in result.stderr
    assert ids(run) == [only]


def test_delete_dry_run_deletes_nothing(run):
    (only,) = ids(run)
    result = run(*CONNECTIONS, "delete", only, "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"DELETE http://sandbox.invalid/connections/{only}" in result.stdout
    assert ids(run) == [only]


def test_delete_on_a_terminal_needs_yes_typed(run, monkeypatch):
    monkeypatch.setattr(context, "stdin_is_terminal", lambda: True)
    (only,) = ids(run)
    cancelled = run(*CONNECTIONS, "delete", only, input="no\n")
    assert cancelled.exit_code == 1
    assert ids(run) == [only]
    done = run(*CONNECTIONS, "delete", only, input="yes\n")
    assert done.exit_code == 0, done.output
    assert f"✓ deleted {only}" in done.stdout
    assert ids(run) == []


def test_delete_with_yes_names_the_connection_in_use(run, monkeypatch):
    (only,) = ids(run)
    monkeypatch.setenv("MATON_CONNECTION", only)
    result = run(*CONNECTIONS, "delete", only, "--yes")
    assert result.exit_code == 0, result.output
    assert "this is MATON_CONNECTION" in result.stdout
    assert "1 deleted, 0 failed." in result.stdout


def test_show_unknown_is_an_error(run):
    result = run(*CONNECTIONS, "show", "missing")
    assert result.exit_code == 1
    assert "No connection missing at the gateway: it answered HTTP 404" in (
        result.stderr
    )
    assert "connections list` shows" in result.stderr
    assert "GET http" not in result.stderr


def test_create_asks_first_and_refuses_without_a_terminal(run, monkeypatch):
    before = ids(run)
    refused = run(*CONNECTIONS, "create")
    assert refused.exit_code == 1
    assert "without confirmation" in refused.stderr and "--yes" in refused.stderr
    assert "Request: POST" in refused.stdout
    assert ids(run) == before
    monkeypatch.setattr(context, "stdin_is_terminal", lambda: True)
    assert run(*CONNECTIONS, "create", input="no\n").exit_code == 1
    assert ids(run) == before
    confirmed = run(*CONNECTIONS, "create", input="yes\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert len(ids(run)) == len(before) + 1


def test_the_key_is_required_even_with_twilio_credentials():
    env = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "x" * 32}
    with pytest.raises(ConfigError, match="MATON_API_KEY is not set"):
        gateway_settings(env)
    settings = gateway_settings({**env, "MATON_API_KEY": "k"})
    assert settings.base_urls == {"gateway": "https://ctrl.maton.ai"}
    assert settings.auth.authorization() == "Bearer k"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path) -> Iterator[str]:
    server = make_server(
        "127.0.0.1", 0, Emulator(tmp_path / "served.json"), handler_class=_Quiet
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_with_a_bearer_key_against_a_served_gateway(served, monkeypatch):
    key = "maton-key-never-printed"
    monkeypatch.setenv("MATON_API_KEY", key)
    monkeypatch.setenv("MATON_CTRL_BASE_URL", served)
    created = CliRunner().invoke(cli, ["--debug", *CONNECTIONS, "create", "--yes"])
    assert created.exit_code == 0, created.output
    assert f"{served}/connect?session_token=" in created.stdout
    listed = CliRunner().invoke(cli, ["--debug", *CONNECTIONS, "list"])
    assert listed.exit_code == 0, listed.output
    assert len(listed.stdout.splitlines()) == 4  # head, two rows, legend
    assert key not in created.output + listed.output


def test_a_missing_key_is_refused(served, monkeypatch):
    monkeypatch.setenv("MATON_CTRL_BASE_URL", served)
    result = CliRunner().invoke(cli, [*CONNECTIONS, "list"])
    assert result.exit_code == 1
    assert "MATON_API_KEY is not set" in result.stderr


def test_the_sandbox_gateway_works_on_a_state_made_by_serve_with_credentials(
    run, state_path
):
    """`emulator serve` with TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN set makes the
    state that account's; --sandbox then works on it, gateway included."""
    from tests.e2e.served import serving

    own = ("AC" + "0123456789abcdef" * 2, "f" * 32)
    served = Emulator(state_path=state_path, credentials=dict([own]))
    with serving(served) as server:
        answered = server.http.get(
            f"/2010-04-01/Accounts/{own[0]}/IncomingPhoneNumbers.json", auth=own
        )
        assert answered.status_code == 200
    served.close()
    listed = run("gateway", "connections", "list")
    assert listed.exit_code == 0, listed.output
    assert "ACTIVE" in listed.stdout
    numbers = run("numbers", "list")
    assert numbers.exit_code == 0, numbers.output
    assert "+14155550100" in numbers.stdout
