"""Who a request is from: the account whose credentials authenticated it.

Twilio's 2010 API lets the main account's auth token act for its
subaccounts under /2010-04-01/Accounts/{Sub}/…; every other host (Verify,
Messaging, Trunking, Lookups, Intelligence, …) acts on the authenticating
account alone (twilio.com/docs/iam/api/subaccounts; twilio-node #492).
"""

from __future__ import annotations

from dataclasses import dataclass

from .problems import AUTHENTICATE, ApiProblem


@dataclass(frozen=True)
class Caller:
    account: str  # the SID of the account the credentials belong to
    key: bool = False  # an API key (SK…) rather than the account's auth token


def unauthenticated() -> ApiProblem:
    """Twilio's 401 for credentials that do not reach what was asked: the
    error dictionary's 20003 lists "Using subaccount credentials to access
    master account" and "Account is suspended or closed" among its causes
    (twilio.com/docs/errors/20003)."""
    return ApiProblem(401, AUTHENTICATE, "Authenticate")
