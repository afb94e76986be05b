"""A subaccount targeted with the parent's credentials: which credentials each
request carries, and the guard that stops an answer about the wrong account.

FakeTwilio behaves as Twilio does: the parent's auth token reaches a
subaccount on the 2010 API only, and every other host acts on the account
that authenticates, whatever account was meant.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from tests.replay import flow
from twilio_iac import logs
from twilio_iac.api import accounts
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.errors import AuthError, ConfigError, WrongAccount
from twilio_iac.reconcile import applier, live

PARENT = "AC" + "11" * 16
SUB = "AC" + "22" * 16
PARENT_TOKEN = "parent-token-value-do-not-print"
SUB_TOKEN = "sub-token-value-do-not-print-0042"
PARENT_KEY, PARENT_SECRET = "SK" + "33" * 16, "parent-key-secret-do-not-print"
SUB_KEY, SUB_SECRET = "SK" + "44" * 16, "sub-key-secret-do-not-print"
PARENT_ENV = {"TWILIO_ACCOUNT_SID": PARENT, "TWILIO_AUTH_TOKEN": PARENT_TOKEN}
SUB_KEY_ENV = {
    "TWILIO_IAC_TARGET_API_KEY": SUB_KEY,
    "TWILIO_IAC_TARGET_API_SECRET": SUB_SECRET,
}
SERVICES = "/v2/Services"
QUEUES = f"/2010-04-01/Accounts/{SUB}/Queues.json"


def _basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


class FakeTwilio:
    """Records per account; each non-2010 record belongs to the account that
    authenticated. Keeps every request."""

    def __init__(self) -> None:
        self.logins = {
            _basic(PARENT, PARENT_TOKEN): PARENT,
            _basic(PARENT_KEY, PARENT_SECRET): PARENT,
            _basic(SUB, SUB_TOKEN): SUB,
            _basic(SUB_KEY, SUB_SECRET): SUB,
        }
        self.services = {PARENT: [{"sid": "VA1", "friendly_name": "Example login"}]}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        caller = self.logins.get(request.headers["authorization"])
        if caller is None:
            return httpx.Response(401, json={"code": 20003, "message": "Authenticate"})
        path = request.url.path
        if path == f"/2010-04-01/Accounts/{SUB}.json":
            return self._account(request, caller)
        if path.startswith("/2010-04-01/Accounts/"):
            return self._core(path, caller)
        return self._services(request, caller)

    def _account(self, request: httpx.Request, caller: str) -> httpx.Response:
        # The parent's auth token gets the subaccount's token; a key gets "".
        by_token = request.headers["authorization"] == _basic(PARENT, PARENT_TOKEN)
        token = SUB_TOKEN if by_token or caller == SUB else ""
        return httpx.Response(
            200, json={"sid": SUB, "owner_account_sid": PARENT, "auth_token": token}
        )

    def _core(self, path: str, caller: str) -> httpx.Response:
        account = path.split("/")[3]
        if caller not in (account, PARENT):
            return httpx.Response(403, json={"code": 20003, "message": "Forbidden"})
        queue = {"sid": "QU1", "friendly_name": "q", "account_sid": account}
        return httpx.Response(200, json={"queues": [queue], "next_page_uri": None})

    def _services(self, request: httpx.Request, caller: str) -> httpx.Response:
        owned = self.services.setdefault(caller, [])
        if request.method == "DELETE":
            # By SID, and only among the authenticating account's own.
            sid = request.url.path.rsplit("/", 1)[1]
            kept = [item for item in owned if item["sid"] != sid]
            if len(kept) == len(owned):
                return httpx.Response(404, json={"code": 20404, "message": "Nope"})
            self.services[caller] = kept
            return httpx.Response(204)
        if request.method == "POST":
            name = dict(httpx.QueryParams(request.content.decode()))["FriendlyName"]
            owned.append({"sid": f"VA{len(owned) + 9}", "friendly_name": name})
            return httpx.Response(201, json={**owned[-1], "account_sid": caller})
        items = [{**item, "account_sid": caller} for item in owned]
        meta = {"next_page_url": None, "key": "services"}
        return httpx.Response(200, json={"services": items, "meta": meta})

    def sent(self, path: str) -> list[str]:
        """The Authorization header of each request to ``path``."""
        return [r.headers["authorization"] for r in self.requests if r.url.path == path]


@pytest.fixture(autouse=True)
def _fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(logs, "_SECRETS", set())
    yield
    structlog.reset_defaults()


def _client(fake: FakeTwilio, env: dict[str, str], target: str = SUB) -> TwilioClient:
    settings = Settings.from_env(env, account_sid=target)
    return TwilioClient(settings, transport=httpx.MockTransport(fake))


# -- which credentials each request carries -----------------------------------


def test_parent_token_signs_2010_and_the_subaccounts_token_the_rest() -> None:
    fake = FakeTwilio()
    with _client(fake, PARENT_ENV) as client:
        client.list("core", QUEUES, "queues")
        assert client.list("verify", SERVICES, "services") == []
        client.create("verify", SERVICES, {"FriendlyName": "login"})
        client.list("verify", SERVICES, "services")
    assert fake.sent(QUEUES) == [_basic(PARENT, PARENT_TOKEN)]
    assert fake.sent(SERVICES) == [_basic(SUB, SUB_TOKEN)] * 3
    # Read once, with the parent's token, and only for the non-2010 request.
    assert fake.sent(f"/2010-04-01/Accounts/{SUB}.json") == [
        _basic(PARENT, PARENT_TOKEN)
    ]
    assert [s["friendly_name"] for s in fake.services[SUB]] == ["login"]
    assert [s["friendly_name"] for s in fake.services[PARENT]] == ["Example login"]


def test_only_2010_requests_read_no_token() -> None:
    fake = FakeTwilio()
    with _client(fake, PARENT_ENV) as client:
        client.list("core", QUEUES, "queues")
    assert fake.sent(f"/2010-04-01/Accounts/{SUB}.json") == []


def test_the_credentials_own_account_needs_no_second_credential() -> None:
    fake = FakeTwilio()
    with _client(fake, PARENT_ENV, target=PARENT) as client:
        names = [
            s["friendly_name"] for s in client.list("verify", SERVICES, "services")
        ]
    assert names == ["Example login"]
    assert fake.sent(SERVICES) == [_basic(PARENT, PARENT_TOKEN)]


def test_subaccount_key_from_the_environment_signs_every_request() -> None:
    fake = FakeTwilio()
    env = {"TWILIO_ACCOUNT_SID": PARENT, "TWILIO_API_KEY": PARENT_KEY}
    env |= {"TWILIO_API_SECRET": PARENT_SECRET, **SUB_KEY_ENV}
    with _client(fake, env) as client:
        client.list("core", QUEUES, "queues")
        client.list("verify", SERVICES, "services")
    assert fake.sent(QUEUES) == fake.sent(SERVICES) == [_basic(SUB_KEY, SUB_SECRET)]
    assert len(fake.requests) == 2  # no token read


def test_plan_reads_the_subaccounts_services_not_the_parents() -> None:
    fake = FakeTwilio()
    with _client(fake, PARENT_ENV) as client:
        state = live.fetch(client, client.account_sid, ["verify_services", "queues"])
    assert state["verify_services"] == []
    assert [r.name for r in state["queues"]] == ["q"]


def test_the_subaccounts_token_never_reaches_a_log() -> None:
    fake = FakeTwilio()
    logs.configure(debug=True, fmt="json")
    with capture_logs() as events, _client(fake, PARENT_ENV) as client:
        client.list("verify", SERVICES, "services")
    pair = base64.b64encode(f"{SUB}:{SUB_TOKEN}".encode()).decode()
    assert SUB_TOKEN not in json.dumps(events, default=str)
    assert ("account.token_read", SUB) in [
        (e["event"], e.get("account_sid")) for e in events
    ]
    # Registered: any message, output or plan file that held it is scrubbed.
    assert logs.scrub(f"{SUB_TOKEN} {pair}") == f"{logs.REDACTED} {logs.REDACTED}"
    assert logs.scrub_data({"x": [SUB_TOKEN]}) == {"x": [logs.REDACTED]}


class Withholding(FakeTwilio):
    """Gives no subaccount token, as Twilio does to some credentials."""

    def _account(self, request: httpx.Request, caller: str) -> httpx.Response:
        return httpx.Response(200, json={"sid": SUB, "auth_token": None})


def test_no_token_for_the_parent_is_one_error_read_once() -> None:
    fake = Withholding()
    with _client(fake, PARENT_ENV) as client:
        for _ in range(2):
            with pytest.raises(ConfigError) as info:
                client.list("verify", SERVICES, "services")
    message = str(info.value)
    assert f"did not give subaccount {SUB}'s auth token" in message
    assert "TWILIO_IAC_TARGET_API_KEY and TWILIO_IAC_TARGET_API_SECRET" in message
    assert fake.sent(SERVICES) == []
    assert len(fake.sent(f"/2010-04-01/Accounts/{SUB}.json")) == 1


# -- a parent API key cannot reach a subaccount ---------------------------------


def test_parent_api_key_for_a_subaccount_is_refused_before_any_request() -> None:
    env = {
        "TWILIO_ACCOUNT_SID": PARENT,
        "TWILIO_API_KEY": PARENT_KEY,
        "TWILIO_API_SECRET": PARENT_SECRET,
    }
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env, account_sid=SUB)
    message = str(info.value)
    assert f"cannot act on subaccount {SUB}" in message
    assert "Nothing was read or changed" in message
    assert "TWILIO_IAC_TARGET_API_KEY and TWILIO_IAC_TARGET_API_SECRET" in message
    assert "TWILIO_AUTH_TOKEN" in message
    assert PARENT_SECRET not in message


def test_parent_auth_token_wins_over_its_api_key_for_a_subaccount() -> None:
    env = {**PARENT_ENV, "TWILIO_API_KEY": PARENT_KEY, "TWILIO_API_SECRET": "s"}
    assert Settings.from_env(env, account_sid=SUB).auth.username == PARENT
    assert Settings.from_env(env).auth.username == PARENT_KEY


def test_api_key_without_account_sid_is_the_targets_own() -> None:
    env = {"TWILIO_API_KEY": SUB_KEY, "TWILIO_API_SECRET": SUB_SECRET}
    settings = Settings.from_env(env, account_sid=SUB)
    assert not settings.other_account


@pytest.mark.parametrize(
    "env,expected",
    [
        (
            {"TWILIO_IAC_TARGET_API_KEY": SUB_KEY},
            "TWILIO_IAC_TARGET_API_SECRET is not set",
        ),
        (
            {"TWILIO_IAC_TARGET_API_SECRET": SUB_SECRET},
            "TWILIO_IAC_TARGET_API_KEY is not set",
        ),
        (
            {"TWILIO_IAC_TARGET_API_KEY": SUB, "TWILIO_IAC_TARGET_API_SECRET": "x"},
            "TWILIO_IAC_TARGET_API_KEY is not an API key SID",
        ),
    ],
)
def test_incomplete_subaccount_key_is_refused(env: dict, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        Settings.from_env({**PARENT_ENV, **env}, account_sid=SUB)


def test_subaccount_key_is_a_secret_and_named_variables_can_be_chosen() -> None:
    env = {**PARENT_ENV, "ACME_KEY": SUB_KEY, "ACME_SECRET": SUB_SECRET}
    settings = Settings.from_env(
        env, account_sid=SUB, target_key=("ACME_KEY", "ACME_SECRET")
    )
    assert settings.target_auth is not None
    assert settings.target_auth.username == SUB_KEY
    assert settings.secrets() == (PARENT_TOKEN, SUB_SECRET)
    assert SUB_SECRET not in repr(settings)
    assert "ACME_KEY/ACME_SECRET" in settings.rejected_hint()


def test_subaccount_key_is_ignored_for_the_credentials_own_account() -> None:
    settings = Settings.from_env({**PARENT_ENV, **SUB_KEY_ENV})
    assert settings.target_auth is None


# -- the guard ------------------------------------------------------------------


def _mistaken_client(fake: FakeTwilio) -> TwilioClient:
    """The parent's API key taken for the subaccount's own (no
    TWILIO_ACCOUNT_SID): non-2010 answers come from the parent."""
    env = {"TWILIO_API_KEY": PARENT_KEY, "TWILIO_API_SECRET": PARENT_SECRET}
    return _client(fake, env)


def test_a_list_page_of_another_account_stops_the_plan() -> None:
    fake = FakeTwilio()
    with _mistaken_client(fake) as client, pytest.raises(WrongAccount) as info:
        live.fetch(client, client.account_sid, ["verify_services"])
    error = info.value
    assert (error.found, error.expected) == (PARENT, SUB)
    assert str(error).startswith(
        f"GET https://verify.twilio.com/v2/Services: Twilio answered with records "
        f"of account {PARENT}, not of {SUB}, the account targeted\n"
    )
    assert "TWILIO_IAC_TARGET_API_KEY" in str(error)


def test_after_a_mismatch_no_write_is_sent() -> None:
    fake = FakeTwilio()
    with _mistaken_client(fake) as client:
        with pytest.raises(WrongAccount):
            client.list("verify", SERVICES, "services")
        with pytest.raises(WrongAccount) as info:
            client.create("verify", SERVICES, {"FriendlyName": "login"})
        with pytest.raises(WrongAccount):
            client.delete("core", f"/2010-04-01/Accounts/{SUB}/Queues/QU1.json")
    assert str(info.value).startswith(
        f"POST https://verify.twilio.com/v2/Services: not sent: an earlier answer "
        f"held records of account {PARENT}"
    )
    assert [r.method for r in fake.requests] == ["GET"]
    assert fake.services == {PARENT: [{"sid": "VA1", "friendly_name": "Example login"}]}


def test_a_create_answered_for_another_account_stops_the_apply() -> None:
    fake = FakeTwilio()
    fake.services[PARENT] = []  # an empty list carries no account to check
    with _mistaken_client(fake) as client:
        assert client.list("verify", SERVICES, "services") == []
        with pytest.raises(WrongAccount):
            client.create("verify", SERVICES, {"FriendlyName": "login"})
        with pytest.raises(WrongAccount):
            client.create("verify", SERVICES, {"FriendlyName": "second"})
    assert [s["friendly_name"] for s in fake.services[PARENT]] == ["login"]


def test_one_foreign_record_in_a_page_is_enough() -> None:
    page = {"queues": [{"account_sid": SUB}] * 3 + [{"account_sid": PARENT}]}
    assert accounts.foreign_owner(page, SUB) == PARENT
    assert accounts.foreign_owner({"queues": [{"account_sid": SUB}]}, SUB) is None
    assert accounts.foreign_owner({"account_sid": PARENT, "x": []}, SUB) == PARENT
    # Accounts' own records name their owner otherwise; usage rows may be null.
    assert accounts.foreign_owner({"accounts": [{"sid": PARENT}]}, SUB) is None
    assert accounts.foreign_owner({"records": [{"account_sid": None}]}, SUB) is None


@pytest.mark.parametrize(
    "path,expected",
    [
        (f"/2010-04-01/Accounts/{SUB}/Queues.json", SUB),
        (f"/twilio/2010-04-01/Accounts/{SUB}.json", SUB),
        ("/2010-04-01/Accounts.json", PARENT),
        ("/v2/Services", PARENT),
    ],
)
def test_the_account_meant_is_the_2010_paths_or_the_target(path, expected) -> None:
    assert accounts.meant(path, PARENT) == expected


def test_a_rejected_subaccount_key_names_its_variables() -> None:
    fake = FakeTwilio()
    env = {**PARENT_ENV, **SUB_KEY_ENV, "TWILIO_IAC_TARGET_API_SECRET": "rotated"}
    with _client(fake, env) as client, pytest.raises(AuthError) as info:
        client.list("verify", SERVICES, "services")
    assert "TWILIO_IAC_TARGET_API_KEY/TWILIO_IAC_TARGET_API_SECRET" in str(info.value)
    assert "rotated" not in str(info.value)


# -- through the planner and the applier ------------------------------------------


def test_a_subaccounts_prune_never_plans_the_parents_service() -> None:
    # Issue 15: this plan, headed with the subaccount's SID, used to delete
    # the parent's "Example login".
    fake = FakeTwilio()
    fake.services[SUB] = [{"sid": "VA7", "friendly_name": "stray"}]
    manifest = "verify_services:\n  - friendly_name: login\nprune: [verify_services]\n"
    with _client(fake, PARENT_ENV) as client:
        result, _ = flow.apply(client, manifest)
    assert flow.actions(result) == [
        ("create", "verify_services", "login"),
        ("delete", "verify_services", "stray"),
    ]
    assert [s["friendly_name"] for s in fake.services[SUB]] == ["login"]
    assert [s["friendly_name"] for s in fake.services[PARENT]] == ["Example login"]


def test_an_apply_stops_at_the_first_answer_from_another_account() -> None:
    fake = FakeTwilio()
    fake.services[PARENT] = []  # empty lists: the plan cannot tell the account
    manifest = "verify_services:\n  - friendly_name: a\n  - friendly_name: b\n"
    with _mistaken_client(fake) as client:
        result = flow.plan(client, manifest)
        report = applier.apply(result, client, lambda outcome: None, parallelism=1)
    assert not report.ok
    errors = [o.error for o in report.outcomes if o.error is not None]
    assert errors and all(isinstance(e, WrongAccount) for e in errors)
    # The first create's answer named the parent; nothing was written after it.
    assert len(fake.services[PARENT]) == 1
    assert [r.method for r in fake.requests].count("POST") == 1


def test_a_rejected_subaccount_token_says_it_was_read_this_run() -> None:
    fake = FakeTwilio()
    with _client(fake, PARENT_ENV) as client:
        client.list("verify", SERVICES, "services")
        del fake.logins[_basic(SUB, SUB_TOKEN)]  # rotated since it was read
        with pytest.raises(AuthError) as info:
            client.list("verify", SERVICES, "services")
    assert f"rejected subaccount {SUB}'s auth token" in str(info.value)
    assert SUB_TOKEN not in str(info.value)
