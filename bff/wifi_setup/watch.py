"""Watching a Wi-Fi device arrive with a claim code, and saying why it did not.

Two ways to see an arrival (both end in `_arrive`: the device is recorded as the person's, the
code turns `arrived`, the person gets one text):

- `device_online` (the worker's `spark/status` handler, within moments of the device coming
  online): one look at the device in the product (`GET /v1/products/:p/devices/:id`); if its
  owner is the shadow customer of a person with an open code, it arrived.
- `check_due` (the worker's periodic job, the fallback for missed events): each open code is
  looked at every `CHECK_SECONDS` (the customer's device list, `GET /v1/devices`): a device that
  was not theirs when the code was made arrived with it. Codes that ran out are closed with a
  diagnosis.

A device only counts as arriving with a code if the person did not already have it (the
`device_ids` the cloud listed with the code, earlier arrivals, devices claimed by box code):
their old Photon rebooting is not a new arrival.

Diagnosis (why a device did not arrive, with what to do next): without a word from the setup
app bff only knows the code ran out; when the app (or the person) says which device it set up
(`SetupService.report_device`), bff looks at that device: not in the product, online but on
someone else's account, online but unclaimed (the code never reached it), or never online
(Wi-Fi password, range). An open code's diagnosis is provisional: the device may still arrive.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bff import errors

logger = logging.getLogger(__name__)

CHECK_SECONDS = 30.0  # an open code's customer list is read at most this often
SETTLE_SECONDS = 3.0  # after a reported device comes online, look again this much later
OFFLINE_GRACE_SECONDS = 120.0  # a reported device may take this long to join Wi-Fi and the cloud
EXPIRY_GRACE_SECONDS = 60.0  # the cloud's hour and ours differ by a request's time
LATE_ARRIVAL_SECONDS = 3600.0  # a device may still arrive this long after its code ran out
CLOCK_SLACK_SECONDS = 300.0  # the cloud's clock and ours may differ this much


@dataclass(frozen=True)
class Diagnosis:
    """Why a device did not arrive, in plain words, with what to do next."""

    code: str
    message: str
    next_step: str


DIAGNOSES = {d.code: d for d in (
    Diagnosis("code_expired",
              "Your setup code ran out before your device came online with it.",
              "Get a new code and run the setup again. A code works for one hour."),
    Diagnosis("never_online",
              "Your device has not come online.",
              "Check the Wi-Fi name and password, and put the device near the Wi-Fi router. "
              "If its light blinks dark blue, the password was wrong: run the setup again."),
    Diagnosis("owned_by_other",
              "Your device came online, but it is on someone else's account.",
              "Run the setup again with a new code and let the app claim the device. "
              "If that does not help, contact the seller."),
    Diagnosis("not_claimed",
              "Your device is online, but the setup code did not reach it.",
              "Run the setup again with a new code, and make sure the app sends the code."),
    Diagnosis("not_in_product",
              "We cannot find this device in our service.",
              "Check the device ID. If it is right, contact the seller; they need to add the device first."),
)}


class SetupWatch:
    """Arrivals and diagnoses of the claim codes of a SetupService."""

    def __init__(self, setup) -> None:
        self.setup = setup
        self.store = setup.store
        self.particle = setup.particle

    # -- the event path ---------------------------------------------------------------------------

    def device_online(self, product_key: str, device_id: str) -> None:
        """A device of `product_key` came online: did it arrive with one of our codes?"""
        now = self.setup.clock()
        if not self.store.has_claim_codes_to_watch(product_key, expired_since=now - LATE_ARRIVAL_SECONDS):
            return  # costs no cloud call when nobody is setting up a device
        if not self.setup.is_wifi_product(product_key):
            return
        device_id = device_id.lower()
        self.store.note_reported_device_seen(product_key, device_id, check_at=now + SETTLE_SECONDS, now=now)
        device = self._product_device(product_key, device_id)
        if device is not None:
            self._arrive_if_owned(product_key, device)

    def _product_device(self, product_key: str, device_id: str) -> dict | None:
        """The device as the product sees it; None when the product does not have it."""
        try:
            device = self.particle.get_device(product_key, device_id)
        except (errors.NotFound, errors.DeviceNotInProduct, errors.Forbidden):
            return None
        return device if isinstance(device, dict) and device.get("id") else None

    def _arrive_if_owned(self, product_key: str, device: dict) -> bool:
        """If the device's owner is a person with a code it may have come with: it arrived."""
        owner = device.get("owner")
        customer = self.store.shadow_customer_by_username(owner) if owner else None
        if customer is None or customer["product_key"] != product_key:
            return False
        code = self._code_for(customer["user_id"], product_key, device["id"].lower())
        if code is None:
            return False
        self._arrive(code, device, owner)
        return True

    def _code_for(self, user_id: int, product_key: str, device_id: str) -> dict | None:
        """The code this device arrived with: the one it was reported for, else the newest open."""
        if device_id in self._already_theirs(user_id, product_key):
            return None
        now = self.setup.clock()
        candidates = [row for row in self.store.arrival_candidates(
            user_id, product_key, expired_since=now - LATE_ARRIVAL_SECONDS)
            if device_id not in row["owned_before"]]
        reported = [row for row in candidates if row["reported_device_id"] == device_id]
        return (reported or candidates or [None])[0]

    def _already_theirs(self, user_id: int, product_key: str) -> set[str]:
        """Devices the person had by other means: earlier arrivals and box-code claims."""
        return self.store.arrived_device_ids(user_id, product_key) | self.store.claimed_device_ids(user_id)

    def _arrive(self, code: dict, device: dict, username: str) -> None:
        """Record the device as the person's, close the code, tell them (each at most once)."""
        product_key, device_id = code["product_key"], device["id"].lower()
        self.setup.devices.remember(product_key, {**device, "owner": username}, owner=True)
        with self.store.transaction():  # the arrival and its event (setup.arrived): both or neither
            arrived = self.store.mark_claim_code_arrived(code["id"], device_id, now=self.setup.clock())
            if arrived:
                self.setup.emit_arrival(code, device_id)
        if arrived:
            logger.info("claim code %s: device %s arrived", code["id"], device_id)
            self.setup.notify_arrival(self.store.claim_code_row(code["id"]))

    # -- the periodic path -----------------------------------------------------------------------

    def check_due(self) -> int:
        """Look at every open code that is due; returns how many were looked at."""
        now = self.setup.clock()
        rows = self.store.due_claim_codes(now=now, expired_before=now - EXPIRY_GRACE_SECONDS)
        for row in rows:
            try:
                self._check(row, now)
            except errors.CloudError as error:  # try again at the next check
                logger.warning("claim code %s: check failed: %s", row["id"], error.detail)
                self._check_again_later(row["id"], now)
            except Exception:  # a bug with one code must not stop the others
                logger.exception("claim code %s: check failed", row["id"])
                self._check_again_later(row["id"], now)
        return len(rows)

    def _check_again_later(self, code_id: int, now: float) -> None:
        """After a failed check: look again in CHECK_SECONDS (if even that fails, it stays due)."""
        try:
            self.store.schedule_claim_code_check(code_id, now + CHECK_SECONDS)
        except Exception:
            logger.exception("claim code %s: the next check could not be scheduled", code_id)

    def _check(self, row: dict, now: float) -> None:
        if self._arrival_in_list(row):
            return
        if row["expires_at"] + EXPIRY_GRACE_SECONDS <= now:
            self._expire(row)
            return
        diagnosis = self._provisional_diagnosis(row, now)
        if diagnosis != row["diagnosis"]:
            self.store.diagnose_claim_code(row["id"], diagnosis, now=now)
        self.store.schedule_claim_code_check(row["id"], now + CHECK_SECONDS)

    def _arrival_in_list(self, row: dict) -> bool:
        """A device in the customer's list they did not have before arrived with this code (a code
        made before its product was switched to product mode has no customer list to look at: it
        just runs out)."""
        username = self._username(row)
        if username is None or not self.particle.owners_in_cloud(row["product_key"]):
            return False
        devices = self.particle.customer_devices(row["product_key"], username)
        taken = set(row["owned_before"]) | self._already_theirs(row["user_id"], row["product_key"])
        new = [d for d in devices if isinstance(d, dict) and d.get("id") and d["id"].lower() not in taken]
        new.sort(key=lambda d: d["id"].lower() != row["reported_device_id"])  # the reported one first
        if not new:
            return False
        self._arrive(row, new[0], username)
        return True

    def _username(self, row: dict) -> str | None:
        customer = self.store.shadow_customer(row["user_id"], row["product_key"])
        return customer["username"] if customer else None

    def _expire(self, row: dict) -> None:
        """Close a code that ran out; text the person when they asked for it by SMS."""
        diagnosis = "code_expired"
        if row["reported_device_id"]:
            found = self._device_diagnosis(row)
            if found in ("not_in_product", "owned_by_other", "never_online"):
                diagnosis = found
        if self._arrived_meanwhile(row):
            return
        if self.store.expire_claim_code(row["id"], diagnosis, now=self.setup.clock()):
            logger.info("claim code %s ran out: %s", row["id"], diagnosis)
            self._notify_expired(row, diagnosis)

    def _arrived_meanwhile(self, row: dict) -> bool:
        """True when the code turned `arrived` meanwhile (the diagnosis may have found the device)."""
        current = self.store.claim_code_row(row["id"])
        return current is not None and current["state"] == "arrived"

    def _provisional_diagnosis(self, row: dict, now: float) -> str | None:
        """Why the reported device has not arrived yet (the last answer while it is too early)."""
        if not row["reported_device_id"]:
            return row["diagnosis"]
        diagnosis = self._device_diagnosis(row)
        if diagnosis == "never_online" and now < (row["reported_at"] or 0) + OFFLINE_GRACE_SECONDS:
            return row["diagnosis"]
        return diagnosis

    def _device_diagnosis(self, row: dict) -> str | None:
        """What the reported device's state says (None: it arrived after all)."""
        device = self._product_device(row["product_key"], row["reported_device_id"])
        if device is None:
            return "not_in_product"
        if not (device.get("online") or device.get("connected")):
            return "never_online"
        username = self._username(row)
        owner = device.get("owner")
        if owner and owner == username:  # theirs already (set up again): online and theirs
            self._arrive(row, device, username)
            return None
        if not _connected_since(device, row["created_at"] - CLOCK_SLACK_SECONDS):
            return "never_online"  # online all along: not the device they set up with this code
        return "owned_by_other" if owner else "not_claimed"

    def _notify_expired(self, row: dict, diagnosis: str) -> None:
        """Only codes asked for by SMS get a text when they run out (the others have a page)."""
        if row["channel"] != "sms" or not self.store.mark_claim_code_notified(row["id"], now=self.setup.clock()):
            return
        phone = (self.store.user(row["user_id"]) or {}).get("phone")
        if phone:
            words = DIAGNOSES[diagnosis]
            text = f"{words.message} Text CODE for a new code and run the setup again."
            self.setup.sms.send(phone, text, purpose="setup_expired")


def _connected_since(device: dict, since: float) -> bool:
    """True when the device's last cloud handshake is after `since` (or the cloud does not say).

    Whose a device is, is said only about a device that came online during the setup: a typed
    device ID must not tell a customer who owns any device that happens to be online.
    """
    text = device.get("last_handshake_at")
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return True
    return when >= since
