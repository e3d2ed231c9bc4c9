"""The root of bff's errors: `BffError` (what happened and what to do next) and the JSON error shape."""
from __future__ import annotations

RAW_REPLY_LIMIT = 2000  # characters of a cloud reply kept on an exception


def error_body(code: str, message: str, next_step: str) -> dict:
    """bff's one JSON error shape, for the JSON API and every other JSON route."""
    return {"error": {"code": code, "message": message, "next_step": next_step}}


class BffError(Exception):
    """Something bff could not do; says what happened and what to do next."""

    public_message = "Something went wrong on our side."
    next_step = "Please try again in a few minutes."
    retryable = False

    def __init__(self, detail: str | None = None, *, public_message: str | None = None,
                 next_step: str | None = None) -> None:
        if public_message is not None:
            self.public_message = public_message
        if next_step is not None:
            self.next_step = next_step
        self.detail = detail or self.public_message
        super().__init__(self.detail)

    @property
    def customer_text(self) -> str:
        """What happened and what to do next, as one plain sentence pair."""
        return f"{self.public_message} {self.next_step}"


