"""Regenerate the emulator's trimmed copy of Twilio's OpenAPI descriptions.

Reads the full specs from ../shared/twilio-oai next to the repository (or
the directory given as the first argument) and writes only the paths the
emulator serves (its kinds' collections and instances, and its actions), plus
every component they reference, to twilio_iac/emulator/oai/. Files are named
by twilio_iac.apis.APIS; an API the emulator does not serve gets no file. The
head of oai/NOTICE (source, commit, files) is rewritten to match; its license
part is kept as it is.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from twilio_iac.apis import APIS
from twilio_iac.emulator.http.actions import ACTIONS
from twilio_iac.emulator.http.handlers import routes

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO.parent / "shared" / "twilio-oai"
TARGET = REPO / "twilio_iac" / "emulator" / "oai"
REF = re.compile(r'"\$ref":\s*"#/components/schemas/([^"]+)"')


def trim(spec: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """The spec restricted to ``paths`` and the schemas they reach."""
    kept = {path: spec["paths"][path] for path in paths}
    schemas = spec["components"]["schemas"]
    wanted: set[str] = set()
    todo = set(REF.findall(json.dumps(kept)))
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo |= set(REF.findall(json.dumps(schemas[name])))
    tags = {
        tag
        for item in kept.values()
        for op in item.values()
        if isinstance(op, dict)
        for tag in op.get("tags", ())
    }
    out = {key: value for key, value in spec.items() if key not in ("paths", "tags")}
    out["tags"] = [tag for tag in spec.get("tags", []) if tag["name"] in tags]
    out["paths"] = kept
    out["components"] = {
        **spec["components"],
        "schemas": {name: schemas[name] for name in sorted(wanted)},
    }
    return out


def served(specs: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """API name → the path templates the emulator serves from its description.

    A kind names its API; an action is looked up in every description, since
    its path is unique to one API."""
    keep: dict[str, list[str]] = {}
    for route in routes():
        paths = keep.setdefault(route.kind.api, [])
        if route.template not in paths:
            paths.append(route.template)
    for action in ACTIONS:
        for api, spec in specs.items():
            paths = keep.setdefault(api, [])
            if action.template in spec["paths"] and action.template not in paths:
                paths.append(action.template)
    return {api: paths for api, paths in keep.items() if paths}


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    TARGET.mkdir(parents=True, exist_ok=True)
    specs = {
        api.name: json.loads((source / api.description).read_text(encoding="utf-8"))
        for api in APIS.values()
        if (source / api.description).is_file()
    }
    written = []
    for api, paths in served(specs).items():
        filename, spec = APIS[api].description, specs[api]
        trimmed = trim(spec, paths)
        text = json.dumps(trimmed, indent=1, ensure_ascii=False) + "\n"
        (TARGET / filename).write_text(text, encoding="utf-8")
        written.append(filename)
        print(
            f"{filename}: {len(paths)} paths, "
            f"{len(trimmed['components']['schemas'])} schemas, {len(text)} bytes"
        )
    notice = TARGET / "NOTICE"
    license_part = notice.read_text(encoding="utf-8").partition("\nLicense:")[2]
    head = _notice_head(source, written)
    notice.write_text(f"{head}\nLicense:{license_part}", encoding="utf-8")
    return 0


def _notice_head(source: Path, files: list[str]) -> str:
    about = dict(
        line.split(":", 1)
        for line in (source / "SOURCE.txt").read_text(encoding="utf-8").splitlines()
        if re.match(r"^(repo|commit|date):", line)
    )
    listed = [f"spec/json/{name} -> {name}" for name in files]
    return "\n".join(
        [
            "Trimmed copies of Twilio's OpenAPI descriptions, used by the "
            "twilio-iac emulator.",
            "",
            f"Source:  https://{about['repo'].strip()}",
            f"Commit:  {about['commit'].strip()} ({about['date'].strip()})",
            "Files:   " + "\n         ".join(listed),
            "Changes: only the paths the emulator serves (each file's `paths`) and",
            "         the component schemas they reference are kept; everything",
            "         kept is unmodified. Regenerate with scripts/trim_oai.py.",
        ]
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv))
