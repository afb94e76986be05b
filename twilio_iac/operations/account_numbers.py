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

UNNAMED = "declared"  # in the manifests, with no friendly_name of its own


def renamed(record: dict[str, Any]) -> bool:
    """The live friendly_name is not the one the manifests give: drift that
    `plan` would change back."""
    wanted = record.get("manifest_name")
    return wanted not in (None, UNNAMED, record.get("friendly_name"))


def declared(paths: Sequence[Path]) -> dict[str, dict[str, str]]:
    """Per kind, identity → the name the manifests give it: a number's
    friendly_name (else "declared"), a trunk's own identity."""
    found: dict[str, dict[str, str]] = {"phone_numbers": {}, "sip_trunks": {}}
    if not paths:
        return found
    wanted = desired.load(paths)
    for key, resource in wanted.resources.items():
        if key.kind == "phone_numbers":
            name = resource.fields.get("friendly_name") or UNNAMED
            found[key.kind][key.name] = str(name)
        elif key.kind == "sip_trunks":
            found[key.kind][key.name] = key.name
    return found


def _names(client: TwilioClient, kind: str) -> dict[str, str]:
    """SID → friendly_name of the account's objects of ``kind``."""
    rt = REGISTRY[kind]
    return {
        item["sid"]: item.get("friendly_name") or item["sid"]
        for item in client.list(rt.api, rt.path(client.account_sid), rt.list_key)
    }


def rows(
    client: TwilioClient, limit: int, paths: Sequence[Path]
) -> Iterator[dict[str, Any]]:
    """Each number's record, plus ``routing`` (voice, sms) and ``manifest``."""
    names = declared(paths)
    apps = _names(client, "applications")
    # A trunk by its manifest name needs manifests that declare one; without,
    # its SID saves the request.
    trunks = {
        sid: name
        for sid, name in (
            _names(client, "sip_trunks") if names["sip_trunks"] else {}
        ).items()
        if name in names["sip_trunks"]
    }
    numbers = REGISTRY["phone_numbers"]
    query = Query(
        numbers.api, numbers.path(client.account_sid), numbers.list_key, {}, limit
    )
    for record in stream(client, query):
        yield {
            **record,
            "voice_routing": _route(record, "voice", apps, trunks),
            "sms_routing": _route(record, "sms", apps, trunks),
            "manifest_name": names["phone_numbers"].get(record.get("phone_number", "")),
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
