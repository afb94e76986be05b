"""Settings.from_env: twilio-cli's variable names and precedence, and safe messages."""

from __future__ import annotations

import base64

import pytest

from twilio_iac.api.settings import Settings
from twilio_iac.apis import APIS
from twilio_iac.emulator import SANDBOX_CREDENTIALS
from twilio_iac.errors import ConfigError

SID = "AC" + "0123456789abcdef" * 2
SUB_SID = "AC" + "fedcba9876543210" * 2
KEY = "SK" + "11112222333344445555666677778888"
SECRET = "api-secret-value-do-not-print"
TOKEN = "auth-token-value-do-not-print"
MATON = "maton-key-value-do-not-print"


def test_api_key_wins_over_auth_token_and_maton() -> None:
    env = {
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_API_KEY": KEY,
        "TWILIO_API_SECRET": SECRET,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "MATON_API_KEY": MATON,
    }
    settings = Settings.from_env(env)
    assert settings.source == "TWILIO_API_KEY/TWILIO_API_SECRET"
    assert (settings.auth.kind, settings.auth.username) == ("basic", KEY)
    assert settings.account_sid == SID
    assert settings.secrets() == (SECRET,)


def test_auth_token_wins_over_maton() -> None:
    env = {
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "MATON_API_KEY": MATON,
    }
    settings = Settings.from_env(env)
    assert settings.source == "TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN"
    assert settings.auth.username == SID
    header = settings.auth.authorization()
    assert base64.b64decode(header.removeprefix("Basic ")).decode() == f"{SID}:{TOKEN}"
    assert settings.base_urls["core"] == "https://api.twilio.com"
    assert settings.base_urls["verify"] == "https://verify.twilio.com"


def test_partial_api_key_falls_back_to_complete_auth_token() -> None:
    env = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_API_KEY": KEY, "TWILIO_AUTH_TOKEN": TOKEN}
    assert Settings.from_env(env).source == "TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN"


def test_maton_uses_bearer_gateway_and_connection_header() -> None:
    env = {"MATON_API_KEY": MATON, "MATON_CONNECTION": "conn-1"}
    settings = Settings.from_env(env)
    assert settings.auth.kind == "bearer"
    assert settings.auth.authorization() == f"Bearer {MATON}"
    assert settings.headers == {"Maton-Connection": "conn-1"}
    assert set(settings.base_urls.values()) == {"https://gateway.maton.ai/twilio"}
    assert settings.account_sid is None  # discovered later by the client
    assert settings.source == "MATON_API_KEY"


def test_maton_takes_account_sid_from_env_and_has_no_header_by_default() -> None:
    settings = Settings.from_env({"MATON_API_KEY": MATON, "TWILIO_ACCOUNT_SID": SID})
    assert settings.account_sid == SID
    assert settings.headers == {}


def test_nothing_set_lists_every_alternative_and_the_sandbox() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"HOME": "/root"})
    message = str(caught.value)
    assert "No Twilio credentials" in message
    for name in ("TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_AUTH_TOKEN"):
        assert name in message
    assert "MATON_API_KEY" in message
    assert "--sandbox" in message
    assert "missing:" not in message


def test_partial_credentials_name_exactly_what_is_missing() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": SECRET})
    message = str(caught.value)
    assert "incomplete" in message
    assert "(missing: TWILIO_ACCOUNT_SID)" in message
    assert "(missing: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)" in message
    assert SECRET not in message and KEY not in message


def test_blank_values_count_as_missing() -> None:
    with pytest.raises(ConfigError, match="missing: TWILIO_AUTH_TOKEN"):
        Settings.from_env({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "  "})


def test_malformed_account_sid_is_rejected_without_echoing_it() -> None:
    env = {"TWILIO_ACCOUNT_SID": TOKEN, "TWILIO_AUTH_TOKEN": TOKEN}
    with pytest.raises(
        ConfigError, match="TWILIO_ACCOUNT_SID is not an account SID"
    ) as c:
        Settings.from_env(env)
    assert TOKEN not in str(c.value)


def test_explicit_account_sid_overrides_for_a_subaccount() -> None:
    env = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}
    settings = Settings.from_env(env, account_sid=SUB_SID)
    assert settings.account_sid == SUB_SID
    assert settings.auth.username == SID  # the parent's credentials sign it
    with pytest.raises(ConfigError, match="not an account SID"):
        Settings.from_env(env, account_sid="AC123")


def test_explicit_account_sid_completes_an_api_key() -> None:
    env = {"TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": SECRET}
    settings = Settings.from_env(env, account_sid=SID)
    assert (settings.source, settings.account_sid) == (
        "TWILIO_API_KEY/TWILIO_API_SECRET",
        SID,
    )


def test_sandbox_needs_no_credentials_and_ignores_overrides() -> None:
    settings = Settings.from_env(
        {"TWILIO_API_BASE_URL": "http://x"}, sandbox=SANDBOX_CREDENTIALS
    )
    assert settings.sandbox is True
    assert settings.source == "the sandbox"
    assert settings.account_sid == "AC" + "5a4db0c0" * 4
    assert settings.auth.username == settings.account_sid
    assert settings.secrets() == ("70c3e45a" * 4,)
    assert set(settings.base_urls.values()) == {"http://sandbox.invalid"}


def test_base_urls_are_overridable_per_api() -> None:
    env = {
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_API_BASE_URL": "http://127.0.0.1:8080/",
    }
    settings = Settings.from_env(env)
    assert settings.base_urls["core"] == "http://127.0.0.1:8080"
    assert settings.base_urls["verify"] == "https://verify.twilio.com"
    env["TWILIO_VERIFY_BASE_URL"] = "verify.example"
    with pytest.raises(ConfigError, match="TWILIO_VERIFY_BASE_URL must be an http"):
        Settings.from_env(env)


def test_maton_base_url_is_overridable_too() -> None:
    env = {"MATON_API_KEY": MATON, "TWILIO_VERIFY_BASE_URL": "https://v.example"}
    settings = Settings.from_env(env)
    assert settings.base_urls["verify"] == "https://v.example"
    assert settings.base_urls["core"] == "https://gateway.maton.ai/twilio"


@pytest.mark.parametrize(
    "env",
    [
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": SECRET},
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN},
        {"MATON_API_KEY": MATON},
    ],
)
def test_repr_never_shows_the_secret(env: dict[str, str]) -> None:
    settings = Settings.from_env(env)
    (secret,) = settings.secrets()
    assert secret not in repr(settings)
    assert secret not in repr(settings.auth)
    assert secret not in str(settings)
    assert secret not in settings.rejected_hint()


def test_rejected_hint_names_variables_and_ids() -> None:
    env = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}
    hint = Settings.from_env(env).rejected_hint()
    assert "TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN" in hint and SID in hint
    assert "rotated" in hint
    key_env = {
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_API_KEY": KEY,
        "TWILIO_API_SECRET": SECRET,
    }
    assert KEY in Settings.from_env(key_env).rejected_hint()


@pytest.mark.parametrize(
    "env",
    [
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN},
        {"MATON_API_KEY": MATON},
    ],
    ids=["twilio", "maton"],
)
def test_every_api_in_the_table_has_a_base_url_and_its_own_variable(
    env: dict[str, str],
) -> None:
    defaults = Settings.from_env(env).base_urls
    assert set(defaults) == set(APIS)
    overrides = {
        api.base_url_var: f"http://{api.name}.example" for api in APIS.values()
    }
    settings = Settings.from_env({**env, **overrides})
    assert settings.base_urls == {name: f"http://{name}.example" for name in APIS}
    sandbox = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    assert set(sandbox.base_urls) == set(APIS)
