"""The sandbox's state file: SQLite (the standard library's), one row per record.

Why SQLite: a request writes only the rows it changed, in one transaction, so
its cost does not grow with the account; WAL makes a committed transaction
survive a ``kill -9`` (synchronous=NORMAL loses nothing on a process crash,
only, perhaps, the last transactions on a power cut, which a sandbox can
afford); and several processes can share one file, which SQLite's locks keep
consistent. Each process keeps the state in memory for reading; a request
takes the write lock (BEGIN IMMEDIATE) and, if another process committed
since, first reads what it changed: every write carries a serial number, and
removed records leave a tombstone, so catching up costs what changed, not the
size of the account.

A state file of version 2 (one JSON document) is migrated in place; the JSON
is kept next to it as ``<name>.v2-backup``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...errors import ConfigError
from .state import STATE_VERSION, Catchup, Store, check_state

LEGACY_VERSION = 2
_MAGIC = b"SQLite format 3\x00"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    sid TEXT NOT NULL,
    body TEXT NOT NULL,
    serial INTEGER NOT NULL DEFAULT 0,  -- of the transaction that wrote it last
    UNIQUE (kind, sid)
);
CREATE INDEX IF NOT EXISTS records_by_serial ON records (serial);
CREATE TABLE IF NOT EXISTS removed (
    kind TEXT NOT NULL,
    sid TEXT NOT NULL,
    serial INTEGER NOT NULL,
    UNIQUE (kind, sid)
);
"""
# Other processes hold the write lock for one request at a time.
_BUSY_TIMEOUT_S = 30.0


class Database:
    """One connection to a state file; every call is made under the emulator's lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(
                path,
                timeout=_BUSY_TIMEOUT_S,
                isolation_level=None,  # transactions are begun explicitly
                check_same_thread=False,  # server threads take turns under a lock
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._serial = self._read_serial()
        except sqlite3.Error as exc:
            raise _unreadable(path, exc) from None
        self._seen = self._serial  # the serial this process's memory is at
        self._writing = False  # this transaction has taken its serial

    def _read_serial(self) -> int:
        found = self._db.execute("SELECT value FROM meta WHERE key = 'serial'")
        row = found.fetchone()
        return int(row[0]) if row else 0

    def begin(self) -> bool:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            serial = self._read_serial()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise _unreadable(self.path, exc) from None
            raise ConfigError(
                f"The sandbox state file {self.path} stayed locked by another "
                f"process for {_BUSY_TIMEOUT_S:.0f} s ({exc}). Stop the other "
                "twilio-iac process using it, or set TWILIO_IAC_SANDBOX_STATE "
                "to another path."
            ) from None
        except sqlite3.Error as exc:
            raise _unreadable(self.path, exc) from None
        self._writing = False
        self._seen, self._serial = self._serial, serial
        return self._serial != self._seen

    def read(self) -> dict[str, Any]:
        try:
            return _read_rows(self._db, self.path)
        except sqlite3.Error as exc:
            raise _unreadable(self.path, exc) from None

    def read_changes(self) -> Catchup:
        """Rows written or removed after serial ``_seen``, and the state's meta."""
        try:
            meta = self._db.execute("SELECT value FROM meta WHERE key = 'state'")
            written = self._db.execute(
                "SELECT kind, sid, body FROM records WHERE serial > ? ORDER BY rowid",
                (self._seen,),
            )
            removed = self._db.execute(
                "SELECT kind, sid FROM removed WHERE serial > ?", (self._seen,)
            )
            return Catchup(
                json.loads(meta.fetchone()[0]),
                [(kind, sid, json.loads(body)) for kind, sid, body in written],
                list(removed),
            )
        except sqlite3.Error as exc:
            raise _unreadable(self.path, exc) from None

    def write(self, rows: list[tuple[str, str, str | None]], meta: str | None) -> None:
        try:
            self._write(rows, meta)
        except sqlite3.Error as exc:  # e.g. the disk is full
            raise _unwritable(self.path, exc) from None

    def _write(self, rows: list[tuple[str, str, str | None]], meta: str | None) -> None:
        if not self._writing:
            self._writing = True
            self._serial += 1
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('serial', ?)",
                (str(self._serial),),
            )
        serial = self._serial
        upserts = [
            (kind, sid, body, serial) for kind, sid, body in rows if body is not None
        ]
        deletes = [(kind, sid, serial) for kind, sid, body in rows if body is None]
        if upserts:
            self._db.executemany(
                "INSERT INTO records (kind, sid, body, serial) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, sid) DO UPDATE "
                "SET body = excluded.body, serial = excluded.serial",
                upserts,
            )
        if deletes:
            self._db.executemany(
                "DELETE FROM records WHERE kind = ? AND sid = ?",
                [(kind, sid) for kind, sid, _ in deletes],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO removed (kind, sid, serial) VALUES (?, ?, ?)",
                deletes,
            )
        if meta is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('state', ?)", (meta,)
            )

    def commit(self) -> None:
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _unwritable(self.path, exc) from None

    def rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")
        if self._writing:
            self._serial -= 1

    def close(self) -> None:
        self._db.close()


def open_state(
    path: Path, fresh: Callable[[], Store], migrate_from: Path | None = None
) -> Store:
    """The store kept in ``path``: opened, migrated from a JSON state file of
    version 2 (``path`` itself, or ``migrate_from`` when ``path`` is missing),
    or created from ``fresh()``."""
    if path.exists() and not _is_sqlite(path):
        state = Store(_read_legacy(path)).state
        backup = path.with_name(path.name + ".v2-backup")
        try:
            backup.write_bytes(path.read_bytes())
        except OSError as exc:
            raise _unwritable(backup, exc) from None
        _create(path, state, replace=True)
    elif not path.exists():
        legacy = migrate_from if migrate_from and migrate_from.exists() else None
        state = Store(_read_legacy(legacy)).state if legacy else fresh().state
        _create(path, state, replace=False)
        if legacy is not None:
            legacy.replace(legacy.with_name(legacy.name + ".v2-backup"))
    database = Database(path)
    try:
        state = database.read()
    except ConfigError:
        database.close()
        raise
    return Store(state, database)


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_MAGIC)) == _MAGIC
    except OSError as exc:
        raise _unreadable(path, exc) from None


def _read_rows(db: sqlite3.Connection, path: Path) -> dict[str, Any]:
    try:
        found = dict(db.execute("SELECT key, value FROM meta"))
    except sqlite3.OperationalError:  # no such table: not one of ours
        found = {}
    if found.get("schema") != str(STATE_VERSION):
        raise ConfigError(
            f"The sandbox state file {path} was written by another version of "
            "twilio-iac. Delete it (and its -wal and -shm files) to start the "
            "sandbox afresh."
        )
    state = json.loads(found["state"])
    collections: dict[str, dict[str, Any]] = {}
    for kind, sid, body in db.execute(
        "SELECT kind, sid, body FROM records ORDER BY rowid"
    ):
        collections.setdefault(kind, {})[sid] = json.loads(body)
    state["collections"] = collections
    return state


def _create(path: Path, state: dict[str, Any], replace: bool) -> None:
    """Write a whole state to a new file, then put it in place at once."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        _write_all(tmp, state)
        if replace:
            _drop_stale_log(path)
            os.replace(tmp, path)
        else:
            _put_if_absent(tmp, path)
    except (OSError, sqlite3.Error) as exc:
        raise _unwritable(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _write_all(file: Path, state: dict[str, Any]) -> None:
    db = sqlite3.connect(file, isolation_level=None)
    try:
        db.executescript(_SCHEMA)
        db.execute("BEGIN")
        meta = {k: v for k, v in state.items() if k != "collections"}
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('schema', ?), ('state', ?)",
            (str(STATE_VERSION), json.dumps(meta, sort_keys=True)),
        )
        db.executemany(
            "INSERT INTO records (kind, sid, body) VALUES (?, ?, ?)",
            (
                (kind, sid, json.dumps(record))
                for kind, records in state["collections"].items()
                for sid, record in records.items()
            ),
        )
        db.execute("COMMIT")
    finally:
        db.close()


def _put_if_absent(tmp: Path, path: Path) -> None:
    """Put tmp at path unless another process has created it meanwhile: its
    state is as fresh as ours, and replacing it would lose its writes."""
    try:
        if not path.exists():
            _drop_stale_log(path)
        os.link(tmp, path)  # fails if another process created it meanwhile
    except FileExistsError:
        pass
    except OSError:
        # No hard links on this file system: fall back to a plain rename.
        if not path.exists():
            os.replace(tmp, path)


def _drop_stale_log(path: Path) -> None:
    """A write-ahead log left beside a deleted state file (by a killed process)
    would be replayed into the new file."""
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _read_legacy(path: Path) -> dict[str, Any]:
    """A JSON state file of version 2, checked and brought to this version."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _unreadable(path, exc) from exc
    if not isinstance(state, dict) or state.get("version") != LEGACY_VERSION:
        raise ConfigError(
            f"The sandbox state file {path} was written by another version of "
            "twilio-iac. Delete it to start the sandbox afresh."
        )
    try:
        check_state(state)
    except ValueError as exc:
        raise ConfigError(
            f"The sandbox state file {path} is corrupt ({exc}); delete it to "
            "start afresh."
        ) from None
    state["version"] = STATE_VERSION
    return state


def _unreadable(path: Path, exc: Exception) -> ConfigError:
    return ConfigError(
        f"The sandbox state file {path} cannot be read ({exc}). Delete it "
        "to start the sandbox afresh, or set TWILIO_IAC_SANDBOX_STATE to "
        "another path."
    )


def _unwritable(path: Path, exc: Exception) -> ConfigError:
    reason = getattr(exc, "strerror", None) or str(exc)
    filename = getattr(exc, "filename", None)
    if filename and str(filename) != str(path):
        reason += f": {filename}"
    return ConfigError(
        f"The sandbox state cannot be saved to {path} ({reason}). Set "
        "TWILIO_IAC_SANDBOX_STATE (or `emulator serve --state`) to a "
        "writable file path."
    )
