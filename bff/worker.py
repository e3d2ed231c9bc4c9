"""The background worker: follows each product's event stream, finishes claims, sends SMS.

- One `EventStream` per product (prefix `spark/status`): every `online`/`offline` event updates
  the known device in SQLite at once; an `online` event finishes the device's waiting claim
  (`ClaimsService.device_online`) within moments of the device connecting. A device bff first
  hears of this way is read once from the product (`NewDevices`, off the stream thread) and kept
  with its name, platform and label code; a failed read is tried again at its next event.
- Every tick: open claims whose retry is due are tried again (the fallback for missed events and
  cloud trouble), queued outbound SMS are delivered, import batches get their next chunks, due
  webhook events are sent to the product creator's endpoints, and a heartbeat row is written (read by `GET /healthz`: "worker alive").
- Every 5 minutes a reconcile pass reads each product's whole device list and updates the known
  devices (owner, name, online, ...), which covers events missed while the stream was down. A pass
  is worked in slices: each tick takes pages of 100 devices for about one heartbeat interval, then
  lets the other jobs run, and the next tick goes on where it stopped (ticks follow each other at
  once while a pass is open). Each page is one short write (only rows that changed, label codes
  for new devices in the same transaction), a short gap keeps claims from waiting behind a run of
  page writes, and the heartbeat is written between pages, so `/healthz` never sees a reconcile
  as a dead worker however big the product. A daily housekeeping prunes old log rows.

One failure never stops the rest: a job, an online handler, a product's stream or reconcile,
or one device that raises is logged (`logger.exception`) and the worker goes on with the next.

Run it as its own process (`flask --app app bff worker`) or as a thread (`flask --app app bff serve`).
Everything it knows is in SQLite, so a worker killed with `kill -9` resumes where it was.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterable, Iterator

from bff.errors import CloudError
from bff.sms.inbox import SmsInbox

logger = logging.getLogger(__name__)

HEARTBEAT_NAME = "worker"
HEARTBEAT_SECONDS = 10.0
RECONCILE_SECONDS = 300.0  # a reconcile pass starts this long after the last one started (or when it ends)
RECONCILE_PAGE_SIZE = 100  # devices written in one transaction (the client's page size)
RECONCILE_SORT = ("deviceId", "asc")  # an order a device keeps while a pass reads the pages (see reconcile)
# After a page write, a pause twice as long as it took (within these bounds) before the next one: SQLite's
# busy handler tries a waiting writer again after 1, 2, 5, 10, 15, 20, 25 ms..., each wait about as long as
# it has waited so far, so a claim that waited for one page write gets the lock before the next.
RECONCILE_WRITE_GAP_SECONDS = (0.005, 0.25)
TICK_PAUSE_WHILE_RECONCILING = 1.0  # between ticks while a pass is open (else heartbeat_seconds)
HOUSEKEEPING_SECONDS = 24 * 3600.0
CLOUD_CALL_LOG_DAYS = 30  # the cloud-call log, handled SMS and delivered events are kept this many days
STATUS_EVENT = "spark/status"


class Worker:
    """Keeps bff's picture of the devices current and runs periodic jobs."""

    def __init__(self, services, *, heartbeat_seconds: float = HEARTBEAT_SECONDS,
                 reconcile_seconds: float = RECONCILE_SECONDS, reconcile_slice_seconds: float | None = None,
                 stream_options: dict | None = None, clock: Callable[[], float] = time.time) -> None:
        self.store = services.store
        self.particle = services.particle
        self.claims = services.claims
        self.devices = services.devices
        self.sms = services.sms
        self.accounts = getattr(services, "accounts", None)
        self.sms_inbox = SmsInbox(services, deadline=0)  # SMS commands a crash left half done
        self.heartbeat_seconds = heartbeat_seconds
        self.reconcile_seconds = reconcile_seconds
        # a tick's share of a reconcile pass (then the other jobs run): one heartbeat interval by default
        self.reconcile_slice_seconds = heartbeat_seconds if reconcile_slice_seconds is None else reconcile_slice_seconds
        self.clock = clock  # wall time of the heartbeats and of the reconcile's slices
        self.stream_options = stream_options or {}
        self.streams = []
        self.online_handlers: list[Callable[[str, str], None]] = [self.claims.device_online]
        self.setup = getattr(services, "setup", None)  # Wi-Fi setup (bff/wifi_setup/service.py)
        self.imports = getattr(services, "imports", None)  # import batches (bff/imports/)
        self.webhooks = getattr(services, "webhooks", None)  # events to the product creator's endpoints
        self.lifecycle = getattr(services, "lifecycle", None)  # moves, offers (bff/ownership/lifecycle.py)
        if self.setup is not None:
            self.online_handlers.append(self.setup.device_online)
        self.new_devices = NewDevices(self.devices)
        self.stopping = threading.Event()
        self._last_reconcile: float | None = None  # monotonic time the last reconcile pass started
        self._reconcile_pass: Iterator[tuple[str, list[dict]]] | None = None  # the open pass's pages
        self._last_beat: float | None = None  # self.clock() of the last heartbeat written
        self._next_page_write = 0.0  # monotonic time before which no page is written (the gap after the last)
        self._last_housekeeping: float | None = None

    def on_device_online(self, handler: Callable[[str, str], None]) -> None:
        """Call `handler(product_key, device_id)` whenever a device comes online."""
        self.online_handlers.append(handler)

    def run_forever(self) -> None:
        """Start the event streams, then beat and reconcile until `stop()`."""
        self.start_streams()
        try:
            while not self.stopping.is_set():
                self.tick()
                pause = self.heartbeat_seconds
                if self.reconciling:  # the pass goes on at once; the other jobs still run every slice
                    pause = min(pause, TICK_PAUSE_WHILE_RECONCILING)
                self.stopping.wait(pause)
        finally:
            self.stop_streams()

    def stop(self) -> None:
        self.stopping.set()

    def tick(self) -> None:
        """One round of periodic work: heartbeat, due claims, due SMS, and the reconcile when due."""
        jobs = [self._heartbeat, self.claims.retry_due, self.sms.deliver_due, self.sms_inbox.finish_stuck,
                self._reconcile_if_due, self._housekeeping_if_due]
        if self.setup is not None:
            jobs.append(self.setup.check_open_codes)  # Wi-Fi claim codes: arrivals missed, expiry
        if self.imports is not None:
            jobs.append(self.imports.work_due)  # import batches (/ops/import): their next chunks
        if self.webhooks is not None:
            jobs.append(self.webhooks.deliver_due)  # signed events to BFF_WEBHOOK_URLS (bff/webhooks)
        if self.lifecycle is not None:  # moves a crash left open, offers past 7 days, untexted questions
            jobs += [self.lifecycle.resume_moves, self.lifecycle.expire_offers, self.lifecycle.text_unsent_questions]
        for job in jobs:
            try:
                job()
            except Exception:  # one failing job must not stop the others or the worker
                logger.exception("worker job %s failed", getattr(job, "__name__", job))

    def _heartbeat(self) -> None:
        now = self.clock()
        self.store.record_heartbeat(HEARTBEAT_NAME, now=now)
        self._last_beat = now

    def _beat_if_due(self) -> None:
        """The heartbeat in the middle of long work, at most once per heartbeat interval (a beat
        that fails is logged: the work goes on, the next tick beats again)."""
        if self._last_beat is not None and self.clock() - self._last_beat < self.heartbeat_seconds:
            return
        try:
            self._heartbeat()
        except Exception:  # the database busy or gone: /healthz will say so, the reconcile goes on
            logger.warning("heartbeat not recorded during the reconcile", exc_info=True)

    def _reconcile_if_due(self) -> None:
        """A tick's slice of the open reconcile pass, or of a new one when one is due."""
        if self._reconcile_pass is None:
            now = time.monotonic()
            if self._last_reconcile is not None and now - self._last_reconcile < self.reconcile_seconds:
                return
            self._last_reconcile = now
        self.reconcile(seconds=self.reconcile_slice_seconds)

    def _housekeeping_if_due(self) -> None:
        now = time.monotonic()
        if self._last_housekeeping is None or now - self._last_housekeeping >= HOUSEKEEPING_SECONDS:
            self._last_housekeeping = now
            self.housekeeping()

    def housekeeping(self, *, now: float | None = None) -> None:
        """Once a day: forget cloud-call log rows, handled SMS, delivered events, ended sessions,
        sign-in codes and rate counters past their use."""
        now = time.time() if now is None else now
        before = now - CLOUD_CALL_LOG_DAYS * 24 * 3600
        self.store.prune_cloud_calls(before=before)
        self.store.prune_messages(before=before)
        self.store.prune_webhook_events(before=before)
        self.store.prune_web_sessions(before=before)
        if self.accounts is not None:
            self.accounts.prune()

    def start_streams(self) -> None:
        """One event stream per configured product."""
        for product_key in self.particle.product_keys():
            try:
                stream = self.particle.event_stream(
                    product_key, self._handler_for(product_key), prefix=STATUS_EVENT, **self.stream_options
                )
                self.streams.append(stream.start())
            except Exception:  # the other products' streams and the periodic jobs still run
                logger.exception("event stream of %s could not start", product_key)

    def stop_streams(self) -> None:
        for stream in self.streams:
            stream.stop()
        self.streams = []
        self.new_devices.close()

    def _handler_for(self, product_key: str) -> Callable:
        return lambda event: self.handle_event(product_key, event)

    def handle_event(self, product_key: str, event) -> None:
        """Record a device's `spark/status` change; tell the handlers when it comes online."""
        if event.name != STATUS_EVENT or not event.coreid or event.data not in ("online", "offline"):
            return
        online = event.data == "online"
        known = self.store.device(event.coreid)
        self.store.upsert_device(event.coreid, product_key=product_key)
        self.store.set_device_online(event.coreid, online)
        self.new_devices.heard_of(product_key, event.coreid.lower(), known)
        if online:
            self._notify_online(product_key, event.coreid.lower())

    def _notify_online(self, product_key: str, device_id: str) -> None:
        for handler in self.online_handlers:
            try:
                handler(product_key, device_id)
            except Exception:  # one failing handler must not stop the stream
                logger.exception("online handler failed for device %s", device_id)

    # -- reconcile ----------------------------------------------------------------------------------

    @property
    def reconciling(self) -> bool:
        """Whether a reconcile pass is open (started, not yet through every product's list)."""
        return self._reconcile_pass is not None

    def reconcile(self, *, seconds: float | None = None) -> bool:
        """Refresh the known devices of every product from the cloud's device lists: the open pass
        (a new one if none is open) for at most `seconds`, None for all of it. True once the pass
        is through; False when it stopped in the middle (the next call goes on from there).

        Why whole passes in slices and not "what changed since last time": Particle's product
        device list has no such filter. It can be sorted by `lastConnection` (its default, newest
        first), but a claim, a release or a rename made elsewhere does not move a device in that
        order, so a pass that stopped at the first device not connected since the last pass would
        miss exactly the owner changes a reconcile is for. So every pass reads the whole list,
        sorted by `deviceId` (RECONCILE_SORT): an order a device keeps while the pass goes on,
        where sorted by `lastConnection` a device that connects mid-pass would jump to page 1
        and push the devices between a page further. Devices that never connected are listed
        like any other. Pages are taken from the client one at a time and never kept, so a pass
        holds no more than the client's reading of the list does.
        """
        if self._reconcile_pass is None:
            self._reconcile_pass = self._pass_pages(self.particle.product_keys())
        deadline = None if seconds is None else self.clock() + seconds
        while not self.stopping.is_set():
            item = next(self._reconcile_pass, None)
            if item is None:
                self._reconcile_pass = None
                return True
            self._keep_page(*item)
            if deadline is not None and self.clock() >= deadline:
                break
        return False

    def reconcile_product(self, product_key: str) -> None:
        """One product's whole device list now, page by page (the cloud's errors are raised)."""
        for page, asked_at in self._product_pages(product_key):
            self._keep_page(product_key, page, asked_at)

    def _pass_pages(self, product_keys: Iterable[str]) -> Iterator[tuple[str, list[dict]]]:
        """The pages of every product's list in turn; a product whose list fails is logged and
        left for the next pass (the other products go on)."""
        for product_key in product_keys:
            try:
                for page, asked_at in self._product_pages(product_key):
                    yield product_key, page, asked_at
            except CloudError as error:
                logger.warning("reconcile of %s failed: %s", product_key, error.detail)
            except Exception:  # a bug with one product must not stop the others
                logger.exception("reconcile of %s failed", product_key)

    def _product_pages(self, product_key: str) -> Iterator[tuple[list[dict], float]]:
        """Each page of the product's list with the wall time it was asked for (before the request:
        the cloud's answer is no older than that)."""
        sort_attr, sort_dir = RECONCILE_SORT
        pages = self.particle.product_device_pages(product_key, sort_attr=sort_attr, sort_dir=sort_dir)
        while True:
            asked_at = time.time()
            page = next(pages, None)
            if page is None:
                return
            yield page, asked_at

    def _keep_page(self, product_key: str, page: list[dict], asked_at: float) -> None:
        """One page in one short write, the cloud's owner taken (customers mode only) unless bff
        changed the device after the page was asked for (a claim or move recorded meanwhile: the
        next pass reads it anew); an odd device is logged and the rest of the page kept. A gap
        after the last page write lets a waiting claim in first."""
        gap = self._next_page_write - time.monotonic()
        if gap > 0:
            self.stopping.wait(gap)
        started = time.monotonic()
        try:
            kept = self.devices.remember_page(product_key, page, owner=self._takes_cloud_owners(product_key),
                                              listed_at=asked_at)
        except Exception:  # the page is read again at the next pass
            logger.exception("reconcile of %s: a page of %d devices not recorded", product_key, len(page))
        else:
            if kept.page_error is not None:
                logger.error("reconcile of %s: a page written device by device", product_key,
                             exc_info=kept.page_error)
            for device_id, error in kept.failed:
                logger.error("reconcile of %s: device %s not recorded", product_key, device_id, exc_info=error)
            if kept.written:
                ended = time.monotonic()
                shortest, longest = RECONCILE_WRITE_GAP_SECONDS
                self._next_page_write = ended + min(max(2 * (ended - started), shortest), longest)
        self._beat_if_due()


    def _takes_cloud_owners(self, product_key: str) -> bool:
        """The cloud's owners are taken in customers mode only: in product mode bff's record is the
        owner and the cloud's is None (bff/ownership/modes.py)."""
        return self.particle.takes_cloud_owners(product_key)


class NewDevices:
    """Devices bff first hears of through an event, each read once from the product (name,
    platform, label code), on one thread of its own so a slow cloud never holds up the stream.

    A device counts as known once it has a label code (every other way bff learns of a device
    gives it one); a read that fails leaves it without, so its next event tries again (or the
    reconcile covers it)."""

    def __init__(self, devices) -> None:
        self.devices = devices
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None  # made at the first read, again after close()

    def heard_of(self, product_key: str, device_id: str, known: dict | None) -> Future | None:
        """Read the device from the product unless bff already knows it (or is reading it now)."""
        if known is not None and known.get("label_code"):
            return None
        with self._lock:
            if device_id in self._pending:
                return None
            self._pending.add(device_id)
            return self._pool().submit(self._look_up, product_key, device_id)

    def _look_up(self, product_key: str, device_id: str) -> None:
        try:
            self.devices.learn(product_key, device_id)
        except CloudError as error:
            logger.warning("new device %s not read from %s: %s", device_id, product_key, error.detail)
        except Exception:  # one device must not stop the reads of the next ones
            logger.exception("new device %s not read from %s", device_id, product_key)
        finally:
            self._done(device_id)

    def _done(self, device_id: str) -> None:
        with self._lock:
            self._pending.discard(device_id)

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bff-new-device")
        return self._executor

    def wait(self, timeout: float = 10.0) -> None:
        """Return once the reads asked for so far are done (one thread: they run in order)."""
        with self._lock:
            marker = self._pool().submit(lambda: None)
        marker.result(timeout=timeout)

    def close(self) -> None:
        """Stop reading (reads not started are dropped: the reconcile covers them)."""
        with self._lock:
            executor, self._executor = self._executor, None
            self._pending.clear()
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
