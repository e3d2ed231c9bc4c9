"""Reading a request: body parameters, flags, paging, and what the request log notes.

Requests may be JSON or form-encoded ("Format", https://docs.particle.io/reference/cloud-apis/api/);
`POST /oauth/token` only takes forms (bff/sandbox/routes/oauth.py); notes in
docs/particle.md#requests.
"""
from __future__ import annotations

import json
from typing import Any

from flask import request

from ..errors import ok_error

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
TRUE_WORDS = {"true", "1", "yes", "on"}
MAX_PER_PAGE = 1000


def is_form() -> bool:
    """True for form-encoded (or multipart) request bodies."""
    return request.mimetype in FORM_TYPES


def params() -> dict[str, Any]:
    """Body parameters from a JSON object or a form (the API accepts both).

    An empty body gives {}; a body that claims JSON but does not parse is a 400.
    Repeated form fields (`ids`, `ids[]`) become lists.
    """
    if request.mimetype == "application/json" or (not is_form() and request.data
                                                  and request.data.strip()[:1] in (b"{", b"[")):
        raw = request.get_data(cache=True)
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise ok_error(400, "Invalid JSON", "The request body is not valid JSON") from None
        return data if isinstance(data, dict) else {}
    form: dict[str, Any] = {}
    for key in request.form:
        values = request.form.getlist(key)
        name = key[:-2] if key.endswith("[]") else key
        form[name] = values if (len(values) > 1 or key.endswith("[]")) else values[0]
    return form


def flag(value: Any) -> bool:
    """A boolean parameter sent as JSON true or as the strings true/1/yes/on."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE_WORDS if value is not None else False


def text(value: Any) -> str:
    """A parameter as a stripped string ("" for None)."""
    return "" if value is None else str(value).strip()


def page_args(default_per_page: int = 25) -> tuple[int, int]:
    """`page` (1-based) and `perPage` or `per_page` (particle-api-js sends the snake-case name)."""
    page = _positive(request.args.get("page"), 1)
    per_page = _positive(request.args.get("perPage", request.args.get("per_page")), default_per_page)
    return page, min(per_page, MAX_PER_PAGE)


def _positive(value: str | None, default: int) -> int:
    try:
        number = int(value) if value not in (None, "") else default
    except ValueError:
        raise ok_error(400, "Invalid paging parameter", f"{value!r} is not a number") from None
    return number if number > 0 else default


def paginate(items: list, page: int, per_page: int) -> tuple[list, int]:
    """The items of one page and the number of pages (at least 1)."""
    total_pages = max(1, -(-len(items) // per_page))
    start = (page - 1) * per_page
    return items[start:start + per_page], total_pages


def note_credential(**info: Any) -> None:
    """Tell the request log who made this request (never the token itself)."""
    request.environ["sandbox.credential"] = {k: v for k, v in info.items() if v is not None}
