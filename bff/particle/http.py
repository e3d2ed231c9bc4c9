"""HTTP to one Particle cloud: timeouts, auth headers, the cloud-call log, typed errors.

Part of the Particle client (bff/particle/client.py decides what to ask; this module asks). Every
request has a timeout, sends a token only in the Authorization header, leaves exactly one row in
the cloud-call log (never a token or secret) and turns any failure into a `bff.errors.CloudError`.
"""
from __future__ import annotations

import http.cookiejar
import logging
import os
import queue
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator
from urllib.parse import urlencode

import requests
import urllib3
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from bff.config import ProductCredentials
from bff.redaction import redact
from bff.errors import CloudError, CloudUnavailable
from bff.particle.replies import Token, cloud_error
from bff.particle.transport import CloudReply, PooledTransport

logger = logging.getLogger(__name__)

TOKEN_PATH = "/oauth/token"
USER_AGENT = "bff (Particle product backend)"

Refine = Callable[[requests.Response, CloudError | None], CloudError | None]


class CloudHttp:
    """Sends requests to `api_url` through a pool of requests sessions (kept-alive connections)."""

    def __init__(self, api_url: str, store, *, timeout: tuple[float, float] | float,
                 clock: Callable[[], float]) -> None:
        self.api_url = api_url.rstrip("/")
        self.store = store
        self.timeout = timeout
        self.clock = clock
        self._sessions: queue.LifoQueue[requests.Session] = queue.LifoQueue()  # for streams
        self.transport = PooledTransport(self.api_url)  # every other call

    def request(self, method: str, path: str, *, token: str | None = None,
                auth: tuple[str, str] | None = None, params: dict | None = None,
                headers: dict | None = None, stream: bool = False, timeout=None,
                refine: Refine | None = None, product_key: str | None = None,
                customer: str | None = None, device_id: str | None = None,
                **body) -> requests.Response:
        """Send one request, log it, and raise the typed error for a failure.

        `token` goes in the Authorization header, `auth` is HTTP Basic (client credentials);
        `body` is passed on to requests (json=, data=, files=). `refine` may turn a reply into
        a different error (or an error into success) before it is logged.
        """
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        shown_path = f"{path}?{urlencode(params)}" if params else path
        who = {"product_key": product_key, "customer": customer, "device_id": device_id}
        started = time.perf_counter()
        body = {name: value for name, value in body.items() if value is not None}
        try:
            response = self._send(method, path, params=params, headers=headers, auth=auth,
                                  timeout=timeout or self.timeout, stream=stream, body=body)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            error = transport_error(exc, method, shown_path)
            self._log(method, shown_path, None, started, error, **who)
            raise error from exc
        error = cloud_error(response, method, shown_path) if response.status_code >= 300 else None
        if refine is not None:
            error = refine(response, error)
        self._log(method, shown_path, response.status_code, started, error, **who)
        if error is not None:
            response.close()
            raise error
        return response

    def fetch_token(self, creds: ProductCredentials, *, customer: str | None = None,
                    expires_in: int | None = None) -> Token:
        """`POST /oauth/token` with authlib: client_credentials, HTTP Basic client auth.

        No scope gives a product token; `customer` asks for `scope=customer=<username>`;
        `expires_in` asks for a shorter lifetime. A fresh session per call (authlib keeps the
        token on the session, which must not be shared between threads).
        """
        extra: dict[str, Any] = {}
        if customer is not None:
            extra["scope"] = f"customer={customer}"
        if expires_in is not None:
            extra["expires_in"] = str(expires_in)
        reply: dict[str, Any] = {}

        def check(response: requests.Response) -> requests.Response:
            reply["status"] = response.status_code
            if response.status_code >= 400:
                raise cloud_error(response, "POST", TOKEN_PATH)
            return response

        session = OAuth2Session(creds.client_id, creds.client_secret,
                                token_endpoint_auth_method="client_secret_basic")
        session.headers["User-Agent"] = USER_AGENT
        session.register_compliance_hook("access_token_response", check)
        started = time.perf_counter()
        error: CloudError | None = None
        try:
            data = session.fetch_token(self.api_url + TOKEN_PATH, grant_type="client_credentials",
                                       timeout=self.timeout, **extra)
            token = Token.from_reply(data, self.clock())
        except CloudError as err:
            error = err
        except requests.RequestException as exc:
            error = transport_error(exc, "POST", TOKEN_PATH)
        except (OAuthError, KeyError, ValueError) as exc:  # a 2xx that is not a token
            error = CloudUnavailable(f"unexpected token reply: {type(exc).__name__}",
                                     status=reply.get("status"), method="POST", path=TOKEN_PATH)
        finally:
            session.close()
        self._log("POST", TOKEN_PATH, reply.get("status"), started, error,
                  product_key=creds.key, customer=customer)
        if error is not None:
            raise error
        return token

    def ping(self) -> bool:
        """True when the cloud answers HTTP at all (no token; logged only when it fails)."""
        started = time.perf_counter()
        try:
            response = self.transport.send("GET", self.api_url + "/", headers={"User-Agent": USER_AGENT},
                                           timeout=self.timeout)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            self._log("GET", "/", None, started, transport_error(exc, "GET", "/"))
            return False
        if response.status_code >= 500:
            self._log("GET", "/", response.status_code, started, cloud_error(response, "GET", "/"))
            return False
        return True

    def _send(self, method: str, path: str, *, params, headers: dict, auth, timeout, stream: bool,
              body: dict) -> CloudReply | requests.Response:
        """A stream on a requests session (read as it comes); any other call on the urllib3 pool."""
        if not stream:
            return self.transport.send(method, self.api_url + path, params=params,
                                       headers={"User-Agent": USER_AGENT, **headers}, auth=auth,
                                       timeout=timeout, **body)
        with self._session() as session:
            return session.request(method, self.api_url + path, params=params, headers=headers, auth=auth,
                                   timeout=timeout, stream=True, allow_redirects=False, **body)

    @contextmanager
    def _session(self) -> Iterator[requests.Session]:
        """A session of the pool (each used by one thread at a time; their connections stay open
        between requests, whichever thread serves them)."""
        try:
            session = self._sessions.get_nowait()
        except queue.Empty:
            session = new_session(self.api_url)
        try:
            yield session
        finally:
            self._sessions.put(session)

    def _log(self, method: str, path: str, status: int | None, started: float,
             error: BaseException | None, **who) -> None:
        """Write the cloud-call log row; a logging failure never breaks the call."""
        ms = (time.perf_counter() - started) * 1000
        try:
            self.store.log_cloud_call(method=method, path=path, status=status, ms=ms,
                                      error=str(error) if error is not None else None,
                                      reply=_failed_reply(path, status, error), at=self.clock(), **who)
        except Exception:
            logger.exception("could not write the cloud-call log")
        logger.info("cloud call %s %s %s", method, redact(path), status, extra={
            "event": "cloud_call", "method": method, "path": redact(path), "status": status,
            "ms": round(ms, 1), "product": who.get("product_key"), "device_id": who.get("device_id"),
            "error": type(error).__name__ if error is not None else None})


def new_session(api_url: str) -> requests.Session:
    """A requests session that reads the environment once (proxies, CA bundle) instead of at
    every request (`trust_env` costs ~0.6 ms a call), keeps no cookies, and keeps connections."""
    session = requests.Session()
    session.trust_env = False
    session.proxies.update(requests.utils.get_environ_proxies(api_url))
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    session.headers["User-Agent"] = USER_AGENT
    return session


def _failed_reply(path: str, status: int | None, error: BaseException | None) -> str | None:
    """The raw reply of a failed call, for operators (the store redacts and cuts it); never a
    reply that carried a token (a 2xx of the token endpoint), never a successful reply."""
    if error is None or (path == TOKEN_PATH and status is not None and status < 300):
        return None
    return getattr(error, "raw", None)


def transport_error(exc: requests.RequestException | urllib3.exceptions.HTTPError, method: str,
                    path: str) -> CloudUnavailable:
    """A timeout or broken connection as CloudUnavailable (the message names which)."""
    timed_out = isinstance(exc, (requests.Timeout, urllib3.exceptions.TimeoutError))
    kind = "timed out" if timed_out else "connection failed"
    return CloudUnavailable(f"{method} {path} {kind}: {type(exc).__name__}", method=method, path=path)

