"""Read manifest files, layer by layer, into located mappings and merge them.

Owns file discovery, YAML parsing and ``${VAR}`` interpolation; layers.py owns
the rules across files and layers (duplicates, overrides, ignore, account_sid,
prune). Field-level checks live in schema.py.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from twilio_iac import logs, urlauth
from twilio_iac.errors import ManifestError, ManifestSyntaxError
from twilio_iac.manifests import layers
from twilio_iac.manifests.layers import IgnoreRule
from twilio_iac.manifests.located import (
    Document,
    Entry,
    LeadingZero,
    Located,
    Reason,
    load,
)
from twilio_iac.manifests.shape import _ShapeError

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
    # Values that name a variable with no value, kept as written: read with
    # unset_ok (validate), which checks everything else without the values.
    unset: tuple[Reason, ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(doc.file for doc in self.documents)


def read(
    paths: Sequence[str | Path], env: Mapping[str, str], unset_ok: bool = False
) -> Manifest:
    """Parse, interpolate and merge; each path is a layer, in order.

    Raises ManifestError for paths that are not readable files or manifests
    that are all empty, ManifestSyntaxError for files that cannot be read as
    YAML (encoding, syntax, shape, a credential); every other problem is
    collected.
    """
    _refuse_repeats(paths)
    groups = [expand([path]) for path in paths]
    documents, problems = _parse_all(groups, env, unset_ok)
    unset = [r for r in problems if isinstance(r, Unset)]
    problems = [r for r in problems if not isinstance(r, Unset)]
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
        unset=tuple(unset),
    )


def _refuse_repeats(paths: Sequence[str | Path]) -> None:
    """One PATH given twice would be two layers declaring the same objects:
    say that, not that each object is declared twice."""
    seen: dict[Path, int] = {}
    for index, given in enumerate(paths, 1):
        where = Path(given).resolve()
        if where in seen:
            raise ManifestError(
                [
                    f"{given}: given twice as a PATH (layers {seen[where]} and "
                    f"{index}); give each layer once"
                ]
            )
        seen[where] = index


def expand(paths: Sequence[str | Path]) -> list[str]:
    """Each file as given; each directory as its *.yaml/*.yml files, by name,
    leaving out hidden ones (names starting with ".").

    Anything named like a manifest that is not a regular readable file is
    refused, not skipped: a manifest left out silently could, with prune,
    delete what it declares.
    """
    files, problems, empty = [], [], []
    for given in map(str, paths):
        if Path(given).is_dir():
            found = _named_like_manifests(Path(given))
            if not found:
                empty.append(_empty(Path(given)))
            candidates = [(os.path.join(given, p.name), p) for p in found]
        else:
            candidates = [(given, Path(given))]
        for name, path in candidates:
            problem = _not_a_file(path)
            if problem:
                problems.append(f"{name}: {problem}")
            else:
                files.append(name)
    if problems:
        raise ManifestError(problems + empty, "A manifest path is not a readable file")
    if empty:
        # Planning nothing would report "No changes" for a wrong path.
        raise ManifestError(empty, "A manifest directory is empty")
    return files


def _named_like_manifests(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.iterdir()
        # Hidden files are tooling, not manifests (`init` writes
        # .pre-commit-config.yaml; Emacs keeps a .#file lock while
        # editing); one named on the command line is still read.
        if p.suffix in (".yaml", ".yml") and not p.name.startswith(".")
    )


def _empty(directory: Path) -> str:
    """Why a directory gave no manifests, pointing at subfolders that have some
    (`twilio-iac validate REPO` after `init REPO` means REPO/manifests)."""
    reason = f"{directory}: no *.yaml or *.yml files in this directory"
    hidden = any(p.suffix in (".yaml", ".yml") for p in directory.glob(".*"))
    if hidden:
        reason += " (hidden files, starting with '.', are not manifests)"
    inside = sorted(
        os.path.join(directory, d.name)
        for d in directory.iterdir()
        if d.is_dir()
        and not d.name.startswith(".")
        and any(p.suffix in (".yaml", ".yml") for p in d.iterdir())
    )
    if inside:
        reason += f"; did you mean {' or '.join(inside)}?"
    return reason


def _not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a manifest, or None when it can."""
    try:
        mode = path.stat().st_mode  # follows symbolic links
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "refused: a symbolic link loop (it never reaches a file)"
        if path.is_symlink():
            target = os.readlink(path)
            return f"refused: a symbolic link to {target}, which does not exist"
        return f"refused: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return (
            "refused: a directory named like a manifest; subdirectories are not "
            "read, so rename it or pass it as a PATH of its own"
        )
    if not stat.S_ISREG(mode):
        what = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"
        return f"refused: {what}, not a regular file; reading it could wait forever"
    if not os.access(path, os.R_OK):
        return "refused: not readable (permission denied); check its permissions"
    return None


def _parse_all(
    groups: list[list[str]], env: Mapping[str, str], unset_ok: bool = False
) -> tuple[list[Document], list[Reason]]:
    documents, problems, refused, blank = [], [], [], []
    secrets = logs.credentials(env)
    for layer, file in ((i, f) for i, files in enumerate(groups) for f in files):
        try:
            text = _text(file)
            refused += _leaks(file, text, secrets)
            data = load(text)
        except _Unreadable as exc:
            refused.append(exc.reason)
            continue
        except yaml.YAMLError as exc:
            refused.append(_syntax_reason(file, text, exc))
            continue
        if data is None:  # an empty file declares nothing
            blank.append(file)
            data = Located()
        documents.append(Document(file, data, layer))
        problems += _interpolate(file, data, "", 1, env, secrets, unset_ok)
    if refused:
        headline = "A manifest cannot be read as YAML"
        raise ManifestSyntaxError([str(r) for r in refused], headline)
    if blank and len(blank) == len(documents):
        # Like an empty directory: planning nothing would report "No changes".
        reasons = [str(Reason(file, 1, "", _BLANK)) for file in blank]
        raise ManifestError(reasons, "The manifests are empty")
    return documents, problems


_BLANK = (
    "no YAML document (the file is empty or only comments), and no other "
    "manifest declares anything; declare resources, or write {} for a manifest "
    "that is empty on purpose"
)


class _Unreadable(Exception):
    def __init__(self, reason: Reason) -> None:
        self.reason = reason


def _text(file: str) -> str:
    """The file as text: UTF-8, with an optional byte order mark."""
    try:
        raw = Path(file).read_bytes()
    except OSError as exc:
        message = f"cannot be read: {exc.strerror}"
        raise _Unreadable(Reason(file, 1, "", message)) from None
    for bom, name in _BOMS:
        if raw.startswith(bom):
            message = f"is {name} text (it starts with a {name} byte order mark)"
            raise _Unreadable(Reason(file, 1, "", f"{message}; {_SAVE}"))
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        if _utf16_like(raw):
            message = f"looks like UTF-16 text without a byte order mark; {_SAVE}"
        else:
            message = "contains a NUL byte: a binary file, not a manifest?"
        raise _Unreadable(Reason(file, line, "", message))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = (
            f"not UTF-8 text: byte 0x{raw[exc.start]:02X} is not valid there "
            f"(Latin-1 or Windows-1252 text? a binary file?); {_SAVE}"
        )
        raise _Unreadable(Reason(file, line, "", message)) from None
    text = text.removeprefix("\ufeff")  # Windows editors write a UTF-8 BOM
    if "\ufeff" in text:
        line = text.count("\n", 0, text.index("\ufeff")) + 1
        message = (
            "contains an invisible byte order mark (U+FEFF) inside the text, "
            "e.g. from joining files; delete it"
        )
        raise _Unreadable(Reason(file, line, "", message))
    return text


_SAVE = "save it as UTF-8"


_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _utf16_like(raw: bytes) -> bool:
    head = raw[:64]
    return len(head) >= 4 and (not any(head[0::2]) or not any(head[1::2]))


def _leaks(file: str, text: str, secrets: Mapping[str, str]) -> list[Reason]:
    """A credential written into a manifest, as it is or pasted from a variable."""
    problems = []
    for secret, name in secrets.items():
        if secret in text:
            line = text.count("\n", 0, text.index(secret)) + 1
            message = _leak_message(f"holds the value of {name}")
            problems.append(Reason(file, line, "", message))
    return problems


def _leak_message(what: str) -> str:
    return (
        f"{what}: a manifest must never carry a credential, since plans are "
        "posted to pull requests and webhook URLs send it to other hosts; "
        "remove it (and rotate the credential if this was ever committed)"
    )


def _syntax_reason(file: str, text: str, exc: yaml.YAMLError) -> Reason:
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.encode("utf-8")[: exc.position].count(b"\n") + 1
        char = exc.character if isinstance(exc.character, int) else 0
        message = (
            f"control character U+{char:04X} is not allowed in YAML; delete it, or "
            "write it as an escape (such as \\x07) inside double quotes"
        )
        return Reason(file, line, "", message)
    if not isinstance(exc, yaml.MarkedYAMLError):
        return Reason(file, 1, "", f"invalid YAML: {exc}")
    mark = exc.problem_mark or exc.context_mark
    if isinstance(exc, _ShapeError):
        return Reason(file, mark.line + 1 if mark else 1, "", str(exc.problem))
    if mark and _tab_indented(text, mark.line):
        # PyYAML says "found character that cannot start any token" here.
        return Reason(file, mark.line + 1, "", _TABS)
    message = f"invalid YAML: {exc.problem or exc.context}"
    if exc.context and exc.problem and exc.context_mark:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    return Reason(file, mark.line + 1 if mark else 1, "", message)


_TABS = (
    "a tab indents this line, and YAML cannot be indented with tabs; indent with "
    "spaces (most editors can convert tabs to spaces)"
)


def _tab_indented(text: str, line: int) -> bool:
    lines = text.splitlines()
    if line >= len(lines):
        return False
    row = lines[line]
    return "\t" in row[: len(row) - len(row.lstrip(" \t"))]


# `$${` is a literal `${`; `${NAME}` and `${NAME:-default}` read the environment.
_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_VARIABLE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.DOTALL)


class Unset(Reason):
    """A value naming a variable that has no value, met with ``unset_ok``: not
    a problem, but the value is unknown, so checks of it are left out."""


def _interpolate(
    file: str,
    node: Any,
    path: str,
    line: int,
    env: Mapping[str, str],
    secrets: Mapping[str, str],
    unset_ok: bool = False,
) -> list[Reason]:
    """Substitute variables in every string value, in place; report problems
    (and the numbers YAML 1.1 and 1.2 read differently, met on the way)."""
    if isinstance(node, Located):
        problems = [
            Reason(file, line, _join(path, key), "duplicate key in mapping")
            for key, line in node.duplicates
        ]
        keys: Any = list(node)
    elif isinstance(node, list):
        problems, keys = [], range(len(node))
    else:
        return []
    for key in keys:
        value = node[key]
        if isinstance(value, str) and "$" not in value and "@" not in value:
            continue  # nothing to substitute: skip the path and line bookkeeping
        child_path, child_line = _child(node, key, path, line)
        if isinstance(value, str):
            node[key], errors, unset = _substitute(value, env, secrets, unset_ok)
            if not errors and (refused := urlauth.problem(value, node[key])):
                errors.append(refused)
            problems += [Reason(file, child_line, child_path, e) for e in errors]
            problems += [Unset(file, child_line, child_path, n) for n in unset]
        elif type(value) is LeadingZero:
            problems.append(Reason(file, child_line, child_path, _zero(value)))
        else:
            problems += _interpolate(
                file, value, child_path, child_line, env, secrets, unset_ok
            )
    return problems


def _zero(value: LeadingZero) -> str:
    text, number = value.text, int(value)
    digits = text.lstrip("+-")
    old = f"octal {int(text, 8)}" if set(digits) <= set("01234567") else "text"
    return (
        f"{text} starts with a zero, which YAML 1.1 tools read as {old} and "
        f'YAML 1.2 as {number}; write {number}, or quote it ("{text}") for text'
    )


def _child(node: Any, key: Any, path: str, line: int) -> tuple[str, int]:
    """The path and line of ``node[key]``, for reporting."""
    if isinstance(node, Located):
        return _join(path, key), node.line(key)
    value = node[key]
    return f"{path}[{key}]", value.line() if isinstance(value, Located) else line


def _substitute(
    text: str, env: Mapping[str, str], secrets: Mapping[str, str], unset_ok: bool
) -> tuple[str, list[str], list[str]]:
    """The text with its variables replaced, the problems, and (with
    ``unset_ok``) the names of variables left as written for want of a value."""
    errors: list[str] = []
    unset: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        inner = match.group(1)
        variable = _VARIABLE.fullmatch(inner) if inner is not None else None
        if variable is None:
            errors.append(f"malformed variable reference {match.group(0)!r}")
            return match.group(0)
        name, default = variable.groups()
        if name in logs.CREDENTIAL_VARIABLES:
            errors.append(_leak_message(f"${{{name}}} reads a credential variable"))
            return match.group(0)
        if name not in env and default is None:
            if unset_ok:
                unset.append(name)
            else:
                errors.append(
                    f"environment variable {name} is not set and has no default"
                )
            return match.group(0)
        # Like the shell's `:-`, an empty variable also takes the default.
        value = env.get(name) or default or ""
        for secret, holder in secrets.items():
            if secret in value:
                errors.append(_leak_message(f"${{{name}}} holds the value of {holder}"))
                return match.group(0)
        return value

    return _TOKEN.sub(replace, text), errors, unset


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
