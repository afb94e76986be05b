"""The `twilio_sandbox` pytest fixture (twilio_iac/testing/), as a user's own
tests use it: the README's example run by pytester, a fresh served sandbox
per test, its clock, its messages, incoming messages to the app's webhook,
and the official SDK kept on the sandbox for every domain."""

from __future__ import annotations

import base64
import json
import re
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from tests.webhook_app import App, serving
from twilio_iac.apis import APIS
from twilio_iac.cli import cli
from twilio_iac.testing import Sandbox, SandboxError

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
SENDER = "+14155550100"  # a seeded sandbox number


def _plugin_args(config: pytest.Config) -> list[str]:
    """Load the plugin in a pytester run only where the entry point did not
    (an install older than it): as an installed user gets it, otherwise."""
    if config.pluginmanager.has_plugin("twilio_iac"):
        return []
    return ["-p", "twilio_iac.testing.pytest_plugin"]


def _api(sandbox: Sandbox, method: str, path: str, form: dict | None = None) -> dict:
    """One request to the served sandbox, as an app without the SDK makes it."""
    pair = f"{sandbox.account_sid}:{sandbox.auth_token}".encode()
    request = urllib.request.Request(
        f"{sandbox.url}/2010-04-01/Accounts/{sandbox.account_sid}/{path}",
        data=urlencode(form).encode() if form is not None else None,
        method=method,
        headers={"Authorization": "Basic " + base64.b64encode(pair).decode()},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.load(reply)


def _sms(sandbox: Sandbox, **extra: str) -> dict:
    form = {"To": "+14155551234", "From": SENDER, "Body": "Hi", **extra}
    return _api(sandbox, "POST", "Messages.json", form)


@pytest.fixture
def app() -> Iterator[App]:
    with serving() as found:
        yield found


def test_the_readme_example_passes(pytester: pytest.Pytester, request) -> None:
    pytest.importorskip("twilio.rest")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(
        r"<!-- twilio-sandbox-example .*?-->\n```python\n(.*?)```", readme, re.S
    )
    assert example, "the README's twilio_sandbox example is missing"
    pytester.makepyfile(test_app=example.group(1))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", *_plugin_args(request.config)
    )
    result.assert_outcomes(passed=1)


# The user's side of the README's inbound example: a plain WSGI app, served
# on a loopback port by the user's own fixture.
APP_CONFTEST = """
import threading
from urllib.parse import parse_qs
from wsgiref.simple_server import make_server

import pytest


def app(environ, start_response):
    size = int(environ.get("CONTENT_LENGTH") or 0)
    form = parse_qs(environ["wsgi.input"].read(size).decode())
    said = "You are unsubscribed" if form["Body"] == ["STOP"] else "Hi"
    start_response("200 OK", [("Content-Type", "text/xml")])
    return [f"<Response><Message>{said}</Message></Response>".encode()]


@pytest.fixture
def app_url():
    server = make_server("127.0.0.1", 0, app)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
"""


def test_the_readme_inbound_example_passes(pytester: pytest.Pytester, request):
    pytest.importorskip("twilio.rest")
    readme = (ROOT / "docs" / "sandbox.md").read_text(encoding="utf-8")
    example = re.search(
        r"<!-- twilio-sandbox-inbound .*?-->\n```python\n(.*?)```", readme, re.S
    )
    assert example, "the README's inbound example is missing"
    pytester.makeconftest(APP_CONFTEST)
    pytester.makepyfile(test_inbound=example.group(1))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", *_plugin_args(request.config)
    )
    result.assert_outcomes(passed=1)


def test_each_test_gets_its_own_stopped_sandbox(pytester, request) -> None:
    pytester.makepyfile(
        test_two="""
        import json, urllib.request
        from base64 import b64encode
        from urllib.parse import urlencode

        def send(sandbox):
            pair = b64encode(f"{sandbox.account_sid}:{sandbox.auth_token}".encode())
            path = f"/2010-04-01/Accounts/{sandbox.account_sid}/Messages.json"
            url = sandbox.url + path
            form = {"To": "+14155551234", "From": "+14155550100", "Body": "Hi"}
            req = urllib.request.Request(url, data=urlencode(form).encode(),
                                         headers={"Authorization": b"Basic " + pair})
            return json.load(urllib.request.urlopen(req))

        def test_first(twilio_sandbox):
            assert send(twilio_sandbox)["status"] == "queued"
            twilio_sandbox.advance("1h")
            assert [m["status"] for m in twilio_sandbox.messages()] == ["delivered"]

        def test_second(twilio_sandbox):
            assert twilio_sandbox.messages() == []
            before = twilio_sandbox.now()
            send(twilio_sandbox)
            assert twilio_sandbox.now() == before  # the clock is stopped
            assert [m["status"] for m in twilio_sandbox.messages()] == ["queued"]
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", *_plugin_args(request.config)
    )
    result.assert_outcomes(passed=2)


def test_sandboxes_side_by_side_each_have_their_port_and_state(tmp_path) -> None:
    with Sandbox(tmp_path / "a.db") as one, Sandbox(tmp_path / "b.db") as two:
        assert one.url != two.url
        _sms(one)
        assert len(one.messages()) == 1 and two.messages() == []
    assert (tmp_path / "a.db").exists()
    with pytest.raises(OSError):  # torn down: nothing listens there any more
        socket.create_connection(("127.0.0.1", int(one.url.rpartition(":")[2])), 1)


def test_messages_are_what_was_sent_newest_last(twilio_sandbox) -> None:
    first = _sms(twilio_sandbox, Body="one")
    second = _sms(twilio_sandbox, Body="two")
    held = twilio_sandbox.messages()
    assert [(m["sid"], m["body"]) for m in held] == [
        (first["sid"], "one"),
        (second["sid"], "two"),
    ]
    assert {m["from"] for m in held} == {SENDER}


def test_advance_moves_statuses_and_posts_their_callbacks(twilio_sandbox, app):
    sent = _sms(twilio_sandbox, StatusCallback=app.url("/status"))
    assert twilio_sandbox.advance(1) > twilio_sandbox.now().replace(year=2000)
    assert twilio_sandbox.messages()[0]["status"] == "sending"
    twilio_sandbox.advance("5s")
    assert twilio_sandbox.messages()[0]["status"] == "delivered"
    # Posted, signed, before advance() returned: no waiting in the test.
    posted = [(h.params["MessageSid"], h.params["MessageStatus"]) for h in app.hits]
    assert posted == [(sent["sid"], "sent"), (sent["sid"], "delivered")]
    assert all(h.valid for h in app.hits)
    assert [c[2] for c in twilio_sandbox.callbacks()] == [200, 200]
    with pytest.raises(SandboxError, match="advance"):
        twilio_sandbox.advance("soon")


def test_inbound_sms_reaches_the_apps_webhook_and_returns_its_twiml(
    twilio_sandbox, app
) -> None:
    [number] = _api(
        twilio_sandbox, "GET", "IncomingPhoneNumbers.json?PhoneNumber=%2B14155550100"
    )["incoming_phone_numbers"]
    _api(
        twilio_sandbox,
        "POST",
        f"IncomingPhoneNumbers/{number['sid']}.json",
        {"SmsUrl": app.url("/sms")},
    )
    app.reply = "<Response><Message>You are unsubscribed</Message></Response>"
    twiml = twilio_sandbox.inbound_sms(to=SENDER, body="STOP", from_="+15551230000")
    assert twiml == app.reply
    [hit] = app.hits
    assert hit.valid and (hit.params["Body"], hit.params["From"]) == (
        "STOP",
        "+15551230000",
    )
    app.status = 500
    with pytest.raises(SandboxError, match="11200"):
        twilio_sandbox.inbound_sms(to=SENDER, body="again")
    with pytest.raises(SandboxError, match="no sms_url"):
        twilio_sandbox.inbound_sms(to="+14155550101", body="Hi")


def test_env_points_twilio_iac_at_the_sandbox(twilio_sandbox, monkeypatch) -> None:
    env = twilio_sandbox.env
    assert {api.base_url_var for api in APIS.values()} <= set(env)
    assert {env[api.base_url_var] for api in APIS.values()} == {twilio_sandbox.url}
    assert env["TWILIO_AUTH_TOKEN"] == twilio_sandbox.auth_token
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    listed = CliRunner().invoke(cli, ["numbers", "list"])
    assert listed.exit_code == 0, listed.output
    assert SENDER in listed.output
    looked_up = CliRunner().invoke(cli, ["lookup", "+14155551234"])  # lookups host
    assert looked_up.exit_code == 0, looked_up.output


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No name is resolved but loopback's (the autouse guard refuses connections)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise OSError(f"the network is off (looked up {host!r})")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_the_client_keeps_every_domain_on_the_sandbox(
    twilio_sandbox, offline, monkeypatch
) -> None:
    pytest.importorskip("twilio.rest")
    from twilio_iac.testing import sdk

    # Both would send the SDK elsewhere: a proxy, or an edge's real host.
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    client = twilio_sandbox.client()
    domains = sdk.domains(client)
    assert len(domains) > 30  # api, verify, …, studio, taskrouter, iam, …
    for domain in domains:
        answer = domain.request("GET", "/v1/NotEmulated")
        assert answer.status_code == 404, (domain.base_url, answer.text)
    assert client.lookups.v2.phone_numbers("+14155551234").fetch().valid is True
    sent = client.messages.create(to="+14155551234", from_=SENDER, body="hi")
    assert [m["sid"] for m in twilio_sandbox.messages()] == [sent.sid]
    with pytest.raises(SandboxError, match="only talks to the sandbox"):
        client.request("GET", "https://api.twilio.com/2010-04-01/Accounts.json")


def test_the_client_without_the_sdk_says_what_to_install(
    twilio_sandbox, monkeypatch
) -> None:
    import twilio_iac.testing

    # As if not installed: the SDK's modules cannot be imported, and ours that
    # needs it has not been yet.
    for name in [m for m in sys.modules if m == "twilio" or m.startswith("twilio.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "twilio", None)
    monkeypatch.delitem(sys.modules, "twilio_iac.testing.sdk", raising=False)
    monkeypatch.delattr(twilio_iac.testing, "sdk", raising=False)
    with pytest.raises(SandboxError, match="pip install twilio"):
        twilio_sandbox.client()


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    probe = (
        "import sys, twilio_iac.testing.pytest_plugin\n"
        "heavy = ('twilio_iac.emulator', 'twilio_iac.testing.sandbox', 'twilio.', "
        "'httpx', 'sqlite3')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_plugin_is_registered_through_pytest11() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {
        "twilio_iac": "twilio_iac.testing.pytest_plugin"
    }
    assert "pytest" not in " ".join(project["dependencies"])
