"""A page of records that an action lists (searches, nested lists), with the
2010 envelope, each record shown with its schema's properties only."""

from __future__ import annotations

from typing import Any

from twilio_iac.apis import CORE

from ..http.actions import ActionCall
from ..http.kinds import Kind
from ..http.pages import select, v2010_envelope, verify_envelope


def page_of(kind: Kind, call: ActionCall, records: list[dict]) -> dict[str, Any]:
    """``kind`` is a pager only (unregistered): its list key and schema."""
    raw = {name: [_wire(value)] for name, value in call.values.items()}
    page = select(kind, records, call.values, raw)
    items = [shown(kind, record) for record in page.items]
    token = call.values.get("PageToken")
    if kind.api == CORE:
        return v2010_envelope(kind, call.path, page, items, token)
    return verify_envelope(kind, call.base_url + call.path, page, items, token)


def shown(kind: Kind, record: dict[str, Any]) -> dict[str, Any]:
    return {key: record.get(key) for key in kind.properties()}


def _wire(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)
