"""What the emulator knows about each collection, and the generic record logic.

A Kind names a collection's paths (spec templates), its response schema and
server-side defaults; a Behaviour adds the rules one kind has beyond plain
CRUD (purchase, references, in-use checks). Adding Messages or Calls later is
one more ``register(Kind(...))`` with ``operations`` narrowed to what they allow.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from twilio_iac.apis import CORE

from ..store import Record, Store, iso8601, rfc2822
from .caller import Caller
from .spec import load, snake

ALL_OPERATIONS = frozenset({"list", "create", "fetch", "update", "delete"})


class Behaviour:
    """Hooks for kind-specific rules; the defaults do nothing."""

    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        """Before the params are applied to a new record."""

    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        """After the params are applied, on create and update alike."""

    def on_update(self, store: Store, record: dict[str, Any], values: dict) -> None:
        """Before an update's params are applied to (a copy of) the record;
        raise ApiProblem to refuse, or change the record and the values."""

    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        """Before the record is removed; raise ApiProblem to refuse."""

    def on_fetch(self, store: Store, record: dict[str, Any], now: datetime) -> bool:
        """Before a fetch is answered; True when it changed the record."""
        return False

    def authorize(
        self,
        store: Store,
        caller: Caller,
        operation: str,
        ids: dict[str, str],
        values: dict,
    ) -> None:
        """Before any operation, with the path's ids and the checked params:
        raise ApiProblem when these credentials may not do it."""

    def scope(self, store: Store, caller: Caller) -> dict[str, Any]:
        """Fields a record must have for the caller to list it, beyond its
        account (the records of a kind with no account field: accounts)."""
        return {}

    def shown(
        self, store: Store, record: dict[str, Any], caller: Caller
    ) -> dict[str, Any]:
        """The record as this caller is answered it (a secret left out)."""
        return record


@dataclass(frozen=True)
class Kind:
    name: str
    api: str  # CORE or "verify"
    collection: str  # spec path template of the list
    instance: str  # spec path template of one record
    list_key: str
    prefix: str
    schema: str  # response component
    defaults: Mapping[str, Any] = field(default_factory=dict)
    filters: Mapping[str, str] = field(default_factory=dict)  # list param → field
    operations: frozenset[str] = ALL_OPERATIONS
    links: Mapping[str, str] = field(default_factory=dict)  # Verify: name → suffix
    # (path param, parent kind, record field): a collection nested in a parent.
    parent: tuple[str, str, str] | None = None
    behaviour: Behaviour = field(default_factory=Behaviour)
    newest_first: bool = False  # history (messages, calls…) lists newest first
    # Fields a list answers null (a flow's definition): read by fetching one.
    unlisted: frozenset[str] = frozenset()

    def properties(self) -> dict[str, dict[str, Any]]:
        return _properties(self.api, self.schema)

    def stamp(self, moment: datetime) -> str:
        return rfc2822(moment) if self.api == CORE else iso8601(moment)

    def uri(self, account_sid: str, sid: str) -> str:
        return self.instance.format(AccountSid=account_sid, Sid=sid)


@functools.cache
def _properties(api: str, schema: str) -> dict[str, dict[str, Any]]:
    return load().properties(api, schema)


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.name in KINDS:
        raise ValueError(f"emulator kind {kind.name!r} is registered twice")
    KINDS[kind.name] = kind
    return kind


def new_record(
    kind: Kind,
    store: Store,
    moment: datetime,
    sid: str | None,
    account_sid: str | None = None,
) -> dict:
    """A record with every response property: defaults, else null.

    It belongs to ``account_sid`` (a subaccount), else to the main account.
    """
    account_sid = account_sid or store.account_sid
    record: dict[str, Any] = Record.fromkeys(kind.properties())
    record.update(copy.deepcopy(dict(kind.defaults)))
    record["sid"] = sid or store.new_sid(kind.prefix)
    if "account_sid" in record:
        record["account_sid"] = account_sid
    record["date_created"] = record["date_updated"] = kind.stamp(moment)
    if kind.api == CORE:
        record["uri"] = kind.uri(account_sid, record["sid"])
    return record


def apply_values(kind: Kind, record: dict[str, Any], values: Mapping[str, Any]) -> None:
    """Set each param's response field; write-only params (AreaCode) are skipped.

    An empty param arrives as None and clears the field, except for
    non-nullable fields, which fall back to their server-side default.
    """
    props = kind.properties()
    for param, value in values.items():
        head, *rest = snake(param).split(".")
        if head not in props:
            continue
        if not rest:
            nullable = props[head].get("nullable", False)
            record[head] = (
                kind.defaults.get(head) if value is None and not nullable else value
            )
            continue
        target = record[head] if isinstance(record.get(head), dict) else {}
        record[head] = target
        for part in rest[:-1]:
            target = target.setdefault(part, {})
        target[rest[-1]] = value


def render(kind: Kind, record: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The response body of one record; Verify URLs depend on the request's host."""
    if kind.api == CORE:
        return record
    parent = record.get(kind.parent[2]) if kind.parent else None
    ids = {kind.parent[0]: parent} if kind.parent else {}
    url = base_url + kind.instance.format(Sid=record["sid"], **ids)
    if not kind.links:
        return {**record, "url": url}
    links = {name: f"{url}/{suffix}" for name, suffix in kind.links.items()}
    return {**record, "url": url, "links": links}
