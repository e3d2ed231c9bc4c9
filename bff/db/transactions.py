"""The clock default and transactions shared by the query modules of bff/db/."""
from __future__ import annotations

import time
from contextlib import contextmanager


def now_or(now: float | None) -> float:
    """`now` if the caller gave a time, else the current Unix time."""
    return time.time() if now is None else now


IN_LIST_LIMIT = 500  # IDs in one `IN (...)` list: well under SQLite's limit on parameters


def rows_for_ids(query, sql: str, ids: list) -> list[dict]:
    """The rows of `sql` (a SELECT whose `IN ({})` takes the IDs) for every ID, `query`-ing
    IN_LIST_LIMIT IDs at a time."""
    rows: list[dict] = []
    for start in range(0, len(ids), IN_LIST_LIMIT):
        chunk = ids[start:start + IN_LIST_LIMIT]
        rows.extend(query(sql.format(", ".join("?" * len(chunk))), chunk))
    return rows


def first_row(rows) -> dict | None:
    """The first row of a query (None if there is none).

    The query is closed at once: a half-read SQLite cursor would keep its read snapshot open,
    and later statements on the same connection would not see other processes' writes.
    """
    try:
        return next(iter(rows), None)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


@contextmanager
def immediate_transaction(db):
    """A write transaction that takes the write lock first (`BEGIN IMMEDIATE`): what it reads
    cannot change before it writes, across threads and processes. Any exception inside, or a
    commit that fails, rolls all of it back: nothing is half written, and the connection is
    left outside a transaction, usable at once."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.conn.commit()  # a failed commit (a deferred constraint, disk full) leaves it open: roll back
    except BaseException:
        db.conn.rollback()
        raise
