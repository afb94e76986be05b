"""Which account a run acts on: the one asked for (--account-sid), else the one
the manifests or a saved plan declare. Either must be reachable with the
credentials in use before anything is read from it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from twilio_iac.api.accounts import check_reachable
from twilio_iac.api.client import TwilioClient


class Connect(Protocol):
    """Opens a client for an account (None: the credentials' own).

    The caller owns credentials and transports; a run only says which account.
    """

    def __call__(
        self, account_sid: str | None, /
    ) -> AbstractContextManager[TwilioClient]: ...


@contextmanager
def connected(
    connect: Connect, chosen: str | None, declared: str | None
) -> Iterator[TwilioClient]:
    """A client for ``chosen`` when given, else for ``declared``."""
    source = "--account-sid" if chosen else "the manifests' account_sid"
    account_sid = chosen or declared
    with connect(account_sid) as client:
        if account_sid:
            check_reachable(client, source)
        yield client
