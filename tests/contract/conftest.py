"""Fixtures shared by the contract tests: an emulator and checked clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contract.test_emulator_contract import Checked
from twilio_iac.emulator import Emulator


def _checked(app: Emulator, host: str) -> Iterator[Checked]:
    client = Checked(app, host)
    yield client
    client.http.close()


@pytest.fixture
def app() -> Emulator:
    """A sandbox whose clock moves only when a test advances it."""
    return Emulator(clock="manual")


@pytest.fixture
def api(app: Emulator) -> Iterator[Checked]:
    yield from _checked(app, "api.twilio.com")


@pytest.fixture
def verify(app: Emulator) -> Iterator[Checked]:
    yield from _checked(app, "verify.twilio.com")


@pytest.fixture
def messaging(app: Emulator) -> Iterator[Checked]:
    yield from _checked(app, "messaging.twilio.com")


@pytest.fixture
def trunking(app: Emulator) -> Iterator[Checked]:
    yield from _checked(app, "trunking.twilio.com")


@pytest.fixture
def lookups(app: Emulator) -> Iterator[Checked]:
    yield from _checked(app, "lookups.twilio.com")


@pytest.fixture
def intelligence(app: Emulator) -> Iterator[Checked]:
    yield from _checked(app, "intelligence.twilio.com")


@pytest.fixture
def studio(app: Emulator) -> Iterator[Checked]:
    yield from _checked(app, "studio.twilio.com")


@pytest.fixture
def taskrouter(app: Emulator) -> Iterator[Checked]:
    yield from _checked(app, "taskrouter.twilio.com")


@pytest.fixture
def iam(app: Emulator) -> Iterator[Checked]:
    yield from _checked(app, "iam.twilio.com")
