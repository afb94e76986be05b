"""What owners hold (resources/parts.py): fetched, planned and applied.

Live: an owner's Resource carries each pool as {member key: record SID} and
each children list as {identity: {"sid": …, field: value}}, next to its own
fields; one paged list per owner and part, owners fetched concurrently.

Plan: a declared pool is the exact pool. Every difference is one Held change
of its own (a member joins or leaves, a child is added, changed or removed,
settings under a sub-path are set), so the applier runs it as a step with
explicit dependencies (``after``): an owner is created before members join,
members leave before their owner is deleted, and a member moving between
owners leaves its old pool before it joins the new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from twilio_iac.model import Key, Ref, Resource
from twilio_iac.reconcile.plan import (
    AddHeld,
    Change,
    Create,
    Delete,
    FieldChange,
    Held,
    RemoveHeld,
    SetHeld,
)
from twilio_iac.resources import REGISTRY, ResourceType
from twilio_iac.resources.parts import Children, Pool

Members = Mapping[tuple[str, str], "str | Ref | None"]


class Lister(Protocol):
    """What reading live state needs of a client (live.py and here)."""

    def list(self, api: str, path: str, list_key: str) -> list[dict[str, Any]]: ...


# --- live ---------------------------------------------------------------------


def fetch(client: Lister, rt: ResourceType, owners: list[Resource]) -> list[Resource]:
    """The owners with what they hold added to their fields."""
    if not rt.parts or not owners:
        return owners
    with ThreadPoolExecutor(max_workers=min(8, len(owners))) as pool:
        return list(pool.map(lambda r: _with_parts(client, rt, r), owners))


def _with_parts(client: Lister, rt: ResourceType, owner: Resource) -> Resource:
    base = rt.path("", owner.sid)
    fields = dict(owner.fields)
    for part in rt.parts:
        records = client.list(rt.api, part.path(base), part.list_key)
        if isinstance(part, Pool):
            fields[part.name] = {str(r.get(part.key)): r.get("sid") for r in records}
        else:
            fields[part.name] = {
                str(r.get(part.identity)): {"sid": r.get("sid")}
                | {f.name: f.normalize(r.get(f.name)) for f in part.fields}
                for r in records
            }
    return Resource(owner.kind, owner.name, fields, owner.sid, owner.location)


def own_fields(rt: ResourceType, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the owner's own create/update sends (no parts, no fields
    written at a sub-path)."""
    return {
        name: value
        for name, value in fields.items()
        if name in rt.by_name and not rt.by_name[name].endpoint
    }


# --- plan ---------------------------------------------------------------------


def plan(
    pairs: Mapping[Key, tuple[Resource, Resource | None]],
    changes: Mapping[Key, Change],
    members: Members,
    problems: list[str],
    labels: Mapping[tuple[str, str], str] | None = None,
) -> list[Held]:
    """Held changes for every declared owner (``pairs``: desired, live).
    ``members`` maps (kind, identity) to the SID a pool add sends, or to a Ref
    when this plan creates (buys) the member; ``labels`` (kind, identity) to
    the manifest's name for a member, shown for one that leaves."""
    result: list[Held] = []
    for key, (want, have) in pairs.items():
        rt = REGISTRY[key.kind]
        if not rt.parts and not endpoint_fields(rt, want):
            continue
        created = isinstance(changes.get(key), Create)
        result += _settings(rt, want, have, created)
        for part in rt.parts:
            if part.name not in want.fields:
                continue  # left out: unmanaged
            before = have.fields.get(part.name, {}) if have else {}
            if isinstance(part, Pool):
                result += _pool(
                    rt, part, want, have, before, members, changes, problems,
                    labels or {},
                )  # fmt: skip
            else:
                result += _children(rt, part, want, have, before)
    return result


def endpoint_fields(rt: ResourceType, want: Resource) -> list[str]:
    return [n for n in want.fields if n in rt.by_name and rt.by_name[n].endpoint]


def _settings(
    rt: ResourceType, want: Resource, have: Resource | None, created: bool
) -> list[Held]:
    """Fields written at a sub-path: one SetHeld per sub-path with changes."""
    by_path: dict[str, list[FieldChange]] = {}
    for name in endpoint_fields(rt, want):
        field = rt.by_name[name]
        before = have.fields.get(name) if have else None
        after = want.fields[name]
        if have is not None and before == after:
            continue
        if have is None and after == field.default:
            continue  # a new object starts with Twilio's default
        by_path.setdefault(field.endpoint or "", []).append(
            FieldChange(name, before, after)
        )
    return [
        SetHeld(
            rt.kind,
            want.name,
            have.sid if have else None,
            tuple(fcs),
            {fc.name: fc.after for fc in fcs},
            part=path.strip("/").lower(),
            member="",
            target=path,
            after=_after_owner(rt.kind, want.name, created),
        )
        for path, fcs in by_path.items()
    ]


def _pool(
    rt: ResourceType,
    pool: Pool,
    want: Resource,
    have: Resource | None,
    before: Mapping[str, str],
    members: Members,
    gone: Mapping[Key, Change],
    problems: list[str],
    labels: Mapping[tuple[str, str], str],
) -> list[Held]:
    wanted: Mapping[str, str] = want.fields[pool.name]
    sid = have.sid if have else None
    removals: list[Held] = [
        RemoveHeld(
            rt.kind,
            want.name,
            sid,
            part=pool.name,
            member=labels.get((pool.member_kind or "", key), key),
            key=key,
            target=record_sid,
        )
        for key, record_sid in before.items()
        if key not in wanted
    ]
    # A pool that holds few members at once (one sender ID) makes room first.
    room = tuple(r.step_id for r in removals) if pool.max_items else ()
    result: list[Held] = []
    for key, label in wanted.items():
        if key in before:
            continue
        target: Any = key
        after = _after_owner(rt.kind, want.name, have is None)
        if pool.member_kind:
            target = members.get((pool.member_kind, key))
            if isinstance(target, Ref):  # bought by this plan
                after += (f"create:{target.kind}:{target.name}",)
            if isinstance(gone.get(Key(pool.member_kind, key)), Delete):
                problems.append(
                    f'{want.location} {rt.kind} "{want.name}" {pool.name}: '
                    f"{label} is in the pool, but this plan releases it (prune). "
                    "Declare it under phone_numbers, or take it out of the pool."
                )
                continue
            if target is None:
                problems.append(
                    f'{want.location} {rt.kind} "{want.name}" {pool.name}: '
                    f"{label} is not a phone number of this account. Buy it first "
                    "(declare it under phone_numbers with `purchase: true`), or "
                    "remove it from the pool."
                )
                continue
        result.append(
            AddHeld(
                rt.kind,
                want.name,
                sid,
                notes=_join_notes(pool, want, have),
                part=pool.name,
                member=label,
                key=key,
                target=target,
                after=after + room,
            )
        )
    return result + removals


def _join_notes(pool: Pool, want: Resource, have: Resource | None) -> tuple[str, ...]:
    notes = []
    for field, value, note in pool.join_notes:
        if field is None:
            notes.append(note)
            continue
        current = want.fields.get(field, have.fields.get(field) if have else None)
        if current is None:
            current = REGISTRY[want.kind].by_name[field].default
        if current == value:
            notes.append(note)
    return tuple(notes)


def _children(
    rt: ResourceType,
    part: Children,
    want: Resource,
    have: Resource | None,
    before: Mapping[str, Mapping[str, Any]],
) -> list[Held]:
    wanted: Mapping[str, Mapping[str, Any]] = want.fields[part.name]
    sid = have.sid if have else None
    after = _after_owner(rt.kind, want.name, have is None)
    result: list[Held] = []
    for name, fields in wanted.items():
        live = before.get(name)
        if live is None:
            shown = tuple(
                FieldChange(n, None, v) for n, v in fields.items() if n != part.identity
            )
            result.append(
                AddHeld(
                    rt.kind,
                    want.name,
                    sid,
                    shown,
                    dict(fields),
                    part=part.name,
                    member=name,
                    key=name,
                    target=None,
                    after=after,
                )
            )
            continue
        changed = tuple(
            FieldChange(n, live.get(n), v)
            for n, v in fields.items()
            if live.get(n) != v
        )
        if changed:
            result.append(
                SetHeld(
                    rt.kind,
                    want.name,
                    sid,
                    changed,
                    {fc.name: fc.after for fc in changed},
                    part=part.name,
                    member=name,
                    key=name,
                    target=live["sid"],
                )
            )
    for name, live in before.items():
        if name not in wanted:
            result.append(
                RemoveHeld(
                    rt.kind,
                    want.name,
                    sid,
                    part=part.name,
                    member=name,
                    key=name,
                    target=live["sid"],
                )
            )
    return result


def _after_owner(kind: str, name: str, created: bool) -> tuple[str, ...]:
    return (f"create:{kind}:{name}",) if created else ()


def evictions(
    changes: list[Held], live: Iterable[Resource], ignored: set[Key]
) -> tuple[list[Held], list[str]]:
    """A member joining an exclusive pool while it sits in the same pool of an
    owner the plan does not touch there (undeclared, or its pool left out)
    must leave that owner first: Twilio refuses it otherwise (21710)."""
    leaving = {(c.kind, c.part, c.key) for c in changes if isinstance(c, RemoveHeld)}
    where = {
        (r.kind, part.name, key): (r, sid)
        for r in live
        for part in REGISTRY[r.kind].parts
        if isinstance(part, Pool) and part.exclusive
        for key, sid in (r.fields.get(part.name) or {}).items()
    }
    added: list[Held] = []
    problems: list[str] = []
    for c in changes:
        spot = (c.kind, c.part, c.key)
        if not isinstance(c, AddHeld) or spot in leaving or spot not in where:
            continue
        owner, record_sid = where[spot]
        if owner.name == c.name:
            continue
        if owner.key in ignored:
            problems.append(
                f'{c.kind} "{c.name}" {c.part}: {c.member} is in {owner.kind} '
                f'"{owner.name}", which an ignore rule hands to someone else, and '
                f"Twilio allows it in one {REGISTRY[c.kind].title} only. Take it "
                "out of that pool first, or narrow the ignore rule."
            )
            continue
        added.append(
            RemoveHeld(
                owner.kind,
                owner.name,
                owner.sid,
                notes=("the manifests do not manage this pool",),
                part=c.part,
                member=c.key,
                key=c.key,
                target=record_sid,
            )
        )
        leaving.add(spot)
    return changes + added, problems


def moves(changes: list[Held]) -> list[Held]:
    """A member leaving one exclusive pool and joining another of the same kind
    is a move: said on both lines, the join waits for the leave, and the leave
    for the new owner's create."""
    leaving = {
        (c.kind, c.part, c.key): c
        for c in changes
        if isinstance(c, RemoveHeld) and _exclusive(c)
    }
    joining = {
        (c.kind, c.part, c.key): c
        for c in changes
        if isinstance(c, AddHeld) and _exclusive(c)
    }
    result = []
    for c in changes:
        other = (joining if isinstance(c, RemoveHeld) else leaving).get(
            (c.kind, c.part, c.key)
        )
        if other is None or other.name == c.name or isinstance(c, SetHeld):
            result.append(c)
            continue
        if isinstance(c, RemoveHeld):
            # Into an owner this run creates: leave once it exists, so a failed
            # create leaves the member where it was rather than in no pool.
            made = f"create:{other.kind}:{other.name}"
            result.append(c.moving(other.name, made if made in other.after else None))
        else:
            result.append(c.moving(other.name, other.step_id))
    return result


def _exclusive(change: Held) -> bool:
    part = REGISTRY[change.kind].held.get(change.part)
    return isinstance(part, Pool) and part.exclusive


def removals_before_delete(
    deletes: Iterable[Delete], live: Mapping[str | None, Resource]
) -> list[Held]:
    """Each pool member of an owner being deleted leaves first (``live`` by SID)."""
    result: list[Held] = []
    for change in deletes:
        rt = REGISTRY[change.kind]
        have = live.get(change.sid)
        if have is None or not rt.parts:
            continue
        for part in rt.parts:
            if not isinstance(part, Pool):
                continue
            for key, record_sid in have.fields.get(part.name, {}).items():
                result.append(
                    RemoveHeld(
                        rt.kind,
                        change.name,
                        change.sid,
                        part=part.name,
                        member=key,
                        key=key,
                        target=record_sid,
                    )
                )
    return result


# --- apply --------------------------------------------------------------------


def request(
    change: Held, account_sid: str, known: Mapping[Ref, str], lenient: bool = False
) -> tuple[str, str, str, dict[str, Any]]:
    """(method, api, path, params) of one held change. Owners and members made
    earlier in the run are looked up in ``known``; with ``lenient`` (showing
    the requests before apply) an unknown one stays a reference."""
    rt = REGISTRY[change.kind]
    owner: Any = change.sid or known.get(Ref(change.kind, change.name))
    if owner is None:
        if not lenient:
            raise KeyError(f"{change.label} has no SID yet")
        owner = "{" + f"{change.kind}:{change.name}" + "}"
    base = rt.path(account_sid, owner)
    if change.part not in rt.held:  # settings at a sub-path
        params = {rt.by_name[n].request_param: v for n, v in change.send.items()}
        return "POST", rt.api, base + str(change.target), params
    part = rt.held[change.part]
    if isinstance(change, RemoveHeld):
        return "DELETE", rt.api, part.path(base, str(change.target)), {}
    if isinstance(part, Pool):
        target = change.target
        if isinstance(target, Ref):
            shown = "{" + f"{target.kind}:{target.name}" + "}" if lenient else None
            target = known.get(target, shown)
            if target is None:
                raise KeyError(f"{change.target} has no SID yet")
        return "POST", rt.api, part.path(base), {part.param: target}
    if isinstance(change, AddHeld):
        return "POST", rt.api, part.path(base), part.create_params(dict(change.send))
    params = {part.by_name[n].request_param: v for n, v in change.send.items()}
    return "POST", rt.api, part.path(base, str(change.target)), params


class Writer(Protocol):
    def create(
        self,
        api: str,
        path: str,
        params: Mapping[str, Any],
        *,
        find_existing: Callable[[], dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]: ...
    def update(
        self, api: str, path: str, params: Mapping[str, Any]
    ) -> dict[str, Any]: ...
    def delete(self, api: str, path: str) -> None: ...


def run(
    change: Held, client: Writer, account_sid: str, known: Mapping[Ref, str]
) -> str | None:
    method, api, path, params = request(change, account_sid, known)
    if method == "DELETE":
        client.delete(api, path)
        return None
    if isinstance(change, AddHeld):
        record = client.create(api, path, params)
        return record.get("sid")
    client.update(api, path, params)
    return None
