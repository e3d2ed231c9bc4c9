"""Proofs of holding a box, for every channel: the QR tag (`k`), the label code, a serial number or
ICCID with the label code (bff/claims/serials.py). Mixed into `ClaimsService`.

Each check a channel asks for names `who` tries it (`Guesser`: the person, the phone, the address):
a wrong tag, label code or serial number counts against each of them, and one at a limit is refused
before anything is checked (`TooManyWrongCodes`, with the time to wait): bff/guesses.py
has the limits. A right proof counts nothing. Typos caught by a label code's check symbol
(`LabelCodeError`) reveal nothing and do not count.
"""
from __future__ import annotations

from contextlib import nullcontext

from bff import errors, labels
from bff.guesses import Guesser
from bff.device_ids import normalize_device_id
from bff.devices import DeviceView


class ProofChecks:
    """Finding the device a proof names (needs self.store, self.devices, self.serials,
    self.label_key, and self.guesses: a GuessLimits, or None for no limits)."""

    def device_for_link(self, device_id: str, tag: str | None, *, who: Guesser | None = None) -> DeviceView:
        """The device behind a QR link, if the tag proves the link came from its label."""
        with self._guessing(who):
            device_id = self._tagged_device_id(device_id, tag)
        return self.devices.find(device_id)

    def _tagged_device_id(self, device_id: str, tag: str | None) -> str:
        device_id = self._device_id(device_id)
        if not tag or not labels.verify_qr_tag(self.label_key, device_id, tag):
            raise errors.ClaimRefused(f"bad or missing QR tag for {device_id}")
        return device_id

    def device_for_label_code(self, code: str, *, who: Guesser | None = None) -> DeviceView:
        """The device with this label code (typos are reported as typos, with a hint)."""
        with self._guessing(who):
            return self.devices.view(self._device_row_for_label_code(code))

    def device_id_for_label_code(self, code: str, *, who: Guesser | None = None) -> str:
        """The ID of the device with this label code, from SQLite alone (no cloud call)."""
        with self._guessing(who):
            return self._device_row_for_label_code(code)["device_id"]

    def device_for_proof(self, device_id: str, *, tag: str | None = None, label_code: str | None = None,
                         who: Guesser | None = None) -> DeviceView:
        """The device, when the QR tag or the label code proves the person holds it."""
        with self._guessing(who):
            return self._proven_device(device_id, tag, label_code, operator=False)

    def _guessing(self, who: Guesser | None):
        return self.guesses.proving(who) if self.guesses is not None and who is not None else nullcontext()

    def _device_row_for_label_code(self, code: str) -> dict:
        row = self.store.device_by_label_code(labels.check_label_code(code))
        if row is None:
            raise errors.ClaimRefused(f"no device has label code {code!r}")
        return row

    def link_tag(self, device_id: str) -> str:
        """The QR tag of a device's label; a typed label code proves possession just as the QR
        does, so the page it leads to gets the same tag."""
        return labels.qr_tag(self.label_key, device_id)

    def _device_id(self, text: str) -> str:
        try:
            return normalize_device_id(text)
        except errors.InvalidDeviceId as error:
            raise errors.ClaimRefused(f"not a device ID: {text!r}") from error

    def _proven_device(self, device_id: str | None, tag: str | None, label_code: str | None,
                       operator: bool, serial: str | None = None) -> DeviceView:
        if serial:
            return self._device_for_serial(serial, device_id, label_code, operator)
        if operator:
            return self.devices.find(self._device_id(device_id))
        if label_code:
            device = self.devices.view(self._device_row_for_label_code(label_code))
            if device.device_id != self._device_id(device_id):
                raise errors.ClaimRefused("label code of another device")
            return device
        return self.devices.find(self._tagged_device_id(device_id, tag))

    def _device_for_serial(self, serial: str, device_id: str | None, label_code: str | None,
                           operator: bool) -> DeviceView:
        """Operators: the serial or ICCID alone names the device. Customers: the label code does,
        and the serial must be that device's (printed, guessable: never the proof)."""
        if label_code:
            device = self.devices.view(self._device_row_for_label_code(label_code))
            if not self.serials.matches(device.device_id, serial):
                raise errors.SerialNotOnThisDevice(f"{serial!r} is not {device.device_id}'s")
        elif operator:
            device = self.serials.resolve(serial)
        else:
            raise errors.SerialNeedsLabelCode("a customer sent a serial number or ICCID alone")
        if device_id and device.device_id != self._device_id(device_id):
            raise errors.ClaimRefused("serial number of another device")
        return device

    def device_for_serial(self, text: str, *, who: Guesser | None = None) -> DeviceView:
        """The device with this serial number or ICCID, for operators (may call the cloud's look-up)."""
        with self._guessing(who):
            return self.serials.resolve(text)

