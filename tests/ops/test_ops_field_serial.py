"""Field mode by serial number or ICCID: crews may claim by the number printed on the device alone
(they are trusted and audited); an unknown number is refused in plain words and audited."""
from __future__ import annotations

from tests.ops.test_ops_field import choose, scan
from tests.support import PHONE


def test_a_crew_claims_by_the_serial_number_for_the_customer(crew, services, control, online_device):
    choose(crew, PHONE)
    serial = control.device(online_device)["serial_number"]
    result = scan(crew, serial.lower()).json
    assert result["result"] == "claimed", result
    customer = services.accounts.user_for_phone(PHONE, create=False)
    assert services.devices.owned_by(online_device, customer.id)
    [entry] = services.audit.entries(action="claim.for")
    assert (entry.device_id, entry.result) == (online_device, "ok")


def test_a_crew_claims_by_iccid_from_bffs_records(crew, services, control, online_device):
    services.devices.find(online_device)  # bff has read the device (its ICCID) from the cloud
    choose(crew, PHONE)
    result = scan(crew, control.device(online_device)["iccid"]).json
    assert result["result"] == "claimed", result


def test_an_unknown_serial_is_refused_and_audited(crew, services):
    choose(crew, PHONE)
    result = scan(crew, "P0ZZZZZZZZZZZZZ").json
    assert result["result"] == "refused"
    assert "could not find a device with that serial or SIM number" in result["message"]
    [entry] = services.audit.entries(action="claim.for")
    assert entry.result == "refused"
