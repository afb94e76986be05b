"""The official Python SDK pointed at the sandbox, every domain of it.

The SDK builds each request's URL from its domain's ``base_url``
(twilio/base/domain.py: ``Domain.absolute_url``), so every domain the Client
offers (api, verify, messaging, lookups, studio, … 39 in twilio 9) gets the
sandbox's. Edge and region would rewrite the host (``ClientBase.get_hostname``),
so the user's TWILIO_EDGE/TWILIO_REGION are dropped (the Client reads them
from ``os.environ`` whatever ``environment`` it is given).
The HTTP client refuses any URL off the sandbox, so a link the SDK follows can
never reach a real host, and ignores proxy variables, as the sandbox is local.

Imported only when a test asks for a client: it needs the twilio package.
"""

from __future__ import annotations

from typing import Any

from twilio.base.domain import Domain
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from .sandbox import SandboxError


class _SandboxOnly(TwilioHttpClient):
    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/") + "/"
        if self.session is not None:
            self.session.trust_env = False  # no HTTP(S)_PROXY for a local server

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if not url.startswith(self.base):
            raise SandboxError(
                f"The sandbox's client refused {method} {url}: it only talks to "
                f"the sandbox at {self.base}."
            )
        return super().request(method, url, *args, **kwargs)


def domains(sdk: Client) -> list[Domain]:
    """The Client's domains (api, verify, …), as the installed SDK has them:
    the properties of the Client that give a Domain."""
    found = (
        getattr(sdk, name)
        for name, value in vars(Client).items()
        if isinstance(value, property)
    )
    return [domain for domain in found if isinstance(domain, Domain)]


def client(url: str, account_sid: str, auth_token: str) -> Client:
    sdk = Client(account_sid, auth_token, http_client=_SandboxOnly(url))
    sdk.edge = sdk.region = None
    for domain in domains(sdk):
        domain.base_url = url
    return sdk
