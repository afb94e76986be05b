"""The account's numbers with their voice and SMS routing, and the name each
has in the manifests (its declared friendly_name) where one is declared."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from twilio_iac.api.client import TwilioClient
from twilio_iac.manifests import desired
from twilio_iac.operations.listing import Query, stream
from twilio_iac.resources import REGISTRY


def declared(paths: Sequence[Path]) -> dict[str, str]:
    """Number → the name the manifests give it (friendly_name, else "declared")."""
    if not paths:
        return {}
    wanted = desired.load(paths)
    return {
        key.name: str(resource.fields.get("friendly_name") or "declared")
        for key, resource in wanted.resources.items()
        if key.kind == "phone_numbers"
    }


def rows(
    client: TwilioClient, limit: int, paths: Sequence[Path]
) -> Iterator[dict[str, Any]]:
    """Each number's record, plus ``routing`` (voice, sms) and ``manifest``."""
    names = declared(paths)
    apps_type = REGISTRY["applications"]
    apps = {
        app["sid"]: app.get("friendly_name") or app["sid"]
        for app in client.list(
            apps_type.api, apps_type.path(client.account_sid), apps_type.list_key
        )
    }
    numbers = REGISTRY["phone_numbers"]
    query = Query(
        numbers.api, numbers.path(client.account_sid), numbers.list_key, {}, limit
    )
    for record in stream(client, query):
        yield {
            **record,
            "voice_routing": _route(record, "voice", apps),
            "sms_routing": _route(record, "sms", apps),
            "manifest_name": names.get(record.get("phone_number", "")),
        }


def _route(record: dict[str, Any], channel: str, apps: dict[str, str]) -> str:
    app = record.get(f"{channel}_application_sid")
    if app:
        return f"app {apps.get(app, app)}"
    if channel == "voice" and record.get("trunk_sid"):
        return f"trunk {record['trunk_sid']}"
    url = record.get(f"{channel}_url")
    if url:
        return f"{record.get(f'{channel}_method') or 'POST'} {url}"
    return "-"
