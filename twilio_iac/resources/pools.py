"""Pools, and the other parts an object holds beyond its own fields, per kind.

The vocabulary, used the same way in every layer:

- A **pool** (``Pool``) is a set of **members**: a Messaging Service's senders
  (phone numbers, short codes, alpha sender IDs) and a trunk's phone numbers.
  A member joins by one POST to the owner's sub-collection and leaves by one
  DELETE; a **membership** is one member in one owner's pool.
- **Children** are objects nested in the owner, each identified within it: a
  trunk's origination URLs. They have fields of their own, so unlike a pool's
  members they can also be changed in place.
- **Parts** are both together (``ResourceType.parts``): what the manifest
  writes under an owner and the planner changes one member or child at a time.

Settings kept under a sub-path (a trunk's Recording) are plain dotted Fields
with ``endpoint`` set on the owner. The planner, applier, live fetch, export
and schema read these declarations; nothing there names a kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from twilio_iac.resources.base import Field


@dataclass(frozen=True)
class Pool:
    """A set of members; in Twilio a member is in at most one owner's pool."""

    name: str  # manifest key, dotted when nested: "senders.phone_numbers"
    title: str  # "phone number", for messages
    collection: str  # under the owner's instance path: "/PhoneNumbers"
    list_key: str
    key: str  # the listed record's field that identifies a member
    param: str  # the create parameter naming the member
    # Members are objects of this kind, written by E.164 number or by the
    # friendly_name of a declared entry, and sent as their SIDs.
    member_kind: str | None = None
    pattern: str | None = None  # what a member written directly must match
    pattern_message: str = ""
    max_length: int | None = None
    max_items: int | None = None  # members one owner may hold at once
    exclusive: bool = True  # Twilio's rule: in one owner of this kind at most
    # The member field membership sets (a number's trunk_sid): the member
    # kind's Precedence rules for it then apply as if the entry set it, so a
    # setting Twilio ignores or clears on a member is refused offline.
    sets: str | None = None
    # (owner field, value, note): said on the line adding a member while the
    # owner's field has that value; a None field means always.
    join_notes: tuple[tuple[str | None, Any, str], ...] = ()
    description: str = ""

    def path(self, owner_path: str, sid: str | None = None) -> str:
        return owner_path + self.collection + (f"/{sid}" if sid else "")


def number_pool(name: str, **more: Any) -> Pool:
    """A pool of the account's phone numbers at the owner's /PhoneNumbers
    (a Messaging Service's senders, a SIP trunk's numbers)."""
    return Pool(
        name,
        "phone number",
        "/PhoneNumbers",
        "phone_numbers",
        key="phone_number",
        param="PhoneNumberSid",
        member_kind="phone_numbers",
        **more,
    )


def dig(data: Any, dotted: str) -> Any:
    """``dig(entry, "senders.phone_numbers")``: the nested value, or None."""
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


@dataclass(frozen=True)
class Children:
    """Objects nested in the owner, each identified by ``identity`` within it."""

    name: str  # manifest key: "origination_urls"
    title: str
    collection: str  # under the owner's instance path
    list_key: str
    identity: str
    fields: tuple[Field, ...]
    description: str = ""
    # Identity → fields of each child Twilio creates with the owner (a
    # workspace's Offline activity): adopted by name, never duplicated, and
    # kept when not listed unless the manifest's prune names "<kind>.<part>".
    adopted: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # A child may be pinned with ``sid:`` (a SID of this prefix) to the live
    # child of that SID, whatever its identity; "" where pins are not taken.
    prefix: str = ""
    # (manifest key, field): the key names a file, relative to the manifest,
    # whose JSON or YAML is the field's value (configuration_file).
    files: tuple[tuple[str, str], ...] = ()

    @property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def path(self, owner_path: str, sid: str | None = None) -> str:
        return owner_path + self.collection + (f"/{sid}" if sid else "")

    def create_params(self, values: dict[str, Any]) -> dict[str, Any]:
        """Twilio requires every field on create: defaults fill the gaps."""
        filled = {f.name: f.default for f in self.fields if f.default is not None}
        filled.update(values)
        return {self.by_name[name].request_param: v for name, v in filled.items()}

    @property
    def refers_to(self) -> frozenset[str]:
        """The owner's other parts whose children this one's fields name."""
        return frozenset(f.names_part for f in self.fields if f.names_part)


Part = Pool | Children
