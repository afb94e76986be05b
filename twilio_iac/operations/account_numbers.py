"""The account's numbers with their voice and SMS routing, and the name each
has in the manifests (its declared friendly_name) where one is declared."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from twilio_iac.api.client import TwilioClient
from twilio_iac.manifests import desired
from twilio_iac.operations.listing import Query, stream
from twilio_iac.resources import REGISTRY

UNNAMED = "declared"  # in the manifests, with no friendly_name of its own


def renamed(record: dict[str, Any]) -> bool:
    """The live friendly_name is not the one the manifests give: drift that
    `plan` would change back."""
    wanted = record.get("manifest_name")
    return wanted not in (None, UNNAMED, record.get("friendly_name"))


def declared(paths: Sequence[Path]) -> dict[str, str]:
    """E.164 → the name the manifests give the number: its friendly_name, else
    "declared"."""
    if not paths:
        return {}
    wanted = desired.load(paths)
    return {
        key.name: str(resource.fields.get("friendly_name") or UNNAMED)
        for key, resource in wanted.resources.items()
        if key.kind == "phone_numbers"
    }


def _names(client: TwilioClient, kind: str) -> dict[str, str]:
    """SID → friendly_name of the account's objects of ``kind``."""
    rt = REGISTRY[kind]
    return {
        item["sid"]: item.get("friendly_name") or item["sid"]
        for item in client.list(rt.api, rt.path(client.account_sid), rt.list_key)
    }


def _services(client: TwilioClient) -> dict[str, str]:
    """Phone number SID → the name of the Messaging Service that takes its
    incoming SMS. A service with use_inbound_webhook_on_number leaves them to
    the number's own routing, so its numbers are not listed."""
    rt = REGISTRY["messaging_services"]
    services = [
        service
        for service in client.list(rt.api, rt.path(client.account_sid), rt.list_key)
        if not service.get("use_inbound_webhook_on_number")
    ]

    def pool(service: dict[str, Any]) -> list[dict[str, Any]]:
        path = rt.path(client.account_sid, service["sid"]) + "/PhoneNumbers"
        return client.list(rt.api, path, "phone_numbers")

    # One request per service, a few at a time, as live state reads pools.
    with ThreadPoolExecutor(max_workers=8) as pool_reads:
        pools = list(pool_reads.map(pool, services))
    return {
        member["sid"]: service.get("friendly_name") or service["sid"]
        for service, members in zip(services, pools, strict=True)
        for member in members
    }


def rows(
    client: TwilioClient, limit: int, paths: Sequence[Path]
) -> Iterator[dict[str, Any]]:
    """Each number's record, plus its effective ``voice_routing`` and
    ``sms_routing`` (what Twilio does with a call or a message: application,
    trunk or service by name, else its own URL) and ``manifest_name``."""
    names = declared(paths)
    apps = _names(client, "applications")
    # A trunk is shown by the name the manifests give it (its friendly_name
    # there is its identity), else by its live friendly_name.
    trunks = _names(client, "sip_trunks")
    services = _services(client)
    numbers = REGISTRY["phone_numbers"]
    query = Query(
        numbers.api, numbers.path(client.account_sid), numbers.list_key, {}, limit
    )
    for record in stream(client, query):
        service = services.get(record.get("sid", ""))
        yield {
            **record,
            "voice_routing": _route(record, "voice", apps, trunks),
            "sms_routing": f"service {service}"
            if service
            else _route(record, "sms", apps, trunks),
            "manifest_name": names.get(record.get("phone_number", "")),
        }


def _route(
    record: dict[str, Any],
    channel: str,
    apps: dict[str, str],
    trunks: dict[str, str],
) -> str:
    app = record.get(f"{channel}_application_sid")
    if app:
        return f"app {apps.get(app, app)}"
    trunk = record.get("trunk_sid")
    if channel == "voice" and trunk:
        return f"trunk {trunks.get(trunk, trunk)}"
    url = record.get(f"{channel}_url")
    if url:
        return f"{record.get(f'{channel}_method') or 'POST'} {url}"
    return "-"
