"""A local, Twilio-compatible test double of the Twilio REST API (a WSGI app).

Behaviour follows the packaged OpenAPI descriptions (oai/). It is stricter
than Twilio in one deliberate way: unknown parameters are rejected with 400
(Twilio ignores them with warning 20001), which makes it a contract check.

Its catalog of kinds (paths, SID prefixes, server-side defaults) is its own,
written from Twilio's descriptions and docs, and deliberately independent of
the client's twilio_iac/resources/: the two must not agree by construction,
or the sandbox could not catch the client getting Twilio wrong.

    store/         records per kind, faults, the SQLite state file; followers
    http/          the machinery: kinds and actions, routing, callers, parameters,
                   pages
    core/          the 2010-04-01 API: accounts, numbers, messages, calls, usage
    verify/ messaging/ trunking/ lookups/ intelligence/ taskrouter/ gateway/
                   one package per other product, each with its routes,
                   rules and seed data
    products.py    the one place a product is registered
    app.py, seed.py, server.py, delivery/
                   the Emulator, a fresh sandbox, serving it, and its webhooks

Imports only go down: the root and delivery/ → the products → http → store.
Products never import each other; where one's records follow another's, they
meet in the store (tests/unit/test_layers.py keeps it so).

May import: the base modules only (it uses apis, errors, numbering, segments,
webhooks and the package's __version__). It is an independent double: it never
imports the client side, and only the CLI and testing/ (the pytest plugin)
import it.
"""

from __future__ import annotations

from .app import Emulator
from .core import SEED_NUMBERS
from .seed import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
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
