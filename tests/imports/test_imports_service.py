"""`ImportService`: a batch stored line by line, imported in chunks, a result per line, rate limits
and outages waited out, a crash mid-chunk harmless."""
from __future__ import annotations

import pytest

from bff import labels
from bff.devices import DeviceService
from bff.errors import ImportRefused
from bff.imports import CHUNK_SIZE, ImportService

from tests.support.imports import import_calls, loose_devices


@pytest.fixture
def imports(store, particle, audit, clock) -> ImportService:
    return ImportService(store, particle, DeviceService(store, particle), audit, clock)


@pytest.fixture
def slug(electron) -> str:
    return electron["slug"]


def _results(store, batch_id) -> dict[int, tuple[str, str | None]]:
    return {line["line_no"]: (line["result"], line["reason"])
            for line in store.import_lines(batch_id, limit=100_000)}


def test_start_stores_every_line_and_audits_it(imports, store, audit, slug, sandbox):
    [one, two] = loose_devices(sandbox, 2)
    batch = imports.start_batch(None, slug, f"device_id,serial\n{one},SN-1\n{two[:23]}\n{one}\n", "pasted")
    assert (batch.state, batch.total, batch.processed, batch.invalid, batch.pending) == ("queued", 3, 2, 2, 1)
    assert _results(store, batch.id) == {
        2: ("pending", None), 3: ("invalid", "not a device ID: 23 characters, needs 24"),
        4: ("invalid", "listed twice, see line 2")}
    [entry] = audit.entries(action="import.start")
    assert entry.result == "ok" and slug in entry.detail and "3 lines" in entry.detail and "2 invalid" in entry.detail


def test_a_refused_list_stores_nothing(imports, store, audit, slug):
    with pytest.raises(ImportRefused):
        imports.start_batch(None, slug, "not an id\n", "pasted")
    assert store.import_batches() == []
    assert audit.entries(action="import.start")[0].result == "refused"


def test_chunks_of_100_with_a_result_per_line_and_label_codes(imports, store, control, sandbox, electron,
                                                              slug, online_device):
    new = loose_devices(sandbox, 2 * CHUNK_SIZE + 10)
    photon = loose_devices(sandbox, 1, platform="photon")[0]
    text = "\n".join([f"{device_id},SN-{n}" for n, device_id in enumerate(new)] + [online_device, photon])
    batch = imports.start_batch(None, slug, text, "pasted")
    control.clear_requests()

    done = imports.work(batch.id)

    assert len(import_calls(control, slug)) == 3  # 212 IDs: 100 + 100 + 12
    assert (done.state, done.added, done.already, done.refused, done.invalid, done.processed) == (
        "done", len(new), 1, 1, 0, len(new) + 2)
    results = _results(store, batch.id)
    assert results[1] == ("added", None) and results[len(new) + 1] == ("already", "already in the product")
    assert results[len(new) + 2][0] == "refused" and "not valid for this product" in results[len(new) + 2][1]
    assert control.device(new[0])["product_id"] == electron["id"]
    row = store.device(new[5])
    assert labels.is_label_code(row["label_code"]) and row["serial_number"] == "SN-5"
    assert row["product_key"] == slug and row["platform_id"] == electron["platform_id"]
    assert store.device(photon) is None  # refused: not kept, no label
    assert not control.requests(f"/v1/products/{slug}/devices", "GET")  # the product is never listed


def test_counters_move_per_chunk(imports, sandbox, slug):
    batch = imports.start_batch(None, slug, "\n".join(loose_devices(sandbox, 250)), "pasted")
    partly = imports.work(batch.id, max_chunks=1)
    assert (partly.state, partly.processed, partly.added, partly.pending) == ("running", 100, 100, 150)
    assert imports.work(batch.id).state == "done"


def test_a_rate_limit_keeps_the_lines_waiting_until_retry_after(imports, store, control, sandbox, slug, clock):
    ids = loose_devices(sandbox, 150)
    batch = imports.start_batch(None, slug, "\n".join(ids), "pasted")
    control.add_fault(path=f"/v1/products/{slug}/devices", method="POST", status=429, retry_after=40, times=1)

    waiting = imports.work(batch.id)

    assert (waiting.state, waiting.processed, waiting.pending) == ("running", 0, 150)
    assert waiting.next_attempt_at == pytest.approx(clock.now + 40)
    assert "rate limited" in waiting.last_error
    assert control.device(ids[0])["product_id"] is None
    control.clear_requests()
    clock.advance(39)
    assert imports.work(batch.id).pending == 150 and import_calls(control, slug) == []  # not due yet
    assert store.due_import_batches(now=clock.now) == []
    clock.advance(2)
    done = imports.work(batch.id)
    assert (done.state, done.added, done.last_error) == ("done", 150, None)


def test_an_outage_retries_with_backoff(imports, control, sandbox, slug, clock):
    batch = imports.start_batch(None, slug, "\n".join(loose_devices(sandbox, 3)), "pasted")
    control.add_fault(path=f"/v1/products/{slug}/devices", method="POST", status=503, times=2)
    first = imports.work(batch.id)
    assert first.next_attempt_at == pytest.approx(clock.now + 30) and first.pending == 3
    clock.advance(30)
    second = imports.work(batch.id)
    assert second.next_attempt_at == pytest.approx(clock.now + 60)
    clock.advance(60)
    assert imports.work(batch.id).added == 3


def test_a_chunk_refused_as_a_whole_is_tried_one_id_at_a_time(imports, store, control, sandbox, slug):
    ids = loose_devices(sandbox, 3)
    batch = imports.start_batch(None, slug, "\n".join(ids), "pasted")
    control.add_fault(path=f"/v1/products/{slug}/devices", method="POST", status=400, times=2,
                      body={"ok": False, "error": "Bad device"})
    done = imports.work(batch.id)  # the chunk, then its first ID alone, are refused
    assert (done.state, done.added, done.refused) == ("done", 2, 1)
    assert _results(store, batch.id) == {1: ("refused", "refused by the cloud: Bad device"),
                                         2: ("added", None), 3: ("added", None)}


def test_a_crash_mid_chunk_leaves_it_pending_and_importing_again_is_harmless(
        imports, store, control, sandbox, slug, clock, monkeypatch, electron):
    ids = loose_devices(sandbox, 5)
    batch = imports.start_batch(None, slug, "\n".join(ids), "pasted")

    def crash(*args, **kwargs):
        raise RuntimeError("killed after the cloud call")

    monkeypatch.setattr(imports.devices, "remember", crash)
    with pytest.raises(RuntimeError):
        imports.work(batch.id)
    assert control.device(ids[0])["product_id"] == electron["id"]  # the cloud took them
    assert imports.batch(batch.id).pending == 5  # no result written
    monkeypatch.undo()
    assert imports.work(batch.id).pending == 5  # its lease still holds: nobody else works it
    clock.advance(121)
    done = imports.work(batch.id)
    assert (done.state, done.already, done.added) == ("done", 5, 0)
    assert all(labels.is_label_code(store.device(device_id)["label_code"]) for device_id in ids)


def test_work_due_goes_on_after_a_failing_batch(imports, store, sandbox, slug, monkeypatch, clock):
    first = imports.start_batch(None, slug, "\n".join(loose_devices(sandbox, 2)), "pasted")
    second = imports.start_batch(None, slug, "\n".join(loose_devices(sandbox, 2)), "pasted")
    real = imports._import_chunk

    def broken_first(batch, lines):
        if batch.id == first.id:
            raise RuntimeError("boom")
        return real(batch, lines)

    monkeypatch.setattr(imports, "_import_chunk", broken_first)
    imports.work_due()
    assert imports.batch(second.id).state == "done"
    assert imports.batch(first.id).pending == 2
    assert store.due_import_batches(now=clock.now) == [first.id]  # lease given back


def test_a_product_the_cloud_does_not_know_fails_the_batch(imports, control, sandbox, slug, audit):
    batch = imports.start_batch(None, slug, "\n".join(loose_devices(sandbox, 2)), "pasted")
    control.add_fault(path=f"/v1/products/{slug}/devices", method="POST", status=404,
                      body={"ok": False, "error": "Product not found"})
    failed = imports.work(batch.id)
    assert failed.state == "failed" and failed.pending == 2 and "Product not found" in failed.last_error
    assert audit.entries(action="import.finish")[0].result == "failed"


def test_the_workers_tick_works_due_batches(services, sandbox, electron):
    from bff.worker import Worker

    batch = services.imports.start_batch(None, electron["slug"], "\n".join(loose_devices(sandbox, 3)), "pasted")
    Worker(services).tick()
    assert services.imports.batch(batch.id).state == "done"
