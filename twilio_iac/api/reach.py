"""Which accounts a client's credentials reach: their own and its subaccounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from twilio_iac.errors import AuthError, NotFound, PlanError

if TYPE_CHECKING:  # httpx is imported by the verbs that talk, not by validate
    from twilio_iac.api.client import TwilioClient


def check_reachable(client: TwilioClient, source: str) -> None:
    """A targeted account must be these credentials' own or a subaccount of it;
    ``source`` names where the target came from, for the error.

    This is also the manifests' `account_sid` guard: credentials of an unrelated
    account cannot read it, so nothing is planned against the wrong account.
    """
    target = client.account_sid
    try:
        client.fetch("core", f"/2010-04-01/Accounts/{target}.json")
    except (NotFound, AuthError) as exc:
        raise PlanError(
            f"The credentials from {client.settings.target_source} cannot reach "
            f"account {target} (from {source}): it is neither their account nor "
            f"one of its subaccounts (Twilio answered HTTP {exc.status}). Nothing was "
            "read or changed. Check the account SID, or use that account's "
            "credentials."
        ) from exc
