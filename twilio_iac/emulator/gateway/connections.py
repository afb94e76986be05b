"""The managed-OAuth gateway's control endpoints (connection management).

Shapes follow the gateway's published docs: ``GET /connections?app=&status=``
answers ``{"connections": [...]}``; ``POST /connections`` with the JSON body
``{"app": "twilio"}`` creates a PENDING connection whose ``url`` is opened in a
browser to authorise it; ``GET``/``DELETE /connections/{id}`` answer
``{"connection": {...}}``. The sandbox authorises a new connection at its
first read after creation, as if the browser step had happened. A fresh
sandbox holds one ACTIVE Twilio connection. Any bearer key is accepted (the
sandbox checks no gateway key), as are the sandbox's own credentials.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from ..http.problems import INVALID_PARAMETER, ApiProblem, not_found
from ..store import Store

KIND = "gateway_connections"  # the store's collection; records keyed by id
STATUSES = ("ACTIVE", "PENDING", "FAILED")
_INSTANCE = re.compile(r"^/connections/(?P<id>[^/]+)$")
_FIELDS = ("connection_id", "status", "creation_time", "last_updated_time", "url")


def handles(path: str) -> bool:
    return path in ("/connections", "/connect") or bool(_INSTANCE.match(path))


def handle(
    store: Store,
    method: str,
    path: str,
    query: str,
    body: bytes,
    base_url: str,
    now: datetime,
) -> tuple[int, Any, bool]:
    """Status, JSON body and whether the state changed."""
    records = store.records(KIND)
    if path == "/connect" and method == "GET":  # the browser step, authorised
        return _connect(records, query, base_url, now)
    if path == "/connections":
        if method == "GET":
            changed = _authorise_pending(records, now)
            listed = _listed(records, query, base_url)
            return 200, {"connections": listed}, changed
        if method == "POST":
            record = _create(store, _json(body), now)
            return 200, {"connection": _render(record, base_url)}, True
        raise _method_not_allowed(method, "GET, POST")
    found = _INSTANCE.match(path)
    assert found is not None  # handles() said so
    record = records.get(found["id"])
    if record is None:
        raise not_found(path)
    if method == "GET":
        changed = _authorise_pending({record["sid"]: record}, now)
        return 200, {"connection": _render(record, base_url)}, changed
    if method == "DELETE":
        del records[record["sid"]]
        return 200, {"connection": _render(record, base_url)}, True
    raise _method_not_allowed(method, "GET, DELETE")


def _connect(
    records: dict, query: str, base_url: str, now: datetime
) -> tuple[int, Any, bool]:
    token = (parse_qs(query).get("session_token") or [""])[-1]
    for record in records.values():
        if token and record["url"].endswith(f"session_token={token}"):
            changed = _authorise_pending({record["sid"]: record}, now)
            return 200, {"connection": _render(record, base_url)}, changed
    raise not_found("/connect")


def seed(store: Store, now: datetime) -> None:
    """The one active Twilio connection a fresh sandbox has."""
    # Not from the SID counter: seeding must not shift the SIDs that follow.
    digits = hashlib.sha256(f"{store.account_sid}:connection".encode()).hexdigest()
    record = _new(store, "twilio", now, digits[:32], digits[32:64])
    record["status"] = "ACTIVE"
    store.records(KIND)[record["sid"]] = record


def _create(store: Store, body: Any, now: datetime) -> dict:
    if not isinstance(body, dict) or not isinstance(body.get("app"), str):
        raise ApiProblem(
            400, INVALID_PARAMETER, 'The body must be JSON like {"app": "twilio"}'
        )
    digits, session = store.new_sid(""), store.new_sid("")
    record = _new(store, body["app"], now, digits, session)
    store.records(KIND)[record["sid"]] = record
    return record


def _new(store: Store, app: str, now: datetime, digits: str, session: str) -> dict:
    """A PENDING connection; ``digits``: 32 hex digits that make its id."""
    connection_id = "-".join(
        digits[a:b] for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
    )
    stamp = _stamp(now)
    return {
        "sid": connection_id,
        "connection_id": connection_id,
        "status": "PENDING",
        "creation_time": stamp,
        "last_updated_time": stamp,
        "url": f"/connect?session_token={session}",
        "app": app,
        "metadata": {},
    }


def _authorise_pending(records: dict[str, dict], now: datetime) -> bool:
    changed = False
    for record in records.values():
        if record["status"] == "PENDING":
            record.update(status="ACTIVE", last_updated_time=_stamp(now))
            changed = True
    return changed


def _listed(records: dict[str, dict], query: str, base_url: str) -> list[dict]:
    wanted = {key: values[-1] for key, values in parse_qs(query).items()}
    status = wanted.get("status")
    if status is not None and status not in STATUSES:
        raise ApiProblem(
            400, INVALID_PARAMETER, f"status must be one of {', '.join(STATUSES)}"
        )
    return [
        _render(record, base_url)
        for record in records.values()
        if wanted.get("app", record["app"]) == record["app"]
        and (status is None or record["status"] == status)
    ]


def _render(record: dict, base_url: str) -> dict:
    # Stored relative (the seeded connection is made before any request names
    # the base URL); every answer gives it absolute, on the URL asked.
    url = record["url"]
    return {
        **{name: record[name] for name in _FIELDS},
        "url": base_url + url if url.startswith("/") else url,
        "app": record["app"],
        "metadata": record["metadata"],
    }


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        raise ApiProblem(400, INVALID_PARAMETER, "The body is not JSON") from None


def _method_not_allowed(method: str, allowed: str) -> ApiProblem:
    return ApiProblem(405, 20004, f"Method {method} not allowed; use {allowed}")


def _stamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
