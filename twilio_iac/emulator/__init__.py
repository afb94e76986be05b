"""A local, Twilio-compatible test double of the Twilio REST API (a WSGI app).

Behaviour follows the packaged OpenAPI descriptions (oai/). It is stricter
than Twilio in one deliberate way: unknown parameters are rejected with 400
(Twilio ignores them with warning 20001), which makes it a contract check.

May import: the base modules only (it uses apis, errors, numbering, segments,
webhooks and the package's __version__). It is an independent double: it never
imports the client side, and only the CLI imports it.
"""

from __future__ import annotations

from .app import Emulator
from .seed import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SEED_NUMBERS
from .server import serve

# What a client needs to reach the sandbox; handed over by the CLI, so the
# client side never imports the emulator.
SANDBOX_CREDENTIALS = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)

__all__ = [
    "SANDBOX_ACCOUNT_SID",
    "SANDBOX_AUTH_TOKEN",
    "SANDBOX_CREDENTIALS",
    "SEED_NUMBERS",
    "Emulator",
    "serve",
]
