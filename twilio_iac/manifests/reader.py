"""Read manifest files, layer by layer, into located mappings and merge them.

Owns file discovery, YAML parsing and ``${VAR}`` interpolation; layers.py owns
the rules across files and layers (duplicates, overrides, ignore, account_sid,
prune). Field-level checks live in schema.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from twilio_iac.errors import ManifestError, ManifestSyntaxError
from twilio_iac.manifests import layers
from twilio_iac.manifests.layers import IgnoreRule
from twilio_iac.manifests.located import Document, Entry, Loader, Located, Reason

__all__ = [
    "Document",
    "Entry",
    "IgnoreRule",
    "Located",
    "Manifest",
    "Reason",
    "expand",
    "read",
]


@dataclass(frozen=True)
class Manifest:
    documents: tuple[Document, ...]
    entries: tuple[Entry, ...]  # declarations, with later layers' overrides merged
    account_sid: str | None
    prune: frozenset[str]
    problems: tuple[Reason, ...]  # found while reading; schema.check reports them
    ignore: tuple[IgnoreRule, ...] = ()
    overrides: tuple[Entry, ...] = ()  # as written, before merging
    layers: tuple[tuple[str, ...], ...] = ()  # the files of each PATH argument

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(doc.file for doc in self.documents)


def read(paths: Sequence[str | Path], env: Mapping[str, str]) -> Manifest:
    """Parse, interpolate and merge; each path is a layer, in order.

    Raises ManifestSyntaxError on bad YAML; every other problem is collected.
    """
    groups = [expand([path]) for path in paths]
    documents, problems = _parse_all(groups, env)
    declared = layers.declarations(documents)
    changes = layers.overrides(documents)
    entries, override_problems = layers.apply_overrides(declared, changes)
    account_sid, sid_problems = layers.account_sid(documents)
    rules = layers.ignore_rules(documents)
    problems += sid_problems + layers.duplicates(declared) + override_problems
    problems += layers.ignored_declarations(entries, rules)
    return Manifest(
        documents=tuple(documents),
        entries=tuple(entries),
        account_sid=account_sid,
        prune=layers.prune(documents),
        problems=tuple(problems),
        ignore=tuple(rules),
        overrides=tuple(changes),
        layers=tuple(tuple(files) for files in groups),
    )


def expand(paths: Sequence[str | Path]) -> list[str]:
    """Each file as given; each directory as its *.yaml/*.yml files, by name."""
    files, empty = [], []
    for given in map(str, paths):
        if not Path(given).is_dir():
            files.append(given)
            continue
        found = (p for p in Path(given).iterdir() if p.suffix in (".yaml", ".yml"))
        names = [os.path.join(given, p.name) for p in sorted(found) if p.is_file()]
        files += names
        if not names:
            empty.append(f"{given}: no *.yaml or *.yml files in this directory")
    if empty:
        # Planning nothing would report "No changes" for a wrong path.
        raise ManifestError(empty, "A manifest directory is empty")
    return files


def _parse_all(
    groups: list[list[str]], env: Mapping[str, str]
) -> tuple[list[Document], list[Reason]]:
    documents, problems, syntax = [], [], []
    for layer, file in ((i, f) for i, files in enumerate(groups) for f in files):
        try:
            data = _parse(file)
        except yaml.MarkedYAMLError as exc:
            syntax.append(_syntax_reason(file, exc))
            continue
        documents.append(Document(file, data, layer))
        problems += _interpolate(file, data, "", 1, env)
    if syntax:
        raise ManifestSyntaxError([str(r) for r in syntax])
    return documents, problems


def _parse(file: str) -> Any:
    try:
        text = Path(file).read_text(encoding="utf-8")
    except OSError as exc:
        message = f"{file}: {exc.strerror or exc}"
        raise ManifestSyntaxError([message], "A manifest cannot be read") from exc
    except UnicodeDecodeError as exc:
        message = f"{file}: not UTF-8 text (byte {exc.start}); save it as UTF-8"
        raise ManifestSyntaxError([message], "A manifest cannot be read") from exc
    data = yaml.load(text, Loader=Loader)  # Loader derives from SafeLoader
    return Located() if data is None else data  # an empty file declares nothing


def _syntax_reason(file: str, exc: yaml.MarkedYAMLError) -> Reason:
    mark = exc.problem_mark or exc.context_mark
    message = f"invalid YAML: {exc.problem or exc.context}"
    if exc.context and exc.problem and exc.context_mark:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    return Reason(file, mark.line + 1 if mark else 1, "", message)


# `$${` is a literal `${`; `${NAME}` and `${NAME:-default}` read the environment.
_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_VARIABLE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.DOTALL)


def _interpolate(
    file: str, node: Any, path: str, line: int, env: Mapping[str, str]
) -> list[Reason]:
    """Substitute variables in every string value, in place; report problems."""
    if isinstance(node, Located):
        problems = [
            Reason(file, mark.line + 1, _join(path, key), "duplicate key in mapping")
            for key, mark in node.duplicates
        ]
        keys: Any = list(node)
    elif isinstance(node, list):
        problems, keys = [], range(len(node))
    else:
        return []
    for key in keys:
        value = node[key]
        if isinstance(value, str) and "$" not in value:
            continue  # nothing to substitute: skip the path and line bookkeeping
        child_path, child_line = _child(node, key, path, line)
        if isinstance(value, str):
            node[key], errors = _substitute(value, env)
            problems += [Reason(file, child_line, child_path, e) for e in errors]
        else:
            problems += _interpolate(file, value, child_path, child_line, env)
    return problems


def _child(node: Any, key: Any, path: str, line: int) -> tuple[str, int]:
    """The path and line of ``node[key]``, for reporting."""
    if isinstance(node, Located):
        return _join(path, key), node.line(key)
    value = node[key]
    return f"{path}[{key}]", value.line() if isinstance(value, Located) else line


def _substitute(text: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    errors: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        inner = match.group(1)
        variable = _VARIABLE.fullmatch(inner) if inner is not None else None
        if variable is None:
            errors.append(f"malformed variable reference {match.group(0)!r}")
            return match.group(0)
        name, default = variable.groups()
        if name not in env and default is None:
            errors.append(f"environment variable {name} is not set and has no default")
            return match.group(0)
        # Like the shell's `:-`, an empty variable also takes the default.
        return env.get(name) or default or ""

    return _TOKEN.sub(replace, text), errors


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
