"""bff/db: the SQLite store."""
