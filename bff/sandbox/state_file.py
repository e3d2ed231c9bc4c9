"""The state file: a JSON snapshot, and beside it a journal of the changes made since
(`<state file>.journal`), so that saving a change costs what the change is, not what the state is.

Snapshot: one JSON object, as earlier versions wrote it whole after every change (such a file
still loads): the small fields, then each collection as a list of records, one record a line. It
names the journal that continues it (`"journal": "<id>"`).

Journal: JSON lines. The first names the snapshot it continues (`{"journal": "<id>"}`); every
other line is one committed write, `{"set": {field: whole value}, "put": {collection: [record,
...]}, "drop": {collection: [key, ...]}}`. A line goes to the file in one write() before the
request is answered, so a kill -9 loses at most the write in progress (a torn last line is cut
off at load); like the earlier whole-file saves, nothing is fsync'ed (a power cut may lose more).

Compaction (at load, and whenever the journal outgrows the snapshot) writes a fresh snapshot
(temp file + rename) naming a new journal id, then starts that journal. A crash in between leaves
the old journal, whose id no longer matches: it is ignored, its changes being in the snapshot.
"""
from __future__ import annotations

import json
import os
import secrets
import tempfile
from typing import Any, Iterable, Iterator

from .records import COLLECTIONS, record_from_json, record_json

FORMAT = 2
JOURNAL_SUFFIX = ".journal"
COMPACT_RATIO = 1.0          # compact when the journal is larger than the snapshot...
COMPACT_FLOOR = 4 << 20      # ...plus 4 MB (a small state is not rewritten every few writes)


class StateFile:
    """A state's snapshot file and its journal: read at start, appended to at every commit."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.journal_path = path + JOURNAL_SUFFIX
        self.snapshot_bytes = self.journal_bytes = 0
        self._journal: int | None = None   # file descriptor, open for appending

    def exists(self) -> bool:
        return os.path.exists(self.path)

    @property
    def ready(self) -> bool:
        """True when the journal continuing the snapshot on disk is open for appending."""
        return self._journal is not None

    def read(self) -> tuple[dict, dict[str, dict]]:
        """The saved state: its small fields, and each collection as {key: record} (Wi-Fi: by
        position), the journal replayed."""
        with open(self.path, encoding="utf-8") as source:
            fields, collections = _read_snapshot(source)
        self.snapshot_bytes = os.path.getsize(self.path)
        for change in self._read_journal(fields.get("journal")):
            apply_change(fields, collections, change)
        return fields, collections

    def _read_journal(self, journal_id: str | None) -> Iterator[dict]:
        """The journal's changes, if it continues this snapshot; opens it for appending after
        cutting off a torn or unreadable tail."""
        self.close()
        if journal_id is None or not os.path.exists(self.journal_path):
            return
        good = 0
        with open(self.journal_path, "rb") as source:
            for number, line in enumerate(source):
                change = _parse_line(line.decode("utf-8", errors="replace"))
                if change is None or (number == 0 and change.get("journal") != journal_id):
                    break
                good += len(line)  # bytes, for the cut below
                if number:
                    yield change
        if good == 0:
            return  # a journal of another snapshot (or none): compaction starts a new one
        if good < os.path.getsize(self.journal_path):
            os.truncate(self.journal_path, good)
        self._open_journal(good)

    def append(self, change: dict) -> None:
        """Add one committed write to the journal (one write() call)."""
        line = (json.dumps(change, separators=(",", ":")) + "\n").encode()
        view = memoryview(line)
        while view:
            view = view[os.write(self._journal, view):]  # type: ignore[arg-type]
        self.journal_bytes += len(line)

    def due(self) -> bool:
        """True when the journal has outgrown the snapshot (time to compact)."""
        return self.journal_bytes > COMPACT_RATIO * self.snapshot_bytes + COMPACT_FLOOR

    def write(self, fields: dict, collections: dict[str, Iterable[dict]]) -> None:
        """Compaction: a fresh snapshot of everything, then an empty journal continuing it."""
        journal_id = secrets.token_hex(8)
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".sandbox-state-", dir=directory)
        with os.fdopen(handle, "w") as out:
            _write_snapshot(out, {"format": FORMAT, "journal": journal_id, **fields}, collections)
        os.replace(temp, self.path)
        self.snapshot_bytes = os.path.getsize(self.path)
        self._start_journal(journal_id, directory)

    def _start_journal(self, journal_id: str, directory: str) -> None:
        self.close()
        handle, temp = tempfile.mkstemp(prefix=".sandbox-journal-", dir=directory)
        header = (json.dumps({"journal": journal_id}) + "\n").encode()
        os.write(handle, header)
        os.close(handle)
        os.replace(temp, self.journal_path)
        self._open_journal(len(header))

    def _open_journal(self, size: int) -> None:
        self._journal = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND)
        self.journal_bytes = size

    def close(self) -> None:
        if self._journal is not None:
            os.close(self._journal)
            self._journal = None


def _parse_line(line: str) -> dict | None:
    """One journal line's change; None for a torn (no newline) or unreadable line."""
    if not line.endswith("\n"):
        return None
    try:
        change = json.loads(line)
    except ValueError:
        return None
    return change if isinstance(change, dict) else None


def _write_snapshot(out: Any, fields: dict, collections: dict[str, Iterable[dict]]) -> None:
    """The snapshot JSON, written as it is made: the fields, then one record a line."""
    out.write(json.dumps(fields)[:-1])
    for name, records in collections.items():
        out.write(f',\n"{name}": [')
        separator = "\n"
        for record in records:
            out.write(separator + json.dumps(record))
            separator = ",\n"
        out.write("\n]")
    out.write("}\n")


def journal_change(whole: dict, keyed: dict[str, dict]) -> dict:
    """One journal line's JSON data: fields set whole, and per collection the records put
    (`keyed`: key -> record) and the keys dropped (key -> None)."""
    put = {name: [record_json(r) for r in items.values() if r is not None]
           for name, items in keyed.items()}
    drop = {name: [key for key, r in items.items() if r is None] for name, items in keyed.items()}
    parts = {"set": whole, "put": _non_empty(put), "drop": _non_empty(drop)}
    return {part: values for part, values in parts.items() if values}


def _non_empty(values: dict) -> dict:
    return {name: items for name, items in values.items() if items}


def _read_snapshot(source: Any) -> tuple[dict, dict[str, dict]]:
    """A snapshot's fields and collections: read a record a line when it is in this module's
    layout (a million devices never sit in memory twice, as JSON and as records), else (the
    whole-state files of earlier versions) parsed in one go."""
    header = _parse_line(source.readline().rstrip().rstrip(",") + "}\n")
    if header is None or header.get("format") != FORMAT:
        source.seek(0)
        data = json.load(source)
        return data, {name: records_by_key(name, data.get(name, [])) for name in COLLECTIONS}
    collections: dict[str, dict] = {name: {} for name in COLLECTIONS}
    name = None
    for line in source:
        line = line.rstrip().rstrip(",")
        if line.endswith("["):
            name = json.loads(line[:-1].rstrip().rstrip(":"))
        elif line.startswith("]"):
            name = None
        elif name is not None:
            _put(collections[name], name, json.loads(line))
    return header, collections


def records_by_key(name: str, items: list[dict]) -> dict:
    """A collection's records from their JSON data, by key (Wi-Fi networks: by position)."""
    collection: dict = {}
    for data in items:
        _put(collection, name, data)
    return collection


def _put(collection: dict, name: str, data: dict) -> None:
    """A record from its JSON data into its collection (replacing the one with its key)."""
    record_class, key = COLLECTIONS[name]
    collection[data.get(key) if key is not None else len(collection)] = record_from_json(record_class, data)


def apply_change(fields: dict, collections: dict[str, dict], change: dict) -> None:
    """One journal line's change applied to a read state."""
    for name, value in change.get("set", {}).items():
        if name in COLLECTIONS:
            collections[name] = records_by_key(name, value)
        else:
            fields[name] = value
    for name, items in change.get("put", {}).items():
        for data in items:
            _put(collections[name], name, data)
    for name, keys in change.get("drop", {}).items():
        for key in keys:
            collections[name].pop(key, None)
