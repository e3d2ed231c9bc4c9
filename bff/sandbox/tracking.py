"""Containers that report their changes, and the changes waiting to be journaled.

The sandbox's routes change the state in place (`state.devices[id] = device`,
`state.customers.remove(c)`, `del state.tokens[t]`, `state.options.update(...)`). The state's
dicts and lists are these subclasses, so each such change reaches the state
(`home.item_replaced`) without the routes knowing: the state keeps its look-ups current and
notes what to journal. dict's and list's own C methods (update, pop, extend, ...) do not call
`__setitem__`, so every mutator is overridden here; the rare list operations that move records
around (insert, sort, slices) report the whole list as rewritten.
"""
from __future__ import annotations

from typing import Any, Iterable

_NO_DEFAULT = object()


class TrackedDict(dict):
    """A dict of a state (records by key, or the options) that reports every change to it."""

    __slots__ = ("home", "name")

    def __init__(self, home: Any, name: str, items: Any = ()) -> None:
        dict.__init__(self, items)
        self.home, self.name = home, name

    def __setitem__(self, key: Any, value: Any) -> None:
        old = dict.get(self, key)
        dict.__setitem__(self, key, value)
        self.home.item_replaced(self.name, key, old, value)

    def __delitem__(self, key: Any) -> None:
        old = dict.pop(self, key)
        self.home.item_replaced(self.name, key, old, None)

    def pop(self, key: Any, default: Any = _NO_DEFAULT) -> Any:
        if key in self:
            value = self[key]
            del self[key]
            return value
        if default is _NO_DEFAULT:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple:
        key = next(reversed(self))
        return key, self.pop(key)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *others: Any, **items: Any) -> None:
        for key, value in dict(*others, **items).items():
            self[key] = value

    def __ior__(self, other: Any) -> TrackedDict:
        self.update(other)
        return self

    def clear(self) -> None:
        for key in list(self):
            del self[key]


class TrackedList(list):
    """A list of records of a state (customers, transfers, Wi-Fi) that reports every change."""

    __slots__ = ("home", "name")

    def __init__(self, home: Any, name: str, items: Iterable = ()) -> None:
        list.__init__(self, items)
        self.home, self.name = home, name

    def append(self, item: Any) -> None:
        list.append(self, item)
        self.home.item_replaced(self.name, None, None, item)

    def extend(self, items: Iterable) -> None:
        for item in items:
            self.append(item)

    def __iadd__(self, items: Iterable) -> TrackedList:  # type: ignore[override]
        self.extend(items)
        return self

    def remove(self, item: Any) -> None:
        del self[self.index(item)]

    def pop(self, index: Any = -1) -> Any:
        item = self[index]
        del self[index]
        return item

    def __delitem__(self, index: Any) -> None:
        if isinstance(index, slice):
            self._rewrite(list.__delitem__, index)
            return
        item = self[index]
        list.__delitem__(self, index)
        self.home.item_replaced(self.name, None, item, None)

    def _rewrite(self, operation: Any, *args: Any) -> None:
        """Any other change: apply it, then report the list as rewritten (before -> now)."""
        before = list(self)
        operation(self, *args)
        self.home.collection_rewritten(self.name, before)

    def insert(self, index: Any, item: Any) -> None:
        self._rewrite(list.insert, index, item)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._rewrite(list.__setitem__, index, value)

    def __imul__(self, times: Any) -> TrackedList:  # type: ignore[override]
        self._rewrite(list.__imul__, times)
        return self

    def sort(self, **options: Any) -> None:
        self._rewrite(lambda items: list.sort(items, **options))

    def reverse(self) -> None:
        self._rewrite(list.reverse)

    def clear(self) -> None:
        self._rewrite(list.clear)


class Changes:
    """What changed since the last commit: per keyed collection, the records to write (or None:
    to drop) by key; the fields to write whole (small collections, options, the clock offset)."""

    def __init__(self) -> None:
        self.keyed: dict[str, dict[Any, Any]] = {}
        self.whole: set[str] = set()

    def put(self, collection: str, key: Any, record: Any) -> None:
        """The record under `key` changed (None: it left the collection)."""
        changed = self.keyed.get(collection)
        if changed is None:
            changed = self.keyed[collection] = {}
        changed[key] = record

    def mark(self, name: str) -> None:
        """The field `name` changed as a whole."""
        self.whole.add(name)

    def __bool__(self) -> bool:
        return bool(self.keyed or self.whole)

    def take(self) -> tuple[set[str], dict[str, dict[Any, Any]]]:
        """(whole fields, keyed changes), forgotten here."""
        taken = self.whole, self.keyed
        self.clear()
        return taken

    def clear(self) -> None:
        """Forget everything (after a commit, or a load)."""
        self.keyed, self.whole = {}, set()
