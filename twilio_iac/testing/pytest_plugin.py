"""The `twilio_sandbox` fixture, registered with pytest through the `pytest11`
entry point in pyproject.toml: installing twilio-iac makes it available.

pytest imports this module at start-up, for every test run of every project
in the environment, so it imports nothing of twilio-iac's until a test asks
for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .sandbox import Sandbox


@pytest.fixture
def twilio_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A fresh Twilio sandbox served on a free 127.0.0.1 port, its clock
    stopped (move it with ``.advance(90)``), in its own state file; torn down
    after the test. See the README's "Testing your own app"."""
    from .sandbox import Sandbox

    state = tmp_path_factory.mktemp("twilio_sandbox") / "sandbox.db"
    with Sandbox(state) as sandbox:
        yield sandbox
