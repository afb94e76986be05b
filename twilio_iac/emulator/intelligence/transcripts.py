"""Voice Intelligence v2: a few seeded transcripts and their sentences.

Transcripts list, fetch and delete as a kind; Sentences is an action, since
a sentence carries no link to its transcript in Twilio's shape (the store
keeps one, and the answer drops it). SIDs are derived from fixed names, not
the store's counter, so seeding shifts no other SID.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from ..http.actions import ActionCall, register_action
from ..http.kinds import Behaviour, Kind, register
from ..http.pages import select, verify_envelope
from ..http.problems import not_found
from ..store import Store, iso8601

SERVICE = "GA" + hashlib.sha256(b"sandbox:intelligence-service").hexdigest()[:32]
SENTENCES = "transcript_sentences"
# (language, duration in seconds, [(channel, start, end, text), …])
SEED: tuple[tuple[str, int, list[tuple[int, float, float, str]]], ...] = (
    (
        "en-US",
        42,
        [
            (1, 0.4, 3.1, "Thanks for calling Owl Bank, this is Sam speaking."),
            (2, 3.6, 7.9, "Hi Sam, I'd like to check why my card was declined."),
            (1, 8.3, 12.0, "Of course. Can you confirm the last four digits?"),
            (2, 12.5, 14.2, "Sure, it's four two four two."),
            (1, 14.9, 21.6, "Thank you. I see a fraud hold; I've removed it now."),
            (2, 22.0, 24.1, "Great, thanks for your help!"),
        ],
    ),
    (
        "en-US",
        18,
        [
            (1, 0.2, 2.8, "Hello, you've reached the front desk."),
            (2, 3.1, 6.7, "Hi, I'd like to move my appointment to Friday."),
            (1, 7.0, 10.4, "Friday at ten works. You're all set."),
        ],
    ),
    (
        "es-US",
        12,
        [
            (1, 0.3, 2.9, "Gracias por llamar, ¿en qué le puedo ayudar?"),
            (2, 3.4, 6.0, "Quisiera saber el estado de mi pedido."),
        ],
    ),
)


class Transcripts(Behaviour):
    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        records = store.records(SENTENCES)
        mine = [
            sid for sid, s in records.items() if s["transcript_sid"] == record["sid"]
        ]
        for sid in mine:
            del records[sid]


TRANSCRIPTS = register(
    Kind(
        name="transcripts",
        api="intelligence",
        collection="/v2/Transcripts",
        instance="/v2/Transcripts/{Sid}",
        list_key="transcripts",
        prefix="GT",
        schema="intelligence.v2.transcript",
        filters={
            "ServiceSid": "service_sid",
            "Status": "status",
            "LanguageCode": "language_code",
        },
        operations=frozenset({"list", "fetch", "delete"}),
        behaviour=Transcripts(),
        newest_first=True,
        links={
            "sentences": "Sentences",
            "media": "Media",
            "operator_results": "OperatorResults",
            "encrypted_sentences": "Sentences/Encrypted",
            "encrypted_operator_results": "OperatorResults/Encrypted",
        },
    )
)
# Not registered (no routes): the shape select() and the envelope page by.
SENTENCE_PAGES = Kind(
    name=SENTENCES,
    api="intelligence",
    collection="/v2/Transcripts/{TranscriptSid}/Sentences",
    instance="/v2/Transcripts/{TranscriptSid}/Sentences/{Sid}",
    list_key="sentences",
    prefix="GX",
    schema="intelligence.v2.transcript.sentence",
)


def _sid(prefix: str, name: str) -> str:
    return prefix + hashlib.sha256(f"sandbox:{name}".encode()).hexdigest()[:32]


def seed(store: Store, now: datetime) -> None:
    """The sandbox's transcripts, a day apart, the newest yesterday."""
    transcripts, sentences = store.records(TRANSCRIPTS.name), store.records(SENTENCES)
    # Stored oldest first, listed newest first: SEED[0] is the newest.
    for index, (language, duration, lines) in reversed(list(enumerate(SEED))):
        record = _transcript(store.account_sid, index, language, duration, now)
        transcripts[record["sid"]] = record
        for position, line in enumerate(lines):
            sentence = _sentence(record["sid"], index, position, line)
            sentences[sentence["sid"]] = sentence


def _transcript(
    account_sid: str, index: int, language: str, duration: int, now: datetime
) -> dict[str, Any]:
    moment = now - timedelta(days=index + 1)
    record = dict.fromkeys(TRANSCRIPTS.properties())
    record.update(
        sid=_sid("GT", f"transcript-{index}"),
        account_sid=account_sid,
        service_sid=SERVICE,
        date_created=iso8601(moment),
        date_updated=iso8601(moment + timedelta(seconds=duration + 30)),
        status="completed",
        channel={
            "media_properties": {"source_sid": _sid("RE", f"recording-{index}")},
            "participants": [
                {"channel_participant": 1, "role": "Agent"},
                {"channel_participant": 2, "role": "Customer"},
            ],
        },
        data_logging=False,
        language_code=language,
        media_start_time=iso8601(moment),
        duration=duration,
        redaction=False,
    )
    return record


def _sentence(
    transcript_sid: str, index: int, position: int, line: tuple[int, float, float, str]
) -> dict[str, Any]:
    channel, start, end, text = line
    return {
        "media_channel": channel,
        "sentence_index": position,
        "start_time": f"{start:.2f}",
        "end_time": f"{end:.2f}",
        "transcript": text,
        "sid": _sid("GX", f"transcript-{index}-{position}"),
        "confidence": "0.94",
        "words": None,
        "transcript_sid": transcript_sid,
    }


def sentences(store: Store, call: ActionCall) -> dict[str, Any]:
    transcript = call.ids["TranscriptSid"]
    record = store.records(TRANSCRIPTS.name).get(transcript)
    if record is None or record["account_sid"] != call.account:
        raise not_found(call.path)
    mine = [
        s
        for s in store.records(SENTENCES).values()
        if s["transcript_sid"] == transcript
    ]
    raw = {name: [_wire(value)] for name, value in call.values.items()}
    page = select(SENTENCE_PAGES, mine, call.values, raw)
    words = bool(call.values.get("WordTimestamps"))
    items = [_shown(s, words) for s in page.items]
    url = call.base_url + call.path
    return verify_envelope(
        SENTENCE_PAGES, url, page, items, call.values.get("PageToken")
    )


def _wire(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _shown(sentence: dict[str, Any], words: bool) -> dict[str, Any]:
    shown = {key: value for key, value in sentence.items() if key != "transcript_sid"}
    if words:
        shown["words"] = [
            {"word": word, "start_time": None, "end_time": None}
            for word in sentence["transcript"].split()
        ]
    return shown


register_action("GET", "/v2/Transcripts/{TranscriptSid}/Sentences", sentences)
