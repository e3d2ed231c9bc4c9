"""Secrets out of text that is kept or shown: token, secret and password values become `REDACTED`.

Used wherever text from or about the cloud is logged or stored (the cloud-call log, log lines, the
doctor's raw replies).
"""
from __future__ import annotations

import re

_SECRET_PATTERNS = (
    re.compile(r"(access_token|refresh_token|client_secret|password)=[^&\s\"']*", re.IGNORECASE),
    re.compile(r"(\"(?:access_token|refresh_token|client_secret|password)\"\s*:\s*)\"[^\"]*\"", re.IGNORECASE),
    re.compile(r"(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
)


def redact(text: str | None) -> str | None:
    """`text` with token, secret and password values replaced by `REDACTED`."""
    if text is None:
        return None
    text = _SECRET_PATTERNS[0].sub(r"\1=REDACTED", text)
    text = _SECRET_PATTERNS[1].sub(r'\1"REDACTED"', text)
    return _SECRET_PATTERNS[2].sub(r"\1 REDACTED", text)
