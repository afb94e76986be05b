"""Call recordings: made for calls placed with Record=true, downloadable.

A recording starts with its call (status in-progress) and completes with it,
with the call's duration; a call that is never answered leaves none. Its
audio, at the record's URI with ``.mp3`` or ``.wav`` instead of ``.json``, is
one second of silence: small, and valid in both formats.
"""

from __future__ import annotations

import functools
import io
import wave
from decimal import Decimal
from typing import Any

from twilio_iac.apis import CORE

from ..http.actions import ActionCall, Binary, register_action
from ..http.kinds import Kind, register
from ..http.problems import not_found
from ..store import Store

P = "/2010-04-01/Accounts/{AccountSid}"
PUBLIC_API = "https://api.twilio.com"
RECORDING_PRICE = Decimal("0.0025")  # USD per started minute
_MP3_FRAME = 104  # bytes: MPEG-1 Layer III, 32 kbit/s, 44.1 kHz, no padding
_MP3_FRAMES = 39  # 39 × 1152 samples ≈ 1 s

RECORDINGS = register(
    Kind(
        name="recordings",
        api=CORE,
        collection=f"{P}/Recordings.json",
        instance=f"{P}/Recordings/{{Sid}}.json",
        list_key="recordings",
        prefix="RE",
        schema="api.v2010.account.recording",
        defaults={
            "api_version": "2010-04-01",
            "channels": 1,
            "source": "OutboundAPI",
            "price_unit": "USD",
        },
        filters={
            "CallSid": "call_sid",
            "DateCreated": "date_created",
            "DateCreated<": "date_created",
            "DateCreated>": "date_created",
        },
        operations=frozenset({"list", "fetch", "delete"}),
        newest_first=True,
    )
)


def start(store: Store, call: dict[str, Any]) -> None:
    """A call placed with Record=true starts its recording."""
    sid = store.new_sid(RECORDINGS.prefix)
    record = dict.fromkeys(RECORDINGS.properties())
    record.update(RECORDINGS.defaults)
    uri = RECORDINGS.uri(call["account_sid"], sid)
    base = uri.removesuffix(".json")
    record.update(
        sid=sid,
        account_sid=call["account_sid"],
        call_sid=call["sid"],
        date_created=call["date_created"],
        date_updated=call["date_created"],
        start_time=call["date_created"],
        status="in-progress",
        uri=uri,
        media_url=PUBLIC_API + base,
        subresource_uris={
            "add_on_results": f"{base}/AddOnResults.json",
            "transcriptions": f"{base}/Transcriptions.json",
        },
    )
    store.records(RECORDINGS.name)[sid] = record


def finish(store: Store, call: dict[str, Any]) -> None:
    """The call ended: its recordings complete, or vanish if it was never answered."""
    records = store.records(RECORDINGS.name)
    for sid, record in list(records.items()):
        if record["call_sid"] != call["sid"] or record["status"] != "in-progress":
            continue
        seconds = int(call.get("duration") or 0)
        if call["status"] != "completed" or seconds == 0:
            del records[sid]
            continue
        minutes = -(-seconds // 60)
        record.update(
            status="completed",
            duration=str(seconds),
            price=f"-{RECORDING_PRICE * minutes:.5f}",
            date_updated=call["date_updated"],
        )


@functools.cache
def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 8000)
    return out.getvalue()


@functools.cache
def mp3() -> bytes:
    # Frame header FF FB 10 C4: sync, MPEG-1, Layer III, no CRC, 32 kbit/s,
    # 44.1 kHz, mono. An all-zero side info and body decodes as silence.
    frame = bytes.fromhex("FFFB10C4") + bytes(_MP3_FRAME - 4)
    return frame * _MP3_FRAMES


FORMATS = {"mp3": ("audio/mpeg", mp3), "wav": ("audio/x-wav", wav)}


def audio(store: Store, call: ActionCall, fmt: str) -> Binary:
    record = store.records(RECORDINGS.name).get(call.ids["Sid"])
    if (
        record is None
        or record["account_sid"] != call.account
        or record["status"] != "completed"
    ):
        raise not_found(call.path)
    content_type, make = FORMATS[fmt]
    return Binary(content_type, make())


for _fmt in FORMATS:
    register_action(
        "GET",
        f"{P}/Recordings/{{Sid}}.{_fmt}",
        lambda store, call, fmt=_fmt: audio(store, call, fmt),
    )
