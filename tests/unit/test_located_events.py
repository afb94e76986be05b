"""located.load builds plain documents straight from libyaml's events; the
node path (compose the tree, then construct) handles the rest. Both must give
the same values, lines and duplicate-key notes, and the same errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from twilio_iac.manifests import located
from twilio_iac.manifests.located import Loader, Located, LocatedList

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p
    for folder in ("examples", "tests/fixtures")
    for p in (ROOT / folder).rglob("*")
    if p.suffix in (".yaml", ".yml") and p.is_file()
)

DOCUMENTS = [
    "",
    "# only a comment\n",
    "hello\n",
    "queues:\n  - friendly_name: support\n    max_size: 10\n",
    "a: 1\nb: 0x1F\nc: 0o17\nd: 1.5\ne: .inf\nf: true\ng: null\nh: ~\ni:\n",
    "on: yes\nno: off\ny: n\ntime: 1:30\nday: 2024-01-01\nbig: 1_000\n",
    "a: 'quoted'\nb: \"double\"\nc: |\n  block\n  text\nd: >\n  folded\n",
    "a: 1\nb: 2\na: 3\nb: 4\nc: 5\n",
    "outer:\n  inner:\n    - 1\n    - [2, 3]\n    - {x: y}\n",
    "list:\n- a\n-\n- c\n",
    "{a: 1, b: [x, y]}\n",
    "zero: 0777\nplus: +5\nminus: -0\n",
    "a: !!str 123\nb: !!int '7'\n",
    "anchored: &x {a: 1}\n",
    "? complex\n: value\n",
]
# Forms the node path reads (or refuses) itself.
NODE_FORMS = [
    "a: &x {b: 1}\nc: *x\n",
    "base: &b {x: 1}\nitem:\n  <<: *b\n  y: 2\n",
    "item:\n  <<: {x: 1}\n  y: 2\n",
    "a: !!binary aGVsbG8=\n",
    "a: !custom x\n",
    "a: !!set {x}\n",
    "--- 1\n--- 2\n",
    "a: 1\n---\nb: 2\n",
    "[a, b]: 1\n",
    "{a: 1}: 2\n",
    "a: !!int x\n",
    "a: !!float x\n",
    "a: !!bool yes\n",
    "a: [1, 2\n",
    "a: 1\n b: 2\n",
    "a:\n\t- 1\n",
    "a: 1\nb: !!int x\nc: [\n",
    "deep: " + "[" * 40 + "]" * 40 + "\n",
    "deep:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 40)),
]


def _by_nodes(text: str) -> Any:
    loader = Loader(text)
    loader.may_alias = True
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _shape(value: Any) -> Any:
    """Everything a Located or LocatedList carries, as plain data."""
    if isinstance(value, Located):
        return (
            "map",
            value.start,
            [(k, _shape(v), value.key_lines.get(k)) for k, v in value.items()],
            list(value.duplicates),
        )
    if isinstance(value, LocatedList):
        return ("seq", [_shape(v) for v in value], list(getattr(value, "lines", [])))
    # repr: NaN is not equal to itself
    return (type(value).__name__, repr(value), getattr(value, "text", None))


def _outcome(read: Any, text: str) -> Any:
    try:
        return _shape(read(text))
    except yaml.YAMLError as exc:
        return ("error", type(exc).__name__, str(exc))


@pytest.mark.parametrize("text", DOCUMENTS + NODE_FORMS)
def test_events_and_nodes_agree(text: str) -> None:
    assert _outcome(located.load, text) == _outcome(_by_nodes, text)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_events_and_nodes_agree_on_every_manifest_in_the_repository(
    path: Path,
) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    assert _outcome(located.load, text) == _outcome(_by_nodes, text)


@pytest.mark.parametrize("text", DOCUMENTS)
def test_plain_documents_are_built_from_events(text: str) -> None:
    loader = Loader(text)
    try:
        assert _shape(located._from_events(loader)) == _shape(_by_nodes(text))
    finally:
        loader.dispose()


@pytest.mark.parametrize("text", NODE_FORMS[:8])
def test_other_forms_are_left_to_the_node_path(text: str) -> None:
    loader = Loader(text)
    try:
        with pytest.raises((located._NodesNeeded, yaml.YAMLError)):
            located._from_events(loader)
    finally:
        loader.dispose()
