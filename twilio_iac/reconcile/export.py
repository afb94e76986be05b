"""Live state → manifests that `plan` reads back as "No changes".

One file per kind. References become names where a name identifies the target
unambiguously. By default every writable field is written, defaults included,
so a later plan catches any change away from them (drift); the short form
(``all_fields=False``) leaves fields equal to Twilio's defaults out, unmanaged.
What a manifest cannot say faithfully is pinned (`sid:`, raw `*_sid`) or kept
as a comment, and each such compromise is reported as a note.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from twilio_iac import logs, urlauth
from twilio_iac.errors import TwilioIacError
from twilio_iac.model import Resource
from twilio_iac.reconcile.pools.live import TWICE
from twilio_iac.resources import REGISTRY, Field, ResourceType, apply_order
from twilio_iac.resources.pools import Children, Pool
from twilio_iac.resources.studio_flows import flow_sid

Live = Mapping[str, list[Resource]]


@dataclass(frozen=True)
class ExportFile:
    kind: str
    path: Path
    text: str
    declared: int  # entries written
    pinned: int  # of those, pinned by `sid:`
    commented: int  # objects only written as a comment
    notes: tuple[str, ...]
    # A manifest, or a file one names (a flow's definition_file): what it holds.
    holds: str | None = None

    @property
    def manifest(self) -> bool:
        return self.holds is None

    @property
    def summary(self) -> str:
        if self.holds is not None:
            return f"Wrote {self.path}: {self.holds}"
        extra = [f"{self.pinned} pinned by sid"] if self.pinned else []
        extra += [f"{self.commented} as a comment"] if self.commented else []
        detail = f" ({', '.join(extra)})" if extra else ""
        counted = REGISTRY[self.kind].counted(self.declared)
        return f"Wrote {self.path}: {counted}{detail}"


def build(
    live: Live,
    kinds: Iterable[str],
    out: Path,
    account_sid: str,
    all_fields: bool = True,
) -> list[ExportFile]:
    """The files to write, one per kind, in dependency order."""
    wanted = apply_order(kinds)
    targets = _targets(live, wanted, all_fields)
    header = schema_comment(out)
    files: list[ExportFile] = []
    for kind in wanted:
        files += _files(
            REGISTRY[kind], live.get(kind, []), targets, out, header, account_sid
        )
    return files


def write(files: list[ExportFile], force: bool) -> None:
    """Write every file, or none when one exists and ``force`` is off."""
    existing = [str(f.path) for f in files if f.path.exists()]
    if existing and not force:
        raise TwilioIacError(
            "Refusing to overwrite existing files; nothing was written:\n"
            + "".join(f"  - {path}\n" for path in existing)
            + "Choose another --out directory, or pass --force to overwrite them."
        )
    for f in files:
        f.path.parent.mkdir(parents=True, exist_ok=True)
        f.path.write_text(logs.scrub(f.text), encoding="utf-8")


def schema_comment(directory: Path) -> str:
    """The yaml-language-server line for a manifest written into ``directory``,
    or "" when no schemas/ folder is found in it or above it."""
    target = directory.resolve()
    # Only a relative path works on every clone and in CI: an absolute one
    # (say, to the installed package) names one machine's layout.
    for folder in (target, *target.parents):
        vendored = folder / "schemas" / "manifest.schema.json"
        if vendored.is_file():
            return f"# yaml-language-server: $schema={_relative(vendored, target)}\n"
    return ""


def schema_note(directory: Path) -> str | None:
    """What to do when the manifests in ``directory`` get no schema line."""
    if schema_comment(directory):
        return None
    return (
        f"no schemas/ folder in {directory} or above it, so the manifests have no "
        "yaml-language-server line (editor completion and checks). Run "
        "`twilio-iac init` first, which copies the schemas into the repository, "
        "and export into its manifests/ folder."
    )


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


@dataclass(frozen=True)
class _Targets:
    """What a reference SID can be written as: a name, or why it cannot."""

    names: dict[str, str]  # SID → a name that identifies it alone
    reasons: dict[str, str]  # SID → why it stays a SID
    kinds: frozenset[str]  # the kinds being exported
    # (kind, identity) → fields an exported pool sets on that member (a
    # number's trunk_sid): written as the pool, never on the member too.
    set_by_pools: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    all_fields: bool = True  # also the fields equal to Twilio's defaults

    def why_not(self, f: Field, sid: str) -> str:
        target = REGISTRY[f.ref or ""]
        if target.kind not in self.kinds:
            return f"{target.kind} are not exported (--kinds)"
        return self.reasons.get(sid, f"no {target.title} {sid} exists")


def _targets(live: Live, kinds: list[str], all_fields: bool) -> _Targets:
    names, reasons = {}, {}
    for kind in kinds:
        rt, items = REGISTRY[kind], live.get(kind, [])
        counts = Counter(r.name for r in items)
        for r in items:
            if not r.sid:
                continue
            if not r.name:
                reasons[r.sid] = f"that {rt.title} has no {rt.identity}"
            elif counts[r.name] > 1:
                reasons[r.sid] = f'{counts[r.name]} {kind} are named "{r.name}"'
            else:
                names[r.sid] = r.name
    set_by_pools: dict[tuple[str, str], set[str]] = {}
    for kind in kinds:
        for part in REGISTRY[kind].parts:
            if not isinstance(part, Pool) or not part.sets or not part.member_kind:
                continue
            # Only a pool says what it sets on its members, even when empty:
            # `trunk_sid: null` on every number would fight the trunk's pool.
            for member in live.get(part.member_kind, []):
                set_by_pools.setdefault((part.member_kind, member.name), set()).add(
                    part.sets
                )
            for r in live.get(kind, []):
                for key in r.fields.get(part.name) or {}:
                    set_by_pools.setdefault((part.member_kind, key), set()).add(
                        part.sets
                    )
    return _Targets(names, reasons, frozenset(kinds), set_by_pools, all_fields)


@dataclass
class _Entries:
    declared: list[dict[str, Any]]
    commented: list[dict[str, Any]]
    notes: list[str]
    pinned: int = 0


def _files(
    rt: ResourceType,
    items: list[Resource],
    targets: _Targets,
    out: Path,
    header: str,
    account_sid: str,
) -> list[ExportFile]:
    """The kind's manifest, after the files its entries name (flow definitions)."""
    entries = _entries(rt, items, targets)
    held = _held_files(rt, entries, out)
    text = _text(rt, entries, header, account_sid, targets.all_fields)
    manifest = ExportFile(
        kind=rt.kind,
        path=out / f"{rt.kind}.yaml",
        text=text,
        declared=len(entries.declared),
        pinned=entries.pinned,
        commented=len(entries.commented),
        notes=tuple(entries.notes),
    )
    return [*held, manifest]


def _held_files(rt: ResourceType, entries: _Entries, out: Path) -> list[ExportFile]:
    """Structured values (a flow's definition) moved to files of their own,
    which the entries name by ``file_alias`` (``definition_file``)."""
    files: list[ExportFile] = []
    used: set[str] = set()
    for entry in entries.declared:
        for f in rt.fields:
            if f.type != "json" or not f.file_alias or f.name not in entry:
                continue
            name = str(entry[rt.identity])
            relative = f"flows/{_slug(name, used)}.json"
            text = json.dumps(entry.pop(f.name), indent=2, ensure_ascii=False)
            entry[f.file_alias] = relative
            what = f'{f.name} of {rt.title} "{name}"'
            files.append(
                ExportFile(rt.kind, out / relative, text + "\n", 0, 0, 0, (), what)
            )
    return files


def _slug(name: str, used: set[str]) -> str:
    """A file name for ``name``, unique among ``used``."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "flow"
    slug, n = base, 1
    while slug in used:
        n += 1
        slug = f"{base}-{n}"
    used.add(slug)
    return slug


def _entries(rt: ResourceType, items: list[Resource], targets: _Targets) -> _Entries:
    result = _Entries([], [], [])
    groups: dict[str, list[Resource]] = defaultdict(list)
    for r in items:
        groups[r.name].append(r)
    for r in items:
        entry, notes = _entry(rt, r, targets)
        result.notes += notes
        group = groups[r.name]
        if not r.name:
            result.commented.append({rt.identity: r.name, "sid": r.sid} | entry)
            result.notes.append(
                f"{rt.kind} {r.sid}: has no {rt.identity}, which a manifest needs to "
                "identify it; written as a comment. Give it one in Twilio to manage it."
            )
        elif len(group) == 1:
            result.declared.append(entry)
        else:
            result.declared.append({rt.identity: r.name, "sid": r.sid} | entry)
            result.pinned += 1
            if r is group[0]:
                result.notes.append(_duplicate_note(rt, group))
    return result


def _duplicate_note(rt: ResourceType, group: list[Resource]) -> str:
    sids = ", ".join(r.sid or "?" for r in group)
    return (
        f'{rt.kind} "{group[0].name}": {len(group)} live objects share this '
        f"{rt.identity} ({sids}); each is written pinned by `sid:`, and "
        "references to them are written as SIDs. Renaming them in Twilio makes "
        "the manifests easier to read."
    )


def _entry(
    rt: ResourceType, r: Resource, targets: _Targets
) -> tuple[dict[str, Any], list[str]]:
    entry: dict[str, Any] = {rt.identity: r.name}
    notes = []
    ignored = _ignored(rt, r) | targets.set_by_pools.get((rt.kind, r.name), set())
    for f in rt.fields:
        value = r.fields.get(f.name)
        if f.name == rt.identity or f.write_only:
            continue
        if not _worth_writing(f, value, targets.all_fields):
            continue
        if f.name in ignored:  # a manifest may not declare it (see precedence)
            continue
        if isinstance(value, str) and urlauth.mask(value) != value:
            notes.append(_password_note(rt, r, f.name, value))
            continue
        if f.type == "json":
            entry[f.name] = _named(value, targets)
            continue
        flow = flow_sid(value) if f.type == "uri" and f.alias else None
        if flow in targets.names:
            entry[f.alias or f.name] = targets.names[flow or ""]
            continue
        if f.type == "ref" and isinstance(value, str):
            if value in targets.names:
                entry[f.alias or f.name] = targets.names[value]
                continue
            notes.append(
                f'{rt.kind} "{r.name}": {f.name} is written as the SID {value}, '
                f"not by name: {targets.why_not(f, value)}."
            )
        # An empty reference under its name's key (`address: null`), so that
        # setting it later means writing a name there, not renaming the key.
        key = f.alias if f.type == "ref" and value is None and f.alias else f.name
        entry[key] = _written(f, value, targets.all_fields)
    for part in rt.parts:
        children = r.fields.get(part.name) or {}
        entry[part.name] = _part_entry(part, children, targets.all_fields)
    for part, names in (r.fields.get(TWICE) or {}).items():
        shown = ", ".join(f'"{n}"' for n in names)
        notes.append(
            f'{rt.kind} "{r.name}" {part}: two or more share {shown}; one of each '
            "is written, and plan refuses to guess until they are renamed."
        )
    return _nested(entry), notes


def _password_note(rt: ResourceType, r: Resource, name: str, url: str) -> str:
    # A manifest takes a URL's password from a variable; a file never holds it.
    shown = urlauth.mask(url)
    return (
        f'{rt.kind} "{r.name}": {name} ({shown}) holds a password, which is never '
        "written to a file, so it is left out (unmanaged). To manage it, declare "
        f"{name}: {shown.replace(urlauth.MASK, '${VAR}', 1)} and set VAR."
    )


def _named(value: Any, targets: _Targets) -> Any:
    """A definition with each exported flow's SID written as a reference."""
    if isinstance(value, str) and value.startswith("FW") and value in targets.names:
        return {"ref": f"flow:{targets.names[value]}"}
    if isinstance(value, dict):
        return {key: _named(item, targets) for key, item in value.items()}
    if isinstance(value, list):
        return [_named(item, targets) for item in value]
    return value


def _part_entry(
    part: Pool | Children, live: Mapping[str, Any], all_fields: bool
) -> list[Any]:
    """A pool as its members' numbers, sender IDs or SIDs; children with
    their identity and their fields (those that differ from Twilio's default,
    in the short form). Both are written even when empty: a pool in the
    manifest is the exact pool."""
    if isinstance(part, Pool):
        return list(live)
    return [
        {part.identity: name}
        | {
            f.name: child.get(f.name)
            for f in part.fields
            if f.name != part.identity
            and _worth_writing(f, child.get(f.name), all_fields)
        }
        for name, child in live.items()
    ]


def _ignored(rt: ResourceType, r: Resource) -> set[str]:
    """Live settings Twilio ignores because another field is set: left out."""
    return {
        name
        for rule in rt.precedence
        if not rule.clears and r.fields.get(rule.winner)
        for name in rule.fields
    }


def _worth_writing(f: Field, value: Any, all_fields: bool) -> bool:
    # Required fields are written even when empty so the entry can create.
    if f.required:
        return True
    if all_fields:
        # A field that cannot be null in a manifest is left out while empty.
        return value is not None or f.nullable
    return value != f.default


def _written(f: Field, value: Any, all_fields: bool) -> Any:
    """The manifest value of a live one: an empty value is `null` (it clears
    the field, which is what live has), or "" in the short form."""
    if value is None:
        return None if all_fields else ""
    return value


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"push.include_date": True}`` → ``{"push": {"include_date": True}}``."""
    result: dict[str, Any] = {}
    for name, value in flat.items():
        *parents, leaf = name.split(".")
        node = result
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return result


def _text(
    rt: ResourceType,
    entries: _Entries,
    header: str,
    account_sid: str,
    all_fields: bool,
) -> str:
    lines = [header.rstrip("\n"), "#"] if header else []
    form = (
        "# Every writable field is written (`export --all-fields`), defaults too, "
        "so\n# plan shows any change away from these values."
        if all_fields
        else "# Fields equal to Twilio's defaults are left out (`export --short`), "
        "so they\n# stay unmanaged: plan does not see them change."
    )
    lines += [
        f"# {rt.kind} exported by `twilio-iac export` from account {account_sid}.",
        form,
    ]
    if entries.notes:
        lines += ["#", "# Notes:"] + [f"#   - {note}" for note in entries.notes]
    body = _dump({rt.kind: entries.declared})
    text = "\n".join(lines) + "\n\n" + body
    if entries.commented:
        text += "\n# Not declared (see the notes above):\n"
        text += "".join(f"# {line}\n" for line in _dump(entries.commented).splitlines())
    return text


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, as the examples are written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _dump(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1000,
    )
