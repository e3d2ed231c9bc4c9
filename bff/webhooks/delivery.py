"""The one place bff makes HTTP requests to the product creator's endpoints (import rule 4).

`HttpPoster.post` sends one signed event body and says what came back: the status, or the
transport error in a few words. Short time-outs (one slow endpoint must not hold up the worker),
no redirects (a redirect is an answer other than 2xx: the endpoint is misconfigured, and following
it would send the event somewhere nobody configured). Headers are never logged: they carry the
signature, and nothing here ever sees or logs the secret itself.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import requests

TIMEOUT = (3.05, 10.0)  # seconds to connect, seconds to wait for the answer
USER_AGENT = "bff-webhooks/1"
ERROR_TEXT_LIMIT = 300


@dataclass(frozen=True)
class PostResult:
    """What one POST got: an HTTP status, or no status and the transport error."""

    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class HttpPoster:
    """POSTs event bodies (a pooled session per thread)."""

    def __init__(self, *, timeout: tuple[float, float] = TIMEOUT) -> None:
        self.timeout = timeout
        self._local = threading.local()  # one session per thread (the worker, a console request)

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
        try:
            response = self.session.post(url, data=body, headers={"User-Agent": USER_AGENT, **headers},
                                         timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            return PostResult(None, "timed out")
        except requests.RequestException as error:
            return PostResult(None, f"{type(error).__name__}: {_first_line(error)}"[:ERROR_TEXT_LIMIT])
        with response:
            if response.ok and response.status_code < 300:
                return PostResult(response.status_code)
            return PostResult(response.status_code, _answer_words(response))


def _answer_words(response: requests.Response) -> str:
    """A non-2xx answer in a few words: the status and the start of the body."""
    text = " ".join((response.text or "")[:ERROR_TEXT_LIMIT].split())
    return f"HTTP {response.status_code}" + (f": {text}" if text else "")


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [""])[0]
