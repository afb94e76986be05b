"""Write the manifest reference (docs/manifests.md), one table per kind, from the
registry.

python scripts/gen_reference.py          # rewrite docs/manifests.md in place
python scripts/gen_reference.py --check  # exit 1 when docs/manifests.md is stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from twilio_iac.resources import REGISTRY, Field, ResourceType
from twilio_iac.resources.pools import Children, Pool

README = Path(__file__).resolve().parents[1] / "docs" / "manifests.md"
BEGIN = "<!-- reference:begin (scripts/gen_reference.py writes this part) -->"
END = "<!-- reference:end -->"


def _type(field: Field) -> str:
    if field.type == "ref":
        return f"name of one of `{field.ref}` (as `{field.alias}`), or `{field.name}`"
    if field.type == "sid":
        return f"SID `{field.prefix}…`"
    if field.type == "uri" and field.alias:
        return (
            f"http(s) URL, or as `{field.alias}` the name of one of `{field.ref}` "
            "(its webhook_url)"
        )
    if field.type == "json":
        return f"mapping (JSON or YAML inline), or `{field.file_alias}`: a file"
    if field.enum:
        return " \\| ".join(f"`{v}`" for v in field.enum)
    if field.minimum is not None or field.maximum is not None:
        return f"{field.type} {field.minimum}–{field.maximum}"
    if field.names_part and field.type == "json":
        return f"mapping, naming `{field.names_part}` by name"
    if field.names_part:
        return f"name of one of the `{field.names_part}`"
    return {"uri": "http(s) URL", "string": "text"}.get(field.type, field.type)


def _notes(rt: ResourceType, field: Field, identity: str | None = None) -> str:
    notes = (
        [field.description.rstrip(".")]
        if field.names_part and field.description
        else []
    )
    if field.name == (identity or rt.identity):
        notes.append("**identity**")
    if field.required:
        notes.append("required to create")
    if field.create_only:
        notes.append(
            "create-only: a change "
            + (
                "is refused (it would release the number)"
                if rt.guard_delete
                else "replaces the object"
            )
        )
    if field.write_only and rt.kind == "studio_flows":
        # Twilio returns it, but as twilio-iac stamped it: the drift check reads it.
        notes.append(f"sent, never compared; {field.description}")
    elif field.write_only:
        notes.append("sent, never compared (Twilio does not return it)")
    if not field.nullable:
        notes.append("cannot be null")
    if field.default is not None:
        notes.append(f"Twilio default `{json.dumps(field.default)}`")
    if field.max_length:
        notes.append(f"≤ {field.max_length} characters")
    if field.pattern_message:
        notes.append(field.pattern_message)
    texts = {
        False: "ignored by Twilio while {} is set: declaring both is refused",
        True: "cleared by Twilio when {} is set, and vice versa: declaring both "
        "is refused",
    }
    for clears, text in texts.items():
        rules = [r for r in rt.precedence if r.clears is clears]
        winners = [r.winner for r in rules if field.name in r.fields]
        if winners:
            notes.append(
                text.format(" or ".join(f"`{_spelling(rt, w)}`" for w in winners))
            )
    return "; ".join(notes)


def _spelling(rt: ResourceType, name: str) -> str:
    return rt.by_name[name].alias or name


def _part_row(rt: ResourceType, part: Pool | Children) -> str:
    if isinstance(part, Children):
        what = f"list of {_plural(part.title)} (below)"
        notes = "the exact list: unlisted live entries are deleted; left out: unmanaged"
        if part.adopted:
            notes += (
                f"; Twilio's own ({', '.join(part.adopted)}) are kept unless "
                f"`prune` names `{rt.kind}.{part.name}`"
            )
    else:
        what = f"list of {part.title}s"
        if part.member_kind:
            what += (
                f": E.164 numbers, or friendly_names of `{part.member_kind}` entries"
            )
        notes = "**pool**, the exact set: unlisted live members are removed; "
        notes += "`[]` empties it; left out: unmanaged"
        if part.exclusive:
            notes += f"; a {part.title} is in one {rt.title} at most"
        if part.max_items is not None:
            notes += f"; at most {part.max_items} per {rt.title}"
        if part.sets:
            notes += (
                f"; membership sets the member's `{part.sets}`, so settings "
                "Twilio then ignores or clears on the member are refused"
            )
    return f"| `{part.name}` | {what} | {notes} |"


def _plural(title: str) -> str:
    return f"{title[:-1]}ies" if title.endswith("y") else f"{title}s"


def section() -> str:
    out = [BEGIN, ""]
    for rt in REGISTRY.values():
        out += [f"#### `{rt.kind}`", "", rt.description, ""]
        out += ["| field | value | notes |", "|---|---|---|"]
        for field in rt.fields:
            name = field.alias if field.alias and field.type == "ref" else field.name
            out.append(f"| `{name}` | {_type(field)} | {_notes(rt, field)} |")
        out += [_part_row(rt, part) for part in rt.parts]
        out.append("")
        for part in rt.parts:
            if isinstance(part, Children):
                out += [f"`{part.name}` entries ({part.description})", ""]
                out += ["| field | value | notes |", "|---|---|---|"]
                for field in part.fields:
                    notes = _notes(rt, field, part.identity)
                    if field.name == part.identity:
                        notes = f"**identity** within the {rt.title}"
                        if field.create_only:
                            notes += "; create-only (a new one is a new identity)"
                    out.append(f"| `{field.name}` | {_type(field)} | {notes} |")
                if part.prefix:
                    out.append(
                        f"| `sid` | SID `{part.prefix}…` | pin: the live {part.title} "
                        f"of this SID, whatever its {part.identity} |"
                    )
                for key, name in part.files:
                    out.append(
                        f"| `{key}` | path | a JSON or YAML file, relative to the "
                        f"manifest, holding `{name}` (write one of the two) |"
                    )
                out.append("")
    out.append(END)
    return "\n".join(out)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    new = text[:start] + section() + text[end:]
    if "--check" in argv:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
