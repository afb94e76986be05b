"""The sandbox for a user's own tests: `Sandbox` (sandbox.py) serves a fresh
emulator on a free loopback port with a manual clock; pytest_plugin.py offers
it as the `twilio_sandbox` fixture (registered through the `pytest11` entry
point, so installing twilio-iac is enough); sdk.py points the official SDK's
every domain at it.

Importing this package is cheap (pytest imports the plugin at start-up): the
emulator and the SDK are imported only when a sandbox is made.

May import: the base modules and the emulator (a composition root, as cli/ is).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sandbox import Sandbox, SandboxError

__all__ = ["Sandbox", "SandboxError"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import sandbox

        return getattr(sandbox, name)
    raise AttributeError(name)
