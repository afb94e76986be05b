"""validate's report for machines: JSON, or GitHub Actions annotations.

Each problem is split back into file, line and message from its one printed
form (``<file>:<line> <path>: <message>``), so every error validate can give,
from a YAML syntax error to an unresolved reference, has the same shape.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from twilio_iac.errors import ManifestError

if TYPE_CHECKING:
    from twilio_iac.manifests.desired import Desired

_LOCATED = re.compile(r"(?P<file>.+?):(?P<line>\d+) (?P<message>.*)", re.DOTALL)


def problem(reason: str) -> dict[str, Any]:
    """One problem as data; a reason without a location keeps only its text."""
    match = _LOCATED.fullmatch(reason)
    if match is None:
        return {"file": None, "line": None, "message": reason}
    return {
        "file": match["file"],
        "line": int(match["line"]),
        "message": match["message"],
    }


def report(outcome: Desired | ManifestError, output: str) -> str:
    """``output``: "json" or "github"."""
    if isinstance(outcome, ManifestError):
        problems = [problem(reason) for reason in outcome.reasons]
        data = {"valid": False, "headline": outcome.headline, "problems": problems}
    else:
        counts = Counter(key.kind for key in outcome.resources)
        data = {
            "valid": True,
            "files": list(outcome.files),
            "resources": dict(sorted(counts.items())),
            "unset_variables": list(outcome.unset),
            "warnings": list(outcome.warnings),
            "problems": [],
        }
    if output == "json":
        return json.dumps(data, indent=2, ensure_ascii=False)
    return _annotations(data)


def _annotations(data: dict[str, Any]) -> str:
    lines = [_annotation("error", p) for p in data["problems"]]
    lines += [_annotation("warning", problem(w)) for w in data.get("warnings", [])]
    if data.get("unset_variables"):
        names = ", ".join(data["unset_variables"])
        lines.append(f"::notice::Not set, checked without their values: {names}")
    if data["valid"]:
        files = len(data["files"])
        lines.append(f"Valid: {files} file{'' if files == 1 else 's'}.")
    return "\n".join(lines)


def _annotation(level: str, item: dict[str, Any]) -> str:
    # GitHub's workflow commands: properties escape %, CR, LF, ':' and ',';
    # the message escapes %, CR and LF.
    where = ""
    if item["file"] is not None:
        where = f" file={_property(item['file'])},line={item['line']}"
    return f"::{level}{where}::{_data(item['message'])}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
