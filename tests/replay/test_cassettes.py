"""The cassettes themselves: no credentials in them, and replay stays offline."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from vcr.errors import CannotOverwriteExistingCassetteException

from tests import tape
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from twilio_iac.resources import REGISTRY

CASSETTE_FILES = sorted(tape.CASSETTES.rglob("*.yaml"))
QUEUE_CASSETTE = "test_queues/test_create_update_and_prune_a_queue.yaml"


def _secrets() -> list[str]:
    tokens = [SANDBOX_AUTH_TOKEN, tape.FAKE_AUTH_TOKEN, *tape.recording_secrets()]
    pairs = [
        f"{SANDBOX_ACCOUNT_SID}:{SANDBOX_AUTH_TOKEN}",
        f"{tape.PLACEHOLDER_ACCOUNT_SID}:{tape.FAKE_AUTH_TOKEN}",
    ]
    tokens += [base64.b64encode(pair.encode()).decode() for pair in pairs]
    return tokens + ["Authorization", "Basic ", "Bearer "]


def test_every_replay_module_has_cassettes() -> None:
    folders = {path.parent.name for path in CASSETTE_FILES}
    assert folders >= {f"test_{kind}" for kind in REGISTRY}


@pytest.mark.parametrize(
    "path", CASSETTE_FILES, ids=lambda p: str(p.relative_to(tape.CASSETTES))
)
def test_cassette_holds_no_credentials(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lowered = text.lower()
    for secret in _secrets():
        assert secret.lower() not in lowered, f"{secret[:4]}… found in {path.name}"
    assert SANDBOX_ACCOUNT_SID not in text


@pytest.mark.skipif(tape.RECORD_MODE != "none", reason="replay mode only")
def test_replay_refuses_a_request_missing_from_the_cassette() -> None:
    missing = f"/2010-04-01/Accounts/{tape.PLACEHOLDER_ACCOUNT_SID}/Calls.json"
    with (
        tape.tape.use_cassette(QUEUE_CASSETTE),
        tape.client() as client,
        pytest.raises(CannotOverwriteExistingCassetteException),
    ):
        client.list("core", missing, "calls")
