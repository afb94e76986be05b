"""The plan's steps as a dependency graph, so that apply can run the rest at once.

A step waits only for what it needs:
- a write that sends a reference waits for the create of the object it names
  (its SID is known only once that create lands);
- in a replace, the old object's delete waits for the new one's create;
- a delete waits for every write that moves a reference away from the object
  it deletes (nothing may point at a deleted object), and for the deletes of
  the objects that point at it. Only real references count: a failed create of
  one application must not hold back the deletes of the others in a rename. A
  delete that does not say what it points at (a duplicate copy, deleted by
  --dedupe) is assumed to point at anything of the kinds it may reference.
- a change that names steps in ``after`` (what an owner holds: pool members,
  children) waits for them; an owner's or member's delete waits for those;
- a member's own write waits for it to leave a pool whose membership sets a
  field on it (a number's trunk_sid): setting the number's voice application
  clears trunk_sid, so the removal would otherwise find no member (404).
Plan order (``Graph.steps``) is a topological order of these edges, so one
step at a time in that order is today's strictly sequential apply.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from twilio_iac.model import Ref
from twilio_iac.reconcile.plan import (
    AddMember,
    Change,
    Create,
    Delete,
    Plan,
    RemoveMember,
    Replace,
)
from twilio_iac.resources import REGISTRY, apply_order
from twilio_iac.resources.pools import Children, Pool


@dataclass(frozen=True)
class Step:
    index: int  # position in plan order
    phase: str  # "write" or "delete"
    change: Change

    @property
    def label(self) -> str:
        c = self.change
        if isinstance(c, Replace):
            what = "create replacement for" if self.phase == "write" else "delete old"
            return f"{what} {c.label}" + (
                f" ({c.sid})" if self.phase == "delete" else ""
            )
        if isinstance(c, Delete):
            verb = "release" if c.guarded else "delete"
            return f"{verb} {c.label} ({c.sid})"
        verb = "purchase" if isinstance(c, Create) and c.purchase else c.action
        return f"{verb} {c.label}"


@dataclass(frozen=True)
class Graph:
    steps: tuple[Step, ...]
    needs: tuple[frozenset[int], ...]  # per step: indexes of the steps it waits for

    def dependents(self) -> list[list[int]]:
        """Per step: the steps that wait for it, in plan order."""
        out: list[list[int]] = [[] for _ in self.steps]
        for index, needs in enumerate(self.needs):
            for need in needs:
                out[need].append(index)
        return out


def ordered_steps(plan: Plan) -> list[Step]:
    """Writes in plan order, then deletes in reverse dependency order."""
    position = {kind: i for i, kind in enumerate(apply_order())}
    writes = _leaving_first([c for c in plan.changes if not isinstance(c, Delete)])
    removals = [c for c in plan.changes if isinstance(c, (Delete, Replace))]
    removals.sort(key=lambda c: (-position[c.kind], c.name))
    phased = [("write", c) for c in writes] + [("delete", c) for c in removals]
    return [Step(i, phase, change) for i, (phase, change) in enumerate(phased)]


def _leaving_first(writes: list[Change]) -> list[Change]:
    """Each member leaving a field-setting pool moved to just before the
    member's own write. Owners come before members in apply order, so what
    the leave waits for (a new owner's create) stays before it."""
    own = {(c.kind, c.sid) for c in writes if c.sid and not getattr(c, "part", None)}
    pending: dict[tuple[str, Any], list[Change]] = defaultdict(list)
    for c in writes:
        kind = _unsets(c)
        if kind is not None and (kind, c.target) in own:
            pending[(kind, c.target)].append(c)
    moved = {id(c) for group in pending.values() for c in group}
    result: list[Change] = []
    for c in writes:
        if id(c) in moved:
            continue
        if not getattr(c, "part", None):
            result += pending.pop((c.kind, c.sid), [])
        result.append(c)
    return result


def build(plan: Plan) -> Graph:
    steps = ordered_steps(plan)
    index = _Index.of(steps)
    referrers = _referrers()
    # Steps whose object points at something (a write's old value, a deleted
    # object's own reference), per what it points at: a Ref or a raw SID.
    moves: dict[Any, list[int]] = defaultdict(list)
    pointers: dict[Any, list[int]] = defaultdict(list)
    # Deletes that do not say what they point at, per kind.
    unknown: dict[str, list[int]] = defaultdict(list)
    needs: list[set[int]] = []
    for step in steps:
        if step.phase == "write":
            wants = index.write_needs(step.change)
            for target in _pointed_at(step.change):
                moves[target].append(step.index)
        else:
            wants = index.delete_needs(step.change)
            for target in (Ref(step.change.kind, step.change.name), step.change.sid):
                wants.update(moves[target] + pointers[target])
            for kind in referrers[step.change.kind]:
                wants.update(unknown[kind])
            _record_pointers(step, pointers, unknown)
        wants.discard(step.index)
        needs.append(wants)
    return Graph(tuple(steps), tuple(frozenset(n) for n in needs))


def _pointed_at(change: Change) -> list[Any]:
    """What the change's object pointed at before it: the old values of its
    reference fields (a Ref, or a raw SID of an object left by a replace)."""
    refs = REGISTRY[change.kind].references
    return [
        fc.before for fc in change.fields if fc.name in refs and fc.before is not None
    ]


def _record_pointers(
    step: Step, pointers: dict[Any, list[int]], unknown: dict[str, list[int]]
) -> None:
    change = step.change
    if isinstance(change, Delete) and not change.fields:
        unknown[change.kind].append(step.index)
    for target in _pointed_at(change):
        pointers[target].append(step.index)


@dataclass
class _Index:
    """Where the write steps are, by what later steps look them up with."""

    creates: dict[Ref, int] = field(default_factory=dict)
    # Step ids a change may name in its ``after`` (changes to what an owner
    # holds, such as pool members, name the steps they must follow).
    ids: dict[str, int] = field(default_factory=dict)
    # Writes to what an owner holds, per owner and per member record's SID:
    # they run before the owner, or the member, is deleted.
    by_owner: dict[Ref, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_member: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    # Members leaving a field-setting pool, per (member kind, member SID).
    unsetting: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )

    @classmethod
    def of(cls, steps: list[Step]) -> _Index:
        index = cls()
        for step in steps:
            if step.phase == "write":
                index.add(step.change, step.index)
        return index

    def add(self, change: Change, at: int) -> None:
        if isinstance(change, (Create, Replace)):
            self.creates[Ref(change.kind, change.name)] = at
            self.ids[f"create:{change.kind}:{change.name}"] = at
        step_id = getattr(change, "step_id", None)
        if step_id:
            self.ids[step_id] = at
        child = child_ref(change)
        if child is not None:  # a nested object a flow's definition may name
            self.creates[child] = at
        if getattr(change, "part", None):
            self.by_owner[Ref(change.kind, change.name)].append(at)
            target = getattr(change, "target", None)
            if isinstance(target, str):
                self.by_member[target].append(at)
        member_kind = _unsets(change)
        if member_kind is not None:
            self.unsetting[(member_kind, change.target)].append(at)

    def write_needs(self, change: Change) -> set[int]:
        wants: set[int] = set()
        for value in refs_in(list(change.send.values())):
            if value in self.creates:
                wants.add(self.creates[value])
            elif "." in value.kind:  # a child its owner's create makes itself
                owner = Ref(value.kind.partition(".")[0], value.name.partition("/")[0])
                if owner in self.creates:
                    wants.add(self.creates[owner])
        wants.update(self.ids[a] for a in getattr(change, "after", ()) if a in self.ids)
        # A pool member bought in this run: added once the purchase lands.
        target = getattr(change, "target", None)
        if isinstance(target, Ref) and target in self.creates:
            wants.add(self.creates[target])
        if change.sid and not getattr(change, "part", None):
            wants.update(self.unsetting[(change.kind, change.sid)])
        return wants

    def delete_needs(self, change: Change) -> set[int]:
        wants: set[int] = set()
        if isinstance(change, Replace):
            wants.add(self.creates[Ref(change.kind, change.name)])
        wants.update(self.by_owner[Ref(change.kind, change.name)])
        wants.update(self.by_member[change.sid or ""])
        return wants


def child_ref(change: Change) -> Ref | None:
    """The Ref under which a nested object this change adds is named elsewhere
    (``Ref("taskrouter_workspaces.workflows", "Contact Centre/Support")``, as
    a flow's `{"ref": "workflow:…"}` reads), for a child added by this plan."""
    if not isinstance(change, AddMember) or not change.member:
        return None
    part = REGISTRY[change.kind].parts_by_name.get(change.part)
    if not isinstance(part, Children):
        return None
    return Ref(f"{change.kind}.{change.part}", f"{change.name}/{change.member}")


def refs_in(value: Any) -> list[Ref]:
    """The Refs a value sends, also inside structured data (a flow's definition)."""
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [ref for item in value for ref in refs_in(item)]
    return []


def _referrers() -> dict[str, set[str]]:
    """Kinds that may hold a reference to each kind."""
    referrers: dict[str, set[str]] = defaultdict(set)
    for rt in REGISTRY.values():
        for target in rt.references.values():
            referrers[target].add(rt.kind)
    return referrers


def _unsets(change: Change) -> str | None:
    """The member kind, for a member leaving a pool that sets a field on it."""
    if not isinstance(change, RemoveMember):
        return None
    part = REGISTRY[change.kind].parts_by_name.get(change.part)
    if isinstance(part, Pool) and part.sets and part.member_kind:
        return part.member_kind
    return None
