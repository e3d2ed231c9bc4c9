"""Wi-Fi security values (WICED) by name, as a Photon's SoftAP reports them in `scan-ap`.

The names are those of Particle's JS client (`lib/SoftAP.js` `securityTable`,
https://github.com/particle-iot/softap-setup-js), plus Android's WPA mixed mode; the values are
the WICED constants of Device OS v2.3.1 (https://github.com/particle-iot/device-os/tree/v2.3.1).
Collected notes in docs/softap.md#security-values. No third-party imports: the control API uses
this too.
"""
from __future__ import annotations

# Only these values ever appear in `scan-ap`.
SECURITY = {
    "open": 0, "none": 0,
    "wep_psk": 0x00000001, "wep_shared": 0x00008001,
    "wpa_tkip": 0x00200002, "wpa_aes": 0x00200004, "wpa_mixed": 0x00200006,
    "wpa2_tkip": 0x00400002, "wpa2_aes": 0x00400004, "wpa2_mixed": 0x00400006, "wpa2": 0x00400006,
    "wpa_enterprise_tkip": 0x02200002, "wpa_enterprise_aes": 0x02200004,
    "wpa2_enterprise_tkip": 0x02400002, "wpa2_enterprise_aes": 0x02400004,
    "wpa2_enterprise_mixed": 0x02400006, "wpa2_enterprise": 0x02400006,
}
WEP, TKIP, AES = 0x1, 0x2, 0x4


def security_value(security: int | str | None, password: str = "") -> int:
    """The WICED value for a sandbox network's `security` (a name, a number, or None).

    None or "" means open without a password and wpa2_aes with one (our choice).
    Raises ValueError for anything outside the table.
    """
    if security is None or security == "":
        return SECURITY["wpa2_aes"] if password else SECURITY["open"]
    if isinstance(security, str) and security.strip().isdigit():
        security = int(security)
    if isinstance(security, str) and security.lower() in SECURITY:
        return SECURITY[security.lower()]
    if type(security) is int and security in SECURITY.values():
        return security
    raise ValueError(f"unknown Wi-Fi security {security!r}; use one of {sorted(SECURITY)}")


def max_data_rate(security: int) -> int:
    """`mdr` in kbit/s: 802.11n MCS7 (72.2 Mbit/s) unless WEP or TKIP-only forces 802.11g."""
    legacy = security & WEP or (security & TKIP and not security & AES)
    return 54000 if legacy else 72200
