"""The fleet file: which accounts one command manages, and the manifests of each.

Read with the manifests' own YAML reader, so every problem is reported as
``<file>:<line> <path>: <message>``, all at once, before anything is sent.
schemas/fleet.schema.json describes the same format for editors.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from twilio_iac.errors import ConfigError, ManifestError
from twilio_iac.manifests import located
from twilio_iac.manifests.located import Located, LocatedList, Reason

STATUSES = ("active", "suspended", "closed")
_KEYS = ("friendly_name", "sid", "paths", "api_key_env", "api_secret_env", "status")
_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_CREDENTIAL = re.compile(r"^(SK|AC)[0-9a-fA-F]{32}$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Twilio's limit on an account's friendly name.
_NAME_LIMIT = 64


@dataclass(frozen=True)
class Account:
    """One entry: a (sub)account named by its friendly_name."""

    friendly_name: str
    paths: tuple[Path, ...]  # the layers, resolved against the fleet file
    sid: str | None = None
    api_key_env: str | None = None
    api_secret_env: str | None = None
    status: str | None = None  # None: not managed
    line: int = 0

    @property
    def key_vars(self) -> tuple[str, str] | None:
        """The variables naming the account's own API key, when given."""
        if self.api_key_env and self.api_secret_env:
            return (self.api_key_env, self.api_secret_env)
        return None


@dataclass(frozen=True)
class Fleet:
    file: str
    accounts: tuple[Account, ...]


def load(path: Path) -> Fleet:
    """The fleet at ``path``; ManifestError naming every problem at once."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise _refused(
            [f"{file}: cannot be read ({type(exc).__name__}: {exc})"]
        ) from exc
    try:
        data = located.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise _refused(
            [f"{file}:{line} {getattr(exc, 'problem', None) or exc}"]
        ) from exc
    reasons: list[Reason] = []
    accounts = _accounts(file, path.parent, data, reasons)
    if reasons:
        raise _refused([str(r) for r in sorted(reasons, key=lambda r: r.line)])
    return Fleet(file, tuple(accounts))


def _refused(reasons: list[str]) -> ManifestError:
    return ManifestError(reasons, headline="The fleet file has problems")


def _accounts(file: str, base: Path, data: Any, reasons: list[Reason]) -> list[Account]:
    if not isinstance(data, Located) or not isinstance(data.get("accounts"), list):
        line = data.line() if isinstance(data, Located) else 1
        reasons.append(Reason(file, line, "", "expected `accounts:`, a list"))
        return []
    for key in data:
        if key != "accounts":
            reasons.append(
                Reason(file, data.line(key), key, "unknown key; only `accounts:`")
            )
    items = data["accounts"]
    found: list[Account] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        where = f"accounts[{index}]"
        line = _item_line(items, index, data.line("accounts"))
        if not isinstance(item, Located):
            reasons.append(Reason(file, line, where, "expected a mapping"))
            continue
        name = item.get("friendly_name")
        if isinstance(name, str) and name.strip():
            first = seen.setdefault(name.casefold(), item.line())
            if first != item.line():
                reasons.append(
                    Reason(
                        file,
                        item.line("friendly_name"),
                        f"{where}.friendly_name",
                        f"{name!r} is already the name of the account at line "
                        f"{first}; each account appears once",
                    )
                )
        account = _account(file, base, item, where, reasons)
        if account is not None:
            found.append(account)
    _duplicate_sids(file, items, found, reasons)
    return found


def _item_line(items: Any, index: int, default: int) -> int:
    if isinstance(items, LocatedList):
        return items.line(index)
    return default


def _account(
    file: str, base: Path, item: Located, where: str, reasons: list[Reason]
) -> Account | None:
    def bad(key: str | None, message: str) -> None:
        path = f"{where}.{key}" if key else where
        reasons.append(Reason(file, item.line(key), path, message))

    before = len(reasons)
    for key, mark in item.duplicates:
        reasons.append(
            Reason(file, mark.line + 1, f"{where}.{key}", "written twice; keep one")
        )
    for key in item:
        if key not in _KEYS:
            bad(key, f"unknown key; one of {', '.join(_KEYS)}")
    _check_identity(item, bad)
    paths = _paths(base, item, bad)
    _check_key_vars(item, bad)
    status = item.get("status")
    if status is not None and status not in STATUSES:
        bad("status", f"one of {', '.join(STATUSES)}")
    if len(reasons) > before:
        return None
    return Account(
        friendly_name=item["friendly_name"],
        paths=paths,
        sid=item.get("sid"),
        api_key_env=item.get("api_key_env"),
        api_secret_env=item.get("api_secret_env"),
        status=status,
        line=item.line(),
    )


Bad = Callable[[str | None, str], None]


def _check_identity(item: Located, bad: Bad) -> None:
    name = item.get("friendly_name")
    if not isinstance(name, str) or not name.strip():
        bad(
            None if "friendly_name" not in item else "friendly_name",
            "`friendly_name` is required: the account's name, its identity",
        )
    elif len(name) > _NAME_LIMIT:
        bad("friendly_name", f"longer than Twilio's {_NAME_LIMIT} characters")
    sid = item.get("sid")
    if sid is not None and not (isinstance(sid, str) and _SID.match(sid)):
        bad("sid", "not an account SID (AC and 32 hexadecimal digits)")


def _check_key_vars(item: Located, bad: Bad) -> None:
    """Names of variables, both or neither; never a value (a secret)."""
    for key in ("api_key_env", "api_secret_env"):
        value = item.get(key)
        if value is not None and not (
            isinstance(value, str) and _VARIABLE.match(value)
        ):
            bad(key, "the name of an environment variable (never the secret itself)")
        elif isinstance(value, str) and _CREDENTIAL.match(value):
            bad(
                key,
                "this is a key or account SID, not a variable's name: write "
                "the name of the variable that holds it",
            )
    if ("api_key_env" in item) != ("api_secret_env" in item):
        missing = "api_secret_env" if "api_key_env" in item else "api_key_env"
        bad(None, f"`{missing}` is missing: an API key needs both variables")


def _paths(base: Path, item: Located, bad: Bad) -> tuple[Path, ...]:
    given = item.get("paths")
    if not isinstance(given, list) or not given:
        key = "paths" if "paths" in item else None
        bad(key, "`paths` is required: a list of manifest files or directories")
        return ()
    resolved = []
    for index, entry in enumerate(given):
        if not isinstance(entry, str) or not entry.strip():
            bad("paths", f"paths[{index}] is not a path")
            continue
        path = base / entry
        if not path.exists():
            bad(
                "paths",
                f"paths[{index}] {entry!r}: no such file or directory "
                f"(relative to {base or '.'})",
            )
        resolved.append(path)
    return tuple(resolved)


def _duplicate_sids(
    file: str, items: list[Any], found: list[Account], reasons: list[Reason]
) -> None:
    pinned: dict[str, str] = {}
    for account in found:
        if account.sid is None:
            continue
        other = pinned.setdefault(account.sid, account.friendly_name)
        if other != account.friendly_name:
            reasons.append(
                Reason(
                    file,
                    account.line,
                    "sid",
                    f"{account.sid} is pinned by {other!r} already",
                )
            )


def select(
    accounts: tuple[Account, ...], only: str | None, shard: tuple[int, int] | None
) -> tuple[Account, ...]:
    """The accounts ``--only`` names (names or globs, comma-separated) and
    that fall in ``--shard K/N``: a stable split, by a hash of each name, so
    N CI jobs each take their own share and together take all of them."""
    chosen = accounts
    if only is not None:
        patterns = [p.strip() for p in only.split(",") if p.strip()]
        chosen = tuple(
            a
            for a in chosen
            if any(fnmatch.fnmatchcase(a.friendly_name, p) for p in patterns)
        )
        unmatched = [
            p
            for p in patterns
            if not any(fnmatch.fnmatchcase(a.friendly_name, p) for a in accounts)
        ]
        if unmatched:
            names = ", ".join(repr(p) for p in unmatched)
            raise ConfigError(
                f"--only {names} matches no account of the fleet file; nothing "
                "was sent. Names are friendly_names, globs may use * and ?."
            )
    if shard is not None:
        index, count = shard
        chosen = tuple(a for a in chosen if shard_of(a.friendly_name, count) == index)
    return chosen


def shard_of(name: str, count: int) -> int:
    """The shard (1 to ``count``) an account falls in, the same on every machine."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` as (K, N), 1 <= K <= N."""
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if found:
        index, count = int(found.group(1)), int(found.group(2))
        if 1 <= index <= count:
            return index, count
    raise ConfigError(
        f"--shard {text!r} is not K/N with 1 <= K <= N (e.g. 3/8: the third "
        "of eight shards)."
    )
