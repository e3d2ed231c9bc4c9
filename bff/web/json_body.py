"""The one reader of JSON request bodies, for every route that takes one (the JSON API, field mode).

`json_object()` returns the body as a dict ({} for an empty body) or raises `ApiError`, which every
JSON route answers in the one error shape (`{"error": {"code", "message", "next_step"}}`) without a
traceback or an error log line:

- 413 `too_large`: more than `MAX_BYTES`;
- 415 `unsupported_media_type`: a body that is not sent as JSON (`Content-Type: application/json`);
- 400 `bad_request`: not UTF-8, not JSON, `NaN` / `Infinity`, a key twice in one object, a lone
  surrogate escape (no text), nesting deeper than `MAX_DEPTH` (checked before parsing, without
  recursion), or a top level that is not an object.
"""
from __future__ import annotations

import json
import re

from flask import request

from bff.errors import ApiError

MAX_BYTES = 64 * 1024  # the largest body any route needs is a few hundred bytes
MAX_DEPTH = 32  # arrays and objects inside each other; bff's bodies are one level deep
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)  # JSON strings (their brackets do not count)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def json_object() -> dict:
    """The request's JSON object ({} for an empty body); anything else is an ApiError."""
    raw = _raw_body()
    if not raw:
        return {}
    if not request.is_json:
        raise ApiError(f"body sent as {request.mimetype or 'nothing'!r}", status=415, code="unsupported_media_type",
                       public_message="The request body must be sent as JSON.",
                       next_step="Send a JSON object with Content-Type: application/json.")
    data = _parse(_text(raw))
    if not isinstance(data, dict):
        raise _bad(f"top level is a {type(data).__name__}", "The request body must be a JSON object.")
    return data


def _raw_body() -> bytes:
    if (request.content_length or 0) > MAX_BYTES:
        raise _too_large(request.content_length)
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BYTES:
        raise _too_large(len(raw))
    return raw


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _bad(f"not UTF-8 at byte {error.start}", "The request body is not UTF-8 text.") from None


def _parse(text: str):
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise _bad(f"nested {depth} deep", f"The request body is nested more than {MAX_DEPTH} levels deep.")
    try:
        data = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_repeated_keys)
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # a lone surrogate (\ud800) is no text
    except ValueError as error:  # JSONDecodeError, UnicodeEncodeError, and ours below
        raise _bad(f"not JSON: {error}", "The request body is not valid JSON.") from None
    return data


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in `text` (brackets inside strings do not count); a loop,
    never recursion, so any depth is measured safely."""
    depth = deepest = 0
    for bracket in _NOT_BRACKETS.sub("", _STRINGS.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _no_repeated_keys(pairs: list) -> dict:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice in one object")
    return dict(pairs)


def _bad(detail: str, message: str) -> ApiError:
    return ApiError(detail, public_message=message, next_step="Send a JSON object and try again.")


def _too_large(size: int) -> ApiError:
    return ApiError(f"body of {size} bytes", status=413, code="too_large",
                    public_message=f"The request body is larger than {MAX_BYTES // 1024} KB.",
                    next_step="Send less and try again.")
