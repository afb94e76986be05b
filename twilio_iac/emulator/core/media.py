"""Message media: the files an MMS carries, listed under their message.

The sandbox never fetches a MediaUrl (no network): each becomes a Media
record whose content type comes from the URL's extension, and whose file is a
tiny valid placeholder of that type, served at the record's URI without
``.json`` as Twilio serves media content.
"""

from __future__ import annotations

import base64
import mimetypes
from typing import Any
from urllib.parse import urlsplit

from twilio_iac.apis import CORE

from ..http.actions import ActionCall, Binary, register_action
from ..http.kinds import Kind, register
from ..http.problems import not_found
from ..store import Store

P = "/2010-04-01/Accounts/{AccountSid}"
# 1×1 pixel images and the smallest valid PDF, for the common MMS types.
PLACEHOLDERS = {
    "image/png": base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
        "awAAAABJRU5ErkJggg=="
    ),
    "image/gif": base64.b64decode(
        "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    ),
    "image/jpeg": base64.b64decode(
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRof"
        "Hh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAAB"
        "AAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q=="
    ),
    "application/pdf": b"%PDF-1.0\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj "
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
}
DEFAULT_TYPE = "image/jpeg"

MEDIA = register(
    Kind(
        name="media",
        api=CORE,
        collection=f"{P}/Messages/{{MessageSid}}/Media.json",
        instance=f"{P}/Messages/{{MessageSid}}/Media/{{Sid}}.json",
        list_key="media_list",
        prefix="ME",
        schema="api.v2010.account.message.media",
        filters={
            "DateCreated": "date_created",
            "DateCreated<": "date_created",
            "DateCreated>": "date_created",
        },
        operations=frozenset({"list", "fetch", "delete"}),
        parent=("MessageSid", "messages", "parent_sid"),
    )
)


def content_type(url: str) -> str:
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed if guessed in PLACEHOLDERS else DEFAULT_TYPE


def add_media(store: Store, message: dict[str, Any], urls: list[str]) -> None:
    """One Media record per MediaUrl of a new message."""
    records = store.records(MEDIA.name)
    base = message["uri"].removesuffix(".json")
    for url in urls:
        sid = store.new_sid(MEDIA.prefix)
        record = dict.fromkeys(MEDIA.properties())
        record.update(
            sid=sid,
            account_sid=message["account_sid"],
            parent_sid=message["sid"],
            content_type=content_type(url),
            date_created=message["date_created"],
            date_updated=message["date_created"],
            uri=f"{base}/Media/{sid}.json",
        )
        records[sid] = record


def remove_media(store: Store, message_sid: str) -> None:
    """A deleted message takes its media with it, as on Twilio."""
    records = store.records(MEDIA.name)
    for sid in [s for s, r in records.items() if r["parent_sid"] == message_sid]:
        del records[sid]


def media_file(store: Store, call: ActionCall) -> Binary:
    record = store.records(MEDIA.name).get(call.ids["Sid"])
    if (
        record is None
        or record["parent_sid"] != call.ids["MessageSid"]
        or record["account_sid"] != call.account
    ):
        raise not_found(call.path)
    kind = record["content_type"]
    return Binary(kind, PLACEHOLDERS.get(kind, PLACEHOLDERS[DEFAULT_TYPE]))


register_action(
    "GET", f"{P}/Messages/{{MessageSid}}/Media/{{Sid}}", media_file, "[^/.]+"
)
