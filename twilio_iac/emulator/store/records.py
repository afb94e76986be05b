"""Stored records that report their changes, and one kind's map of them.

A stored record is a Record, which reports a change to one of its fields; a
kind's RecordMap reports records set or removed. So a request's changes are
known without scanning the account: the store writes just those, and the
map keeps its indexes (the numbers owned, the numbers using an application)
and its cached views (one account's records, between pages) up to date.
A change inside a nested field must set the top-level field again to be seen.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from typing import Any

# (kind, sid) of the records changed since the last write, in the order of
# their first change: new rows get row ids, hence creation order, in it.
Changes = dict[tuple[str, str], None]
_MISSING = object()


class Record(dict):
    """A record; once stored, a change to one of its fields is remembered."""

    __slots__ = ("_owner",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._owner: tuple[RecordMap, str] | None = None

    def _changed(self, field: str | None = None, old: Any = _MISSING) -> None:
        if self._owner is not None:
            records, sid = self._owner
            records.changed(sid, field, old)

    def __setitem__(self, key: str, value: Any) -> None:
        old = self.get(key)
        super().__setitem__(key, value)
        self._changed(key, old)

    def __delitem__(self, key: str) -> None:
        old = self[key]
        super().__delitem__(key)
        self._changed(key, old)

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def pop(self, key: str, *default: Any) -> Any:
        self._changed()
        return super().pop(key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._changed()
        return super().setdefault(key, default)

    def clear(self) -> None:
        super().clear()
        self._changed()

    def __ior__(self, other: Any) -> Record:
        self.update(other)
        return self

    # Copies are plain dicts: they belong to no store.
    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return copy.deepcopy(dict(self), memo)

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))


class RecordMap(dict):
    """One kind's records by SID; setting or removing one is remembered."""

    def __init__(self, kind: str, changes: Changes, records: Any = ()) -> None:
        super().__init__()
        self.kind = kind
        self._changes = changes
        self.version = 0  # bumped by every change: cached views compare it
        self._views: dict[frozenset, tuple[int, dict[str, Any]]] = {}
        # field → value → SIDs of the records with it; built on first use, then
        # kept up to date as records are set, changed and removed.
        self._indexes: dict[str, dict[Any, dict[str, None]]] = {}
        for sid, record in dict(records).items():
            self._bind(sid, record)

    # --- what other modules call ---------------------------------------------

    def values_of(self, field: str) -> Collection[Any]:
        """The values ``field`` has across the records (e.g. the numbers owned)."""
        return self._index_of(field).keys()

    def having(self, field: str, value: Any) -> list[str]:
        """The SIDs of the records whose ``field`` is ``value``."""
        return list(self._index_of(field).get(value, ()))

    def where(self, scope: dict[str, Any]) -> dict[str, Any]:
        """The records whose fields have the scope's values (e.g. one account's),
        kept until the next change, so paging through a list does not filter
        every record again for each page."""
        key = frozenset(scope.items())
        cached = self._views.get(key)
        if cached is not None and cached[0] == self.version:
            return cached[1]
        found = {
            sid: record
            for sid, record in self.items()
            if all(record.get(field) == value for field, value in scope.items())
        }
        self._views[key] = (self.version, found)
        return found

    def changed(self, sid: str, field: str | None = None, old: Any = _MISSING) -> None:
        """A stored record changed: in ``field``, from ``old``, when known."""
        self.version += 1
        self._changes[self.kind, sid] = None
        if field is None or old is _MISSING:
            self._indexes.clear()
            return
        index = self._indexes.get(field)
        if index is not None:
            _forget(index, old, sid)
            index.setdefault(self[sid].get(field), {})[sid] = None

    def load(self, sid: str, record: dict[str, Any]) -> None:
        """Take a record another process wrote (nothing to write back)."""
        self._bind(sid, record)

    def drop(self, sid: str) -> None:
        """Forget a record another process removed."""
        if sid in self:
            self._unbind(sid)

    # --- dict, with every change remembered ----------------------------------

    def __setitem__(self, sid: str, record: dict[str, Any]) -> None:
        self._bind(sid, record)
        self._changes[self.kind, sid] = None

    def __delitem__(self, sid: str) -> None:
        if sid not in self:
            raise KeyError(sid)
        self._unbind(sid)
        self._changes[self.kind, sid] = None

    def pop(self, sid: str, *default: Any) -> Any:
        if sid not in self:
            return super().pop(sid, *default)
        record = self[sid]
        del self[sid]
        return record

    def setdefault(self, sid: str, default: Any = None) -> Any:
        if sid not in self:
            self[sid] = default
        return self[sid]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for sid, record in dict(*args, **kwargs).items():
            self[sid] = record

    def clear(self) -> None:
        for sid in list(self):
            del self[sid]

    def popitem(self) -> tuple[str, Any]:
        sid = next(reversed(self))
        return sid, self.pop(sid)

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {sid: copy.deepcopy(dict(r), memo) for sid, r in self.items()}

    # --- bookkeeping -----------------------------------------------------------

    def _bind(self, sid: str, record: Any) -> None:
        """Store ``record`` under ``sid``; a replaced record keeps its place."""
        if not isinstance(record, Record):
            record = Record(record)
        old = super().get(sid)
        if old is not None:
            old._owner = None
            for field, index in self._indexes.items():
                _forget(index, old.get(field), sid)
        record._owner = (self, sid)
        for field, index in self._indexes.items():
            index.setdefault(record.get(field), {})[sid] = None
        super().__setitem__(sid, record)
        self.version += 1

    def _unbind(self, sid: str) -> None:
        record = super().pop(sid)
        record._owner = None
        for field, index in self._indexes.items():
            _forget(index, record.get(field), sid)
        self.version += 1

    def _index_of(self, field: str) -> dict[Any, dict[str, None]]:
        index = self._indexes.get(field)
        if index is None:
            index = {}
            for sid, record in self.items():
                index.setdefault(record.get(field), {})[sid] = None
            self._indexes[field] = index
        return index


def _forget(index: dict[Any, dict[str, None]], value: Any, sid: str) -> None:
    sids = index.get(value)
    if sids is not None:
        sids.pop(sid, None)
        if not sids:
            del index[value]
