"""Simulated devices: creation, power, listening mode, and what a device presents when it connects.

- Every connect emits `spark/status` `online`, every disconnect `offline` ("Special events",
  https://docs.particle.io/reference/cloud-apis/api/).
- Cellular devices (Electron, Boron, B-SoM, Tracker, M-SoM) report ICCID and IMEI at connect: a
  valid claim code equal to either claims the device to the code's creator.
- Argons and P2 / Photon 2s (Wi-Fi set up over BLE, not simulated) come online when powered on.
- Photons/P1s join the cloud only with stored Wi-Fi credentials that match a sandbox network;
  after each full handshake they present their stored claim code as the private event
  `spark/device/claim/code`; if the cloud accepts it, it acknowledges with an event to the
  device (CHOICE of name: `spark/device/claim/ok`; the firmware reacts to any
  `spark/device/claim/*`, Device OS v2.3.1 `system/src/system_cloud_internal.cpp`), and the
  device clears the code and sets its claimed flag.
- `listen` puts a Photon/P1 in listening mode with a SoftAPServer (bff/sandbox/softap/).
Collected notes with sources: docs/particle.md#event-streams, docs/softap.md#claim-codes.
"""
from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from . import claims
from .auth import device_account
from .errors import ParticleError, ok_error
from .event_bus import Event, EventBus
from .ids import IdFactory
from .platforms import BY_ID, CELLULAR, PLATFORMS, SOFTAP_PLATFORMS
from .state import Device, State, StateStore

CLAIM_CODE_EVENT = "spark/device/claim/code"
CLAIM_ACK_EVENT = "spark/device/claim/ok"


def load_softap() -> Any:
    """bff/sandbox/softap (PhotonMemory, SoftAPServer), imported on first use: it needs
    `cryptography`, and a cloud without it still serves everything but listening mode (501)."""
    try:
        from .softap import PhotonMemory, SoftAPServer
    except ImportError as error:
        raise ok_error(501, "SoftAP not available", str(error)) from None
    return SimpleNamespace(PhotonMemory=PhotonMemory, SoftAPServer=SoftAPServer)


class DeviceSimulator:
    """Device behaviour on top of the state; SoftAP servers and Photon memories live here.

    `softap`: an object with PhotonMemory and SoftAPServer (default: bff.sandbox.softap).
    """

    def __init__(self, store: StateStore, bus: EventBus, softap: Any = None) -> None:
        self.store, self.bus = store, bus
        self.ids = IdFactory()
        self.softap_host = "127.0.0.1"
        self.memories: dict[str, Any] = {}
        self.softaps: dict[str, Any] = {}
        self._softap = softap
        self._lock = threading.Lock()

    # -- creation ------------------------------------------------------------------------------
    def create(self, state: State, now: float, platform: str, product_key: Any, online: bool,
               **extra: Any) -> Device:
        """A new device (optionally already in a product and online)."""
        platform_id = PLATFORMS.get(str(platform).lower())
        if platform_id is None:
            raise ok_error(400, "Unknown platform", f"Use one of {sorted(PLATFORMS)}")
        product_id = _product_for_new_device(state, product_key, platform_id)
        device = self._new_device(state, platform_id, product_id, extra)
        if online:
            self.go_online(state, now, device)  # may refuse (a Photon without known Wi-Fi)
        state.devices[device.id] = device
        return device

    def _new_device(self, state: State, platform_id: int, product_id: int | None,
                    extra: dict) -> Device:
        device_id = str(extra.get("id") or self.ids.device_id()).lower()
        if device_id in state.devices:
            raise ok_error(400, "Device exists", f"{device_id} is already a sandbox device")
        platform = BY_ID[platform_id]
        wifi = state.wifi[0] if state.wifi and platform.softap else None
        return Device(
            id=device_id, platform_id=platform_id, product_id=product_id,
            serial_number=extra.get("serial_number") or self.ids.serial_number(platform_id),
            iccid=(extra.get("iccid") or self.ids.iccid()) if platform.cellular else None,
            imei=(extra.get("imei") or self.ids.imei()) if platform.cellular else None,
            mac_wifi=self.ids.mac() if platform.wifi else None, name=extra.get("name"),
            firmware_version=1 if product_id else None,
            wifi={"ssid": wifi.ssid, "password": wifi.password, "security": wifi.security}
            if wifi else None,
        )

    # -- power ---------------------------------------------------------------------------------
    def go_online(self, state: State, now: float, device: Device) -> None:
        """Connect: spark/status online, then present claim code / ICCID+IMEI."""
        if device.online:
            return
        if device.platform_id in SOFTAP_PLATFORMS and not wifi_ok(state, device.wifi):
            raise ok_error(409, "No Wi-Fi", "The device has no credentials for a sandbox Wi-Fi "
                                            "network; put it in listening mode and set it up")
        device.listening = False
        device.online = True
        device.last_handshake_at = device.last_heard = now
        device.last_ip_address = "10.%d.%d.%d" % tuple(int(device.id[i:i + 2], 16) for i in (0, 2, 4))
        self.emit(device, "spark/status", "online", now)
        self._present(state, now, device)

    def go_offline(self, state: State, now: float, device: Device) -> None:
        """Disconnect: spark/status offline."""
        device.listening = False
        if device.online:
            device.online = False
            device.last_heard = now
            self.emit(device, "spark/status", "offline", now)

    def power(self, device_id: str, online: bool) -> dict:
        """Control API: power a device on or off."""
        with self.store.write() as state:
            device = _device(state, device_id)
            now = self.store.now()
            (self.go_online if online else self.go_offline)(state, now, device)
            result = {"id": device.id, "online": device.online, "owner": device.owner}
        self._stop_softap(device_id)
        return result

    def _present(self, state: State, now: float, device: Device) -> None:
        """What the device sends after a full handshake."""
        if device.platform_id in CELLULAR:
            if claims.redeem_identity(state, now, device) is not None:
                device.last_claim_ack = CLAIM_ACK_EVENT
            return
        try:
            memory = self._memory(device, create=False)
        except ParticleError:  # no SoftAP module: the Photon has no memory to present
            memory = None
        code = getattr(memory, "claim_code", "") if memory is not None else ""
        if not code:
            return
        self.emit(device, CLAIM_CODE_EVENT, code, now, product_only=True)
        if claims.redeem(state, now, code, device) is not None:
            memory.acknowledge_claim()
            device.last_claim_ack = CLAIM_ACK_EVENT

    # -- listening mode (SoftAP) ---------------------------------------------------------------
    def listen(self, device_id: str) -> dict:
        """Control API: listening mode with a SoftAP; returns its host and ports."""
        with self.store.write() as state:
            device = _device(state, device_id)
            if device.platform_id not in SOFTAP_PLATFORMS:
                raise ok_error(400, "No SoftAP", "Only Photons and P1s have a SoftAP listening mode")
            memory = self._memory(device, create=True)
            self.go_offline(state, self.store.now(), device)
            device.listening = True
            server = self._softap_for(device.id, memory)
        info = server.start()
        return {**info, "ssid": server.ssid, "device_id": device_id}

    def _softap_for(self, device_id: str, memory: Any) -> Any:
        with self._lock:
            if device_id not in self.softaps:
                self.softaps[device_id] = self._softap_kit().SoftAPServer(
                    memory, self.networks, self.on_connect_ap, host=self.softap_host)
            return self.softaps[device_id]

    def _softap_kit(self) -> Any:
        """The SoftAP implementation (PhotonMemory, SoftAPServer)."""
        if self._softap is None:
            self._softap = load_softap()
        return self._softap

    def networks(self) -> list[dict]:
        """The sandbox Wi-Fi networks as a SoftAP scan sees them."""
        with self.store.read() as state:
            return [{"ssid": w.ssid, "password": w.password, "security": w.security,
                     "channel": w.channel, "rssi": w.rssi} for w in state.wifi]

    def on_connect_ap(self, memory: Any) -> None:
        """After `connect-ap`: join the network if the credentials are right, else listen again."""
        creds = getattr(memory, "credentials", None)
        wifi = None if creds is None else {"ssid": creds.ssid, "password": creds.password,
                                           "security": creds.security}
        with self.store.write() as state:
            device = state.devices.get(memory.device_id)
            if device is None or not device.listening:
                return
            device.connect_ap_count += 1
            if wifi_ok(state, wifi):
                device.wifi = wifi
                self.go_online(state, self.store.now(), device)
                return
        server = self.softaps.get(memory.device_id)
        if server is not None:
            server.start()

    def memory(self, device_id: str) -> Any:
        """The Photon's memory object while it is loaded (None otherwise)."""
        return self.memories.get(device_id)

    def _memory(self, device: Device, create: bool) -> Any:
        """The Photon's flash memory object (loaded from the state, or new when `create`)."""
        with self._lock:
            memory = self.memories.get(device.id)
            if memory is None and (device.softap_memory or create):
                kit = self._softap_kit()
                memory = (kit.PhotonMemory.from_json(device.softap_memory)
                          if device.softap_memory else kit.PhotonMemory(device_id=device.id))
                self.memories[device.id] = memory
            return memory

    def _stop_softap(self, device_id: str) -> None:
        """Stop a device's SoftAP if it is no longer listening."""
        server = self.softaps.get(device_id)
        with self.store.read() as state:
            device = state.devices.get(device_id)
            listening = device is not None and device.listening
        if server is not None and not listening:
            server.stop()

    # -- events, persistence, shutdown ---------------------------------------------------------
    def emit(self, device: Device, name: str, data: str | None, now: float,
             product_only: bool = False) -> None:
        """Publish an event from a device."""
        self.bus.publish(Event(
            name=name, data=data, published_at=now, coreid=device.id, device_id=device.id,
            product_id=device.product_id, account=device_account(device),
            product_only=product_only))

    def sync(self, state: State) -> None:
        """Copy the Photons' memories into the state before it is saved (only those that changed:
        an assignment journals the device)."""
        with self._lock:
            for device_id, memory in self.memories.items():
                device = state.devices.get(device_id)
                if device is None:
                    continue
                stored = memory.to_json()
                if device.softap_memory != stored:
                    device.softap_memory = stored

    def stop_all(self) -> None:
        """Stop every SoftAP server (stop(), reset())."""
        with self._lock:
            servers = list(self.softaps.values())
        for server in servers:
            server.stop()

    def forget(self) -> None:
        """Stop SoftAPs and drop memories (reset)."""
        self.stop_all()
        with self._lock:
            self.softaps.clear()
            self.memories.clear()


def wifi_ok(state: State, wifi: dict | None) -> bool:
    """True if the credentials name a sandbox network with its password (open: any)."""
    if not wifi:
        return False
    for network in state.wifi:
        if network.ssid == wifi.get("ssid"):
            return network.security == 0 or network.password == wifi.get("password")
    return False


def _product_for_new_device(state: State, product_key: Any, platform_id: int) -> int | None:
    """The product id a new device goes into (None: a developer device)."""
    if product_key in (None, ""):
        return None
    product = state.product(product_key)
    if product is None:
        raise ok_error(404, "Product not found.", f"No product {product_key!r}")
    if product.platform_id != platform_id:
        raise ok_error(400, "Platform mismatch", "A product holds devices of one platform")
    return product.id


def _device(state: State, device_id: str) -> Device:
    device = state.devices.get(device_id.lower())
    if device is None:
        raise ok_error(404, "Device not found.", f"No sandbox device {device_id!r}")
    return device
