"""Regenerate the emulator's trimmed copy of Twilio's OpenAPI descriptions.

Reads the full specs from ../shared/twilio-oai next to the repository (or
the directory given as the first argument) and writes only the paths the
emulator serves, or will serve, plus every component they reference, to
twilio_iac/emulator/oai/. Files are named by twilio_iac.apis.APIS.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from twilio_iac.apis import APIS

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO.parent / "shared" / "twilio-oai"
TARGET = REPO / "twilio_iac" / "emulator" / "oai"
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
# API name → the paths kept from its description.
KEEP = {
    "core": [
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
    ],
    "verify": [
        "/v2/Services",
        "/v2/Services/{Sid}",
        "/v2/Services/{ServiceSid}/Verifications",
        "/v2/Services/{ServiceSid}/Verifications/{Sid}",
        "/v2/Services/{ServiceSid}/VerificationCheck",
    ],
    "messaging": [
        "/v1/Services",
        "/v1/Services/{Sid}",
        *(
            f"/v1/Services/{{ServiceSid}}/{pool}{suffix}"
            for pool in ("PhoneNumbers", "AlphaSenders", "ShortCodes")
            for suffix in ("", "/{Sid}")
        ),
    ],
    "trunking": [
        "/v1/Trunks",
        "/v1/Trunks/{Sid}",
        *(
            f"/v1/Trunks/{{TrunkSid}}/{child}{suffix}"
            for child in ("OriginationUrls", "PhoneNumbers")
            for suffix in ("", "/{Sid}")
        ),
        "/v1/Trunks/{TrunkSid}/Recording",
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
    for api, paths in KEEP.items():
        filename = APIS[api].description
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
