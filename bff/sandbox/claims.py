"""Claim codes and claiming (`POST /v1/device_claims`, `POST /v1/devices`).

Claim codes: 63 base64-alphabet characters, valid one hour, bound to their creator's account and
(for customers and the product route) to a product ("Create a claim code" and "Claim a device",
https://docs.particle.io/reference/cloud-apis/api/; "Device claiming",
https://docs.particle.io/getting-started/cloud/device-claiming/). An Electron presents its ICCID
and IMEI when it connects, so an `iccid` (else `imei`) sent when creating a code becomes the code.
CHOICES (not documented): a code is single use; asking again for the same ICCID/IMEI replaces the
earlier code (the newest creator wins); a code presented by a device claims it even if someone
else owned it (the official setup apps offer exactly that when the SoftAP reports `c=1` for a
device that is not the user's). Collected notes with sources: docs/particle.md#claim-codes,
docs/particle.md#claiming, docs/softap.md#claim-codes.
"""
from __future__ import annotations

from . import ids
from .auth import Credential, device_account, set_owner
from .errors import ParticleError, errors_array, permission_denied
from .state import ClaimCode, Device, State, Transfer

CLAIM_CODE_LIFETIME = 3600
BELONGS_TO_SOMEONE_ELSE = "That belongs to someone else."
DEVICE_NOT_FOUND = "device not found"


def owned_device_ids(state: State, account: tuple) -> list[str]:
    """IDs of the devices an account owns (from the owner index: no walk over the whole fleet)."""
    return [d.id for d in state.devices_owned_by(account)]


def issue_code(state: State, now: float, cred: Credential, product_id: int | None,
               iccid: str = "", imei: str = "") -> ClaimCode:
    """Create a claim code for the caller (ICCID, else IMEI, else 63 random characters)."""
    value = iccid or imei or ids.claim_code()
    code = ClaimCode(code=value, owner_kind=cred.kind, owner=cred.username or "",
                     product_id=product_id, created_at=now, expires_at=now + CLAIM_CODE_LIFETIME)
    state.claim_codes[value] = code
    _forget_expired(state, now)
    return code


def _forget_expired(state: State, now: float) -> None:
    """Drop codes that expired more than a day ago (keeps the state small)."""
    for key in [k for k, c in state.claim_codes.items() if c.expires_at < now - 86400]:
        del state.claim_codes[key]


def code_account(code: ClaimCode) -> tuple:
    """The account a claim code claims devices to."""
    if code.owner_kind == "customer":
        return ("customer", code.product_id, code.owner)
    return ("user", code.owner)


def code_applies(state: State, code: ClaimCode, device: Device) -> bool:
    """True if this code may claim this device (product binding and team membership)."""
    if code.product_id is not None and device.product_id != code.product_id:
        return False
    if code.owner_kind == "customer":
        return state.customer(code.product_id, code.owner) is not None
    user = state.users.get(code.owner)
    if user is None:
        return False
    return device.product_id is None or device.product_id in user.products


def redeem(state: State, now: float, value: str, device: Device) -> ClaimCode | None:
    """Claim `device` with a presented code; None if the code is unknown, used, expired or foreign."""
    code = state.claim_codes.get(value)
    if code is None or code.used_at is not None or code.expires_at <= now:
        return None
    if not code_applies(state, code, device):
        return None
    set_owner(device, code_account(code))
    code.used_at, code.device_id = now, device.id
    return code


def redeem_identity(state: State, now: float, device: Device) -> ClaimCode | None:
    """A cellular device reports ICCID and IMEI at connect: a code equal to either claims it."""
    for value in (device.iccid, device.imei):
        if value and (code := redeem(state, now, value, device)) is not None:
            return code
    return None


def revoke_codes(state: State, account: tuple) -> None:
    """Delete the pending codes of an account (deleting a customer revokes them)."""
    for key in [k for k, c in state.claim_codes.items() if code_account(c) == account]:
        del state.claim_codes[key]


def claim(state: State, now: float, cred: Credential, device_id: str,
          request_transfer: bool) -> dict:
    """`POST /v1/devices {id}`: the success body, or a ParticleError.

    CHOICES: unknown ids, malformed ids and devices the caller may not claim at all (another
    product's device for a customer; a product the user is not in) answer 404
    `{"ok": false, "errors": ["device not found"]}`; the success body is particle-api-js's
    ClaimResponse `{"ok": true, "deviceID", "claimed": true}`; claiming your own device again
    succeeds; `request_transfer` on someone else's device records a transfer and answers
    `{"ok": true, "transfer_id"}`.
    """
    if cred.kind == "product":
        raise permission_denied("A product token cannot own devices; use a user or customer token")
    device = state.devices.get(device_id.strip().lower())
    if device is None or not _claimable_by(state, cred, device):
        raise errors_array(404, DEVICE_NOT_FOUND, ok=False)
    owner = device_account(device)
    if owner == cred.account:
        return {"ok": True, "deviceID": device.id, "claimed": True}
    if owner is not None:
        if request_transfer:
            return {"ok": True, "transfer_id": _transfer(state, now, cred, device)}
        raise errors_array(403, BELONGS_TO_SOMEONE_ELSE)
    if not device.online and (device.product_id is None or state.options["require_online_to_claim"]):
        raise offline_error(state)
    set_owner(device, cred.account)
    return {"ok": True, "deviceID": device.id, "claimed": True}


def _claimable_by(state: State, cred: Credential, device: Device) -> bool:
    """Customers claim devices of their own product; users claim developer devices and devices
    of products they are team members of."""
    if cred.kind == "customer":
        return device.product_id == cred.product_id
    user = state.users.get(cred.username or "")
    return user is not None and (device.product_id is None or device.product_id in user.products)


def offline_error(state: State) -> ParticleError:
    """Refusal for an offline device (developer devices always; product devices by option).

    CHOICE: HTTP 400. Body `{}` by default, as Particle staff described for raw requests in
    https://github.com/particle-iot/particle-cli/issues/241 ("no error message just {}");
    option offline_claim_body="errors" gives
    `{"ok": false, "errors": ["Device is offline"]}` instead. Newer docs allow claiming
    offline product devices: turn require_online_to_claim off for that behaviour.
    """
    if state.options.get("offline_claim_body") == "errors":
        return errors_array(400, "Device is offline", ok=False)
    return ParticleError(400, {})


def _transfer(state: State, now: float, cred: Credential, device: Device) -> str:
    """Record a transfer request (never approved in the sandbox) and return its id."""
    transfer = Transfer(id=ids.hex_id(), device_id=device.id, requester_kind=cred.kind,
                        requester=cred.username or "", created_at=now)
    state.transfers.append(transfer)
    return transfer.id
