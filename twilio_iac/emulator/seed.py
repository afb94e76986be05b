"""The sandbox account and what a fresh emulator starts with.

The constants are fixed and documented so that sandbox runs, cassettes and
tests agree; the token is a test double's password, never a real secret.
"""

from __future__ import annotations

from .products import PRODUCTS
from .store import Store, utcnow

SANDBOX_ACCOUNT_SID = "AC" + "5a4db0c0" * 4
SANDBOX_AUTH_TOKEN = "70c3e45a" * 4


def fresh_store(account_sid: str) -> Store:
    """The account with what each product seeds it with, in PRODUCTS order."""
    store = Store.empty(account_sid)
    now = utcnow()
    for product in PRODUCTS:
        seed = getattr(product, "seed", None)
        if seed is not None:
            seed(store, now)
    return store
