"""Values that name an owner's children (resources/base.py ``names_part``),
as the wire takes them: the child's SID for a plain field, and a JSON string
whose names at ``name_paths`` are SIDs for a document. A value already
written as a SID is sent as written; so is any SID inside a filter
expression, which is text to Twilio (and to twilio-iac)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from twilio_iac.manifests import nested
from twilio_iac.resources import Field


def sent(field: Field, value: Any, find: Callable[[str, str], str]) -> Any:
    if not field.names_part:
        return json.dumps(value) if field.type == "json" else value
    part = field.names_part

    def swap(name: Any) -> Any:
        if not isinstance(name, str) or nested.SID.match(name):
            return name
        return find(part, name)

    if field.type == "json":
        return json.dumps(nested.replace_at(value, field.name_paths, swap))
    return swap(value)
