"""SQLite: the only code with SQL in it. `Store` is one database; its queries come in one mixin per area.

- `store.py`: `Store` (connection, WAL, migrations run, users, devices, token and product caches, heartbeats); `calls.py`: the cloud-call log.
- `migrations.py`: the schema, one numbered migration at a time.
- `accounts.py`, `claims.py`, `messages.py`, `wifi_setup.py`, `calls.py`, `console.py`, `people.py`, `field.py`, `imports.py`, `operators.py`, `metrics.py`: the queries of each area.
- `modes.py`: each product's recorded ownership mode, its owned devices, a mode switch's claims.
- `devices.py`: known devices a page at a time (the worker's reconcile), only what changed written.
- `transactions.py`: the clock default and `BEGIN IMMEDIATE` transactions.
"""
from bff.db.store import Store

__all__ = ["Store"]
