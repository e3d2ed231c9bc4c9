"""`ImportService`: batches of device IDs imported into a product, worked in the background.

`start_batch` stores every line of the list (bff/imports/parse.py) in one transaction and audits
it; `work` (the worker, or the command line in the foreground) imports the pending lines in chunks
of `CHUNK_SIZE` IDs, one `POST /v1/products/:p/devices` each, and writes each line's result only
after the cloud answered: a crash mid-chunk leaves the chunk pending, and importing an ID again is
harmless (the cloud answers "already in the product"). The devices added or already there are kept
as known devices with a label code (`DeviceService.remember`) from what the batch knows (ID, serial
number, the product's platform): no call per device, and the product is never listed again (the
worker's reconcile fills in names and online state later).

One worker at a time per batch (a lease); a 429 keeps the lines pending until its Retry-After,
an outage retries with backoff, a refusal of the whole product (credentials, unknown product)
fails the batch; a chunk the cloud refuses as a whole is tried again one ID at a time, so one bad
ID gets its own reason and the others still go in.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from bff import errors
from bff.audit.log import FAILED, OK, REFUSED
from bff.imports.parse import parse_device_list

logger = logging.getLogger(__name__)

CHUNK_SIZE = 100
LEASE_SECONDS = 120.0
BACKOFF_SECONDS = (30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
WORK_DUE_CHUNKS = 50  # per batch and worker tick, so the tick's other jobs are not held up
FATAL = (errors.Unauthorized, errors.ProductNotConfigured, errors.NotFound)
CLOUD_REASONS = {
    "nonmember_device_ids": "refused by the cloud: in another product, or owned by an account "
                            "outside this product's team",
    "invalid_device_ids": "refused by the cloud: not valid for this product (unknown device ID, "
                          "or a device of another platform)",
    "protected_device_ids": "refused by the cloud: a protected device",
}


@dataclass(frozen=True)
class Batch:
    """A batch as operators see it."""

    id: int
    product_key: str
    created_by: int | None
    created_at: float
    source: str | None
    state: str  # queued | running | done | failed
    total: int
    processed: int
    added: int
    already: int
    invalid: int
    refused: int
    next_attempt_at: float | None
    finished_at: float | None
    last_error: str | None

    @classmethod
    def from_row(cls, row: dict) -> Batch:
        return cls(**{name: row.get(name) for name in cls.__dataclass_fields__})

    @property
    def pending(self) -> int:
        return self.total - self.processed

    @property
    def open(self) -> bool:
        """Still being worked (the page refreshes itself)."""
        return self.state in ("queued", "running")

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.processed / self.total)

    @property
    def problems(self) -> int:
        return self.invalid + self.refused


class ImportService:
    """Starts, works and reads import batches."""

    def __init__(self, store, particle, devices, audit, clock=time.time) -> None:
        self.store = store
        self.particle = particle
        self.devices = devices
        self.audit = audit
        self.clock = clock
        self._failures: dict[int, int] = {}  # batch id -> outages in a row (backoff)

    # -- starting and reading ------------------------------------------------------------------

    def start_batch(self, actor, product_key: str, text: str | bytes, source: str) -> Batch:
        """Store the list as a queued batch (every line, valid or not); ImportRefused if nothing to do."""
        try:
            self.particle.credentials(product_key)
            lines = parse_device_list(text)
        except errors.BffError as exc:
            self.audit.record(actor, "import.start", result=REFUSED,
                              detail=f"product {product_key}, {source}: {exc.public_message}")
            raise
        batch_id = self.store.create_import_batch(
            product_key=product_key, created_by=getattr(actor, "id", actor), source=source,
            lines=[line.as_row() for line in lines], now=self.clock())
        batch = self.batch(batch_id)
        self.audit.record(actor, "import.start", detail=(
            f"batch {batch_id}, product {product_key}, {source}: {batch.total} lines, "
            f"{batch.pending} to import, {batch.invalid} invalid"))
        return batch

    def batch(self, batch_id: int) -> Batch | None:
        row = self.store.import_batch(batch_id)
        return None if row is None else Batch.from_row(row)

    def recent(self, limit: int = 20) -> list[Batch]:
        return [Batch.from_row(row) for row in self.store.import_batches(limit=limit)]

    def lines(self, batch_id: int, *, problems_only: bool = False, page: int = 1,
              per_page: int = 100) -> tuple[list[dict], int]:
        """One page of the batch's lines, and how many lines there are in all (for that filter)."""
        offset = (max(page, 1) - 1) * per_page
        rows = self.store.import_lines(batch_id, problems_only=problems_only, offset=offset, limit=per_page)
        return rows, self.store.count_import_lines(batch_id, problems_only=problems_only)

    def label_rows(self, actor, batch_id: int) -> list[dict]:
        """The batch's devices (added or already there) with their label codes; audited as printed."""
        batch = self.batch(batch_id)
        if batch is None:
            return []
        rows = self.store.import_label_rows(batch_id)
        self.audit.record(actor, "labels.print",
                          detail=f"batch {batch_id}, product {batch.product_key}: {len(rows)} labels")
        return rows

    # -- working -------------------------------------------------------------------------------

    def work_due(self, *, max_chunks: int = WORK_DUE_CHUNKS) -> None:
        """The worker's job: a share of every due batch; one batch failing never stops the others."""
        for batch_id in self.store.due_import_batches(now=self.clock()):
            try:
                self.work(batch_id, max_chunks=max_chunks)
            except Exception:
                logger.exception("import batch %s failed", batch_id)
                self.store.release_import_lease(batch_id)

    def work(self, batch_id: int, *, max_chunks: int | None = None) -> Batch:
        """Import pending lines (all, or `max_chunks` chunks) unless another worker holds the batch
        or it waits for a retry; the batch as it is afterwards."""
        if not self.store.lease_import_batch(batch_id, seconds=LEASE_SECONDS, now=self.clock()):
            return self.batch(batch_id)
        batch = self.batch(batch_id)
        chunks = 0
        while max_chunks is None or chunks < max_chunks:
            lines = self.store.pending_import_lines(batch_id, limit=CHUNK_SIZE)
            if not lines:
                self.store.finish_import_batch(batch_id, state="done", now=self.clock())
                self._finished(batch_id, "done")
                return self.batch(batch_id)
            if not self._chunk_or_stop(batch, lines):
                return self.batch(batch_id)
            chunks += 1
            self.store.renew_import_lease(batch_id, seconds=LEASE_SECONDS, now=self.clock())
        self.store.release_import_lease(batch_id)
        return self.batch(batch_id)

    def _chunk_or_stop(self, batch: Batch, lines: list[dict]) -> bool:
        """Import one chunk; False when the batch must stop for now (postponed or failed)."""
        try:
            self._import_chunk(batch, lines)
        except errors.RateLimited as exc:
            self._postpone(batch.id, exc.retry_after, f"rate limited by the cloud: {exc.detail}")
            return False
        except FATAL as exc:
            self.store.finish_import_batch(batch.id, state="failed", error=_error_text(exc), now=self.clock())
            self._finished(batch.id, "failed", exc)
            return False
        except errors.CloudError as exc:  # an outage, a time-out: back off and try again
            failures = self._failures[batch.id] = self._failures.get(batch.id, 0) + 1
            self._postpone(batch.id, BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS)) - 1], _error_text(exc))
            return False
        self._failures.pop(batch.id, None)
        return True

    def _import_chunk(self, batch: Batch, lines: list[dict]) -> None:
        try:
            result = self.particle.import_devices(batch.product_key, [line["device_id"] for line in lines])
        except (errors.BadRequest, errors.Forbidden, errors.DeviceNotFound, errors.DeviceOwnedByOther,
                errors.DeviceNotInProduct) as exc:
            if len(lines) == 1:  # this one ID is what the cloud refuses
                self.store.record_import_results(batch.id, [(lines[0]["id"], "refused", _refusal(exc))])
                return
            for line in lines:  # which one? each on its own
                self._import_chunk(batch, [line])
            return
        results = sort_results(lines, result)
        self._remember(batch.product_key, lines, results)
        self.store.record_import_results(batch.id, [(line_id, outcome, reason)
                                                    for line_id, (outcome, reason) in results.items()])

    def _remember(self, product_key: str, lines: list[dict], results: dict) -> None:
        """Keep the devices now in the product as known devices with label codes."""
        platform_id = self._platform_id(product_key)
        for line in lines:
            if results[line["id"]][0] not in ("added", "already"):
                continue
            device = {"id": line["device_id"]}
            if platform_id is not None:
                device["platform_id"] = platform_id
            if line.get("serial_number"):
                device["serial_number"] = line["serial_number"]
            self.devices.remember(product_key, device)

    def _platform_id(self, product_key: str) -> int | None:
        try:
            return self.particle.product_info(product_key).platform_id
        except errors.BffError:  # the worker's reconcile fills it in later
            return None

    def _postpone(self, batch_id: int, seconds: float, error: str) -> None:
        self.store.postpone_import_batch(batch_id, until=self.clock() + seconds, error=error)

    def _finished(self, batch_id: int, state: str, error: errors.BffError | None = None) -> None:
        self._failures.pop(batch_id, None)
        batch = self.batch(batch_id)
        detail = (f"batch {batch_id}, product {batch.product_key}: added {batch.added}, already {batch.already}, "
                  f"invalid {batch.invalid}, refused {batch.refused}")
        self.audit.record(None, "import.finish", result=OK if state == "done" else FAILED,
                          detail=detail + (f"; {_error_text(error)}" if error else ""))


def sort_results(lines: list[dict], result) -> dict[int, tuple[str, str | None]]:
    """Line id -> (result, reason) from the cloud's `ImportResult` (IDs compared in lower case)."""
    said: dict[str, tuple[str, str | None]] = {}
    for device_id in result.updated_device_ids:
        said[str(device_id).lower()] = ("added", None)
    for device_id in result.existing_device_ids:
        said[str(device_id).lower()] = ("already", "already in the product")
    for field, reason in CLOUD_REASONS.items():
        for device_id in getattr(result, field):
            said[str(device_id).lower()] = ("refused", reason)
    unsaid = ("refused", "the cloud's reply did not mention this device; import it again")
    return {line["id"]: said.get(line["device_id"], unsaid) for line in lines}


def _refusal(exc: errors.CloudError) -> str:
    return f"refused by the cloud: {exc.cloud_message or exc.public_message}"


def _error_text(exc: errors.BffError | None) -> str:
    return "" if exc is None else f"{exc.public_message} ({exc.detail})"
