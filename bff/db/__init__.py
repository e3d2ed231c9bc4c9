"""SQLite: the only code with SQL in it. `Store` is one database; its queries come in one mixin per area.

- `store.py`: `Store` (connection, WAL, migrations run, devices, cloud-call log, product cache).
- `migrations.py`: the schema, one numbered migration at a time.
- `accounts.py`, `claims.py`, `messages.py`, `wifi_setup.py`: the queries of each area.
- `transactions.py`: the clock default and `BEGIN IMMEDIATE` transactions.
"""
from bff.db.store import Store

__all__ = ["Store"]
