"""Imports of device IDs into a product, from the browser (`/ops/import`) or the command line.

- `bff.imports.parse`: reading a pasted or uploaded list (one device a line, a serial number may follow).
- `bff.imports.service`: `ImportService`: batches stored line by line, worked in chunks by the worker.
"""
from bff.imports.parse import MAX_BYTES, MAX_LINES, ParsedLine, parse_device_list  # noqa: F401
from bff.imports.service import CHUNK_SIZE, Batch, ImportService  # noqa: F401
