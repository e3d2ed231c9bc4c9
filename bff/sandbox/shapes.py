"""Particle's JSON shapes of devices, customers and products.

One device shape serves the user and the product routes: the documented fields of
`GET /v1/devices/:id` ("Get device information", https://docs.particle.io/reference/cloud-apis/api/),
which already include the product-only ones. Customer list entries follow "List customers for a
product" (same page); products follow particle-api-js's `ProductInfo` type. Collected notes with
sources: docs/particle.md#product-devices and docs/particle.md#shadow-customers.
"""
from __future__ import annotations

from .platforms import CELLULAR
from .state import Customer, Device, Product, State
from .times import iso


def device_json(device: Device, now: float) -> dict:
    """The documented device fields; `iccid`/`imei` for cellular devices, `mac_wifi` for Wi-Fi."""
    product_id = device.product_id if device.product_id is not None else device.platform_id
    body = {
        "id": device.id,
        "name": device.name,
        "owner": device.owner,
        "last_app": None,
        "last_ip_address": device.last_ip_address,
        "last_heard": iso(now if device.online else device.last_heard),
        "last_handshake_at": iso(device.last_handshake_at),
        "product_id": product_id,
        "online": device.online,
        "connected": device.online,
        "platform_id": device.platform_id,
        "cellular": device.platform_id in CELLULAR,
        "notes": device.notes,
        "functions": [],
        "variables": {},
        "status": "normal",
        "serial_number": device.serial_number,
        "system_firmware_version": device.system_firmware_version,
        "current_build_target": device.system_firmware_version,
        "default_build_target": device.system_firmware_version,
        "firmware_updates_enabled": True,
        "firmware_updates_forced": False,
        "device_protection": {"status": "disabled"},
    }
    body.update(_radio_fields(device))
    if device.product_id is not None:
        body.update(_product_fields(device))
    return body


def _radio_fields(device: Device) -> dict:
    if device.platform_id in CELLULAR:
        return {"iccid": device.iccid, "last_iccid": device.iccid, "imei": device.imei}
    return {"mac_wifi": device.mac_wifi}


def _product_fields(device: Device) -> dict:
    return {
        "firmware_product_id": device.product_id,
        "groups": list(device.groups),
        "firmware_version": device.firmware_version,
        "desired_firmware_version": device.desired_firmware_version,
        "targeted_firmware_release_version": device.firmware_version,
        "development": device.development,
        "quarantined": device.quarantined,
        "denied": device.denied,
    }


def customer_devices(state: State, customer: Customer) -> list[Device]:
    """The devices a customer owns (from the owner index: no walk over the whole fleet)."""
    return state.devices_owned_by(("customer", customer.product_id, customer.username))


def customer_json(state: State, customer: Customer) -> dict:
    """One entry of the customer list."""
    return {"id": customer.id, "username": customer.username, "full_name": None,
            "devices": [d.id for d in customer_devices(state, customer)]}


def customer_device_json(device: Device) -> dict:
    """The short device entries of the customer list's `devices` array."""
    return {"id": device.id, "product_id": device.product_id,
            "last_ip_address": device.last_ip_address,
            "firmware_version": device.firmware_version, "online": device.online}


def product_json(product: Product) -> dict:
    """The product fields particle-api-js types as ProductInfo (id, platform_id, name, slug...)."""
    return {"id": product.id, "platform_id": product.platform_id, "name": product.name,
            "slug": product.slug, "description": product.description, "groups": [],
            "settings": {"quarantine": False}, "device_protection": "disabled"}
