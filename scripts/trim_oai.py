"""Regenerate the emulator's trimmed copy of Twilio's OpenAPI descriptions.

Reads the full specs from /work/shared/twilio-oai (or the directory given as
the first argument) and writes only the paths the emulator serves, or will
serve, plus every component they reference, to twilio_iac/emulator/oai/.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

SOURCE = Path("/work/shared/twilio-oai")
TARGET = Path(__file__).resolve().parent.parent / "twilio_iac" / "emulator" / "oai"
P = "/2010-04-01/Accounts/{AccountSid}"
PERIODS = (
    "AllTime",
    "Daily",
    "LastMonth",
    "Monthly",
    "ThisMonth",
    "Today",
    "Yearly",
    "Yesterday",
)
KEEP = {
    "twilio_api_v2010.json": [
        "/2010-04-01/Accounts.json",
        "/2010-04-01/Accounts/{Sid}.json",
        *(
            f"{P}/{name}{suffix}"
            for name in (
                "IncomingPhoneNumbers",
                "Applications",
                "Queues",
                "Addresses",
                "Messages",
                "Calls",
            )
            for suffix in (".json", "/{Sid}.json")
        ),
        f"{P}/Usage/Records.json",
        *(f"{P}/Usage/Records/{period}.json" for period in PERIODS),
        f"{P}/Messages/{{MessageSid}}/Media.json",
        f"{P}/Messages/{{MessageSid}}/Media/{{Sid}}.json",
        f"{P}/Recordings.json",
        f"{P}/Recordings/{{Sid}}.json",
    ],
    "twilio_verify_v2.json": [
        "/v2/Services",
        "/v2/Services/{Sid}",
        "/v2/Services/{ServiceSid}/Verifications",
        "/v2/Services/{ServiceSid}/Verifications/{Sid}",
        "/v2/Services/{ServiceSid}/VerificationCheck",
    ],
    "twilio_lookups_v2.json": ["/v2/PhoneNumbers/{PhoneNumber}"],
    "twilio_intelligence_v2.json": [
        "/v2/Transcripts",
        "/v2/Transcripts/{Sid}",
        "/v2/Transcripts/{TranscriptSid}/Sentences",
    ],
}
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


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    TARGET.mkdir(parents=True, exist_ok=True)
    for filename, paths in KEEP.items():
        spec = json.loads((source / filename).read_text(encoding="utf-8"))
        trimmed = trim(spec, paths)
        text = json.dumps(trimmed, indent=1, ensure_ascii=False) + "\n"
        (TARGET / filename).write_text(text, encoding="utf-8")
        print(
            f"{filename}: {len(paths)} paths, "
            f"{len(trimmed['components']['schemas'])} schemas, {len(text)} bytes"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
