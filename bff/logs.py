"""bff's logs: one JSON line per event on standard error (a request, a cloud call, a job's failure).

`BFF_LOG_FORMAT=json` (the default) writes each record as one JSON object: `time`, `level`,
`logger`, `message`, and the record's structured fields (`event`, `method`, `path`, `status`,
`ms`, ...). `text` writes the classic one-line format for a developer's terminal.

No secret reaches a log line: request lines carry the path without its query string (QR tags,
`next` links), cloud-call lines the path as the cloud-call log stores it (tokens redacted), and
nothing logs a form, a header or a body. The standard library does the work (logging's Formatter
is the extension point for a JSON layout; no library is needed for ~20 lines).
"""
from __future__ import annotations

import json
import logging
import sys
import time

FIELDS = ("event", "method", "path", "status", "ms", "endpoint", "ip", "product", "error", "device_id")
_configured = False


class JsonFormatter(logging.Formatter):
    """A record as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
                "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        line.update({name: getattr(record, name) for name in FIELDS if getattr(record, name, None) is not None})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(log_format: str = "json", level: int = logging.INFO) -> None:
    """bff's loggers write to standard error in `log_format` (once per process)."""
    global _configured
    if _configured:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("bff")
    logger.addHandler(handler)
    logger.setLevel(level)
    _configured = True
