"""End to end through `twilio-iac emulator serve`: a subaccount's own
credentials put its Verify service, Messaging Service and trunk in the
subaccount, and nothing lands in the parent (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN

PARENT = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
# (collection, create params, the list's key) on the verify, messaging and
# trunking hosts, which the served emulator answers on one address.
PRODUCTS = [
    ("/v2/Services", {"FriendlyName": "acme-login"}, "services"),
    ("/v1/Services", {"FriendlyName": "acme-alerts"}, "services"),
    ("/v1/Trunks", {"FriendlyName": "acme-pbx"}, "trunks"),
]


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    """A served sandbox on 127.0.0.1 with the documented credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    command = [sys.executable, "-m", "twilio_iac", "emulator", "serve"]
    command += ["--port", "0", "--state", str(tmp_path / "sandbox.db")]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        assert "listening on" in line, process.stderr.read()
        yield line.split("listening on ")[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _names(client: httpx.Client, path: str, key: str) -> list[str]:
    response = client.get(path, params={"PageSize": "1000"})
    assert response.status_code == 200, response.text
    return [record["friendly_name"] for record in response.json()[key]]


def test_nothing_a_subaccount_makes_lands_in_the_parent(base_url: str) -> None:
    with httpx.Client(base_url=base_url, auth=PARENT, timeout=30) as parent:
        made = parent.post("/2010-04-01/Accounts.json", data={"FriendlyName": "acme"})
        assert made.status_code == 201, made.text
        sid = made.json()["sid"]
        # The token, as the client reads it: with the parent's credentials.
        fetched = parent.get(f"/2010-04-01/Accounts/{sid}.json").json()
        token = fetched["auth_token"]
        assert token and token == made.json()["auth_token"]
        for path, params, _ in PRODUCTS:
            mine = {"FriendlyName": params["FriendlyName"].replace("acme", "parent")}
            assert parent.post(path, data=mine).status_code == 201
        # The parent's token with the subaccount's SID is no way in.
        wrong = httpx.get(f"{base_url}/v2/Services", auth=(sid, PARENT[1]))
        assert (wrong.status_code, wrong.json()["code"]) == (401, 20003)

        with httpx.Client(base_url=base_url, auth=(sid, token), timeout=30) as sub:
            for path, params, key in PRODUCTS:
                created = sub.post(path, data=params)
                assert created.status_code == 201, created.text
                assert created.json()["account_sid"] == sid
                assert _names(sub, path, key) == [params["FriendlyName"]]
                # The parent's credentials on that host see only the parent's.
                parents = _names(parent, path, key)
                assert parents == [params["FriendlyName"].replace("acme", "parent")]
                assert parent.get(f"{path}/{created.json()['sid']}").status_code == 404
            assert sub.get(f"/2010-04-01/Accounts/{sid}.json").status_code == 200
            refused = sub.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json")
            assert refused.status_code == 401


def test_the_official_sdk_as_the_subaccount(base_url: str) -> None:
    """The same through Twilio's SDK, when it is installed: the parent makes
    the subaccount, then a client built with the subaccount's SID and token."""
    rest = pytest.importorskip("twilio.rest")

    def sdk(user: str, password: str) -> object:
        client = rest.Client(user, password)
        for domain in (client.api, client.verify, client.messaging, client.trunking):
            domain.base_url = base_url
        return client

    parent = sdk(*PARENT)
    made = parent.api.v2010.accounts.create(friendly_name="acme")
    token = parent.api.v2010.accounts(made.sid).fetch().auth_token
    sub = sdk(made.sid, token)
    service = sub.verify.v2.services.create(friendly_name="acme-login")
    pool = sub.messaging.v1.services.create(friendly_name="acme-alerts")
    trunk = sub.trunking.v1.trunks.create(friendly_name="acme-pbx")
    assert {service.account_sid, pool.account_sid, trunk.account_sid} == {made.sid}
    assert parent.verify.v2.services.list() == []
    assert parent.messaging.v1.services.list() == []
    assert parent.trunking.v1.trunks.list() == []
    assert [s.sid for s in sub.verify.v2.services.list()] == [service.sid]
