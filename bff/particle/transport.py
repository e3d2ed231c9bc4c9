"""The cloud's requests sent on urllib3's connection pool, answered as a small `CloudReply`.

Part of the Particle client: bff/particle/http.py decides headers, logging and errors and sends
every call that is not a stream through `PooledTransport`. urllib3 (the pool under requests) keeps
connections to the cloud open across threads; requests' own layers (settings merged from the
environment, hooks, cookies, redirects) cost about 1 ms of CPU a call, a third of a claim's, for
features bff turns off anyway. Event streams (bff/particle/events.py) and the token endpoint
(authlib) still go through requests. Proxies and a CA bundle from the environment are read once.
"""
from __future__ import annotations

import json as jsonlib
import os
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3
from urllib3.util import Timeout

POOL_CONNECTIONS = 32  # connections kept open to the cloud (more are opened when needed, not kept)


class CloudReply:
    """What bff reads of a reply: status, headers (any case), body, and the request it answers."""

    def __init__(self, status: int, headers, content: bytes, method: str, url: str) -> None:
        self.status_code = status
        self.headers = headers
        self.content = content
        self.request = SentRequest(method, url)

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return jsonlib.loads(self.content)

    def close(self) -> None:
        """Nothing to release: the body was read whole and the connection went back to the pool."""


class SentRequest:
    """The method and path of the request a reply answers (`path_url` as requests names it)."""

    def __init__(self, method: str, url: str) -> None:
        parts = urlsplit(url)
        self.method, self.url = method, url
        self.path_url = parts.path + (f"?{parts.query}" if parts.query else "")


class PooledTransport:
    """Sends one request at a time per caller on a shared, thread-safe urllib3 pool."""

    def __init__(self, api_url: str) -> None:
        self.pool = _pool_manager(api_url)

    def send(self, method: str, url: str, *, params: dict | None = None, headers: dict,
             auth: tuple[str, str] | None = None, timeout, data: dict | None = None,
             json: Any = None, files: dict | None = None) -> CloudReply:
        """One request, its whole reply; urllib3's exceptions pass through (http.py maps them)."""
        if params:
            url = f"{url}?{urlencode(params, doseq=True)}"
        headers = dict(headers)
        if auth is not None:
            headers.update(urllib3.make_headers(basic_auth=f"{auth[0]}:{auth[1]}"))
        body, content_type = _encode_body(data, json, files)
        if content_type:
            headers["Content-Type"] = content_type
        reply = self.pool.request(method, url, body=body, headers=headers, timeout=_timeout(timeout),
                                  redirect=False, retries=False, preload_content=True)
        return CloudReply(reply.status, reply.headers, reply.data, method, url)


def _encode_body(data: dict | None, json: Any, files: dict | None) -> tuple[bytes | None, str | None]:
    """The body and its Content-Type, as requests would send `data=`, `json=` or `files=`."""
    if files is not None:
        fields = {name: value for name, value in (data or {}).items()}
        fields.update(files)
        return urllib3.encode_multipart_formdata(fields)
    if json is not None:
        return jsonlib.dumps(json).encode(), "application/json"
    if data is not None:
        return urlencode(data, doseq=True).encode(), "application/x-www-form-urlencoded"
    return None, None


def _timeout(value) -> Timeout:
    if isinstance(value, tuple):
        return Timeout(connect=value[0], read=value[1])
    return Timeout(connect=value, read=value)


def _pool_manager(api_url: str) -> urllib3.PoolManager:
    """A pool for the cloud's address, through the environment's proxy if it names one."""
    import requests.utils  # the same proxy rules as every other requests call (NO_PROXY included)

    proxies = requests.utils.get_environ_proxies(api_url)
    proxy = proxies.get(urlsplit(api_url).scheme) or proxies.get("all")
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    options: dict[str, Any] = {"maxsize": POOL_CONNECTIONS, "block": False}
    if bundle:
        options["ca_certs"] = bundle
    else:
        import certifi  # requests' own CA bundle, so a missing system store is no different

        options["ca_certs"] = certifi.where()
    if proxy:
        return urllib3.ProxyManager(proxy, **options)
    return urllib3.PoolManager(**options)
