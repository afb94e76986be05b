"""docs/design.md's map of the packages stays true to the tree.

The rule (stated in the document too): every path in the map's first column,
relative to twilio_iac/, exists (``name/`` a package, ``name.py`` a root
module), and every package directly under twilio_iac/ and every root module
is listed. Subpackages may be listed, and then must exist.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "twilio_iac"
DESIGN = ROOT / "docs" / "design.md"


def _listed(text: str) -> list[str]:
    """The paths in the first column of the map's table (a cell may hold several)."""
    section = text.split("## The map", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [
        path for row in rows for path in re.findall(r"`([^`]+)`", row.split("|")[1])
    ]


def _exists(entry: str, root: Path) -> bool:
    if entry.endswith("/"):
        return (root / entry / "__init__.py").is_file()
    return entry.endswith(".py") and "/" not in entry and (root / entry).is_file()


def _problems(text: str, root: Path = PACKAGE) -> list[str]:
    listed = _listed(text)
    present = {f"{p.parent.name}/" for p in root.glob("*/__init__.py")}
    present |= {p.name for p in root.glob("*.py")}
    stale = [e for e in listed if not _exists(e, root)]
    missing = sorted(present - set(listed))
    return [f"{e} is in the map but not in the tree" for e in stale] + [
        f"{e} is in the tree but not in the map" for e in missing
    ]


def test_the_map_matches_the_tree() -> None:
    assert _problems(DESIGN.read_text(encoding="utf-8")) == []


def test_the_check_catches_missing_and_stale_entries(tmp_path: Path) -> None:
    for package in ("api", "emulator/http", "cli"):
        (tmp_path / package).mkdir(parents=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "emulator" / "__init__.py").write_text("")
    (tmp_path / "model.py").write_text("")
    text = (
        "## The map\n\n| path | holds |\n|---|---|\n"
        "| `api/` | x |\n| `emulator/`, `emulator/http/` | `cli/` |\n"
        "| `gone/` | x |\n| `model.py` | x |\n\n## Next\n\n| `cli/` | later |\n"
    )
    assert _problems(text, tmp_path) == [
        "gone/ is in the map but not in the tree",
        "cli/ is in the tree but not in the map",
    ]
