"""Which account a run acts on: the one asked for (--account-sid), else the one
the manifests or a saved plan declare. Either must be reachable with the
credentials in use before anything is read from it, and what the manifests or
the plan declare must be the account targeted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Protocol

from twilio_iac.api.reach import check_reachable
from twilio_iac.errors import PlanError

if TYPE_CHECKING:  # the client (and httpx) only for the verbs that talk
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


def check_manifests(declared: str | None, client: TwilioClient) -> None:
    """Manifests that name an account are planned against that one only."""
    if declared and declared != client.account_sid:
        raise PlanError(
            f"The manifests are for account {declared}, but this run targets "
            f"{client.account_sid} (credentials from {client.settings.source}). "
            "Nothing was read or changed. Drop --account-sid, or fix `account_sid` "
            "in the manifests."
        )


def check_saved(planned_for: str, client: TwilioClient) -> None:
    """A saved plan is applied to the account it was made for only."""
    if client.account_sid != planned_for:
        raise PlanError(
            f"This plan was made for account {planned_for}, but this run "
            f"targets {client.account_sid}. Nothing was sent. Drop --account-sid, "
            "or plan again against the account you mean."
        )
