"""Delivery: every response compressed, static files under content-hashed URLs cached for a year.

- **Compression** is flask-compress (zstd, brotli or gzip, whatever the browser's Accept-Encoding
  prefers) for HTML, JSON, CSS, JavaScript and SVG, pages and static files alike. Flask serves a
  static file as a stream, which flask-compress would compress chunk by chunk without gzip and
  anew on every request; `_static_view` reads the (small) file into memory instead, so it takes
  the whole-body path, and `StaticCache` keeps each fingerprinted file's compressed bytes (the
  file behind such a URL never changes), so a file is compressed once per algorithm, at the best
  level for brotli and gzip.
- **Fingerprints**: `url_for('static', filename=F)` adds `?v=<hash of F's bytes>` (`url_defaults`),
  so no template changes. A request whose `v` is the file's current hash is answered with
  `Cache-Control: public, max-age=31536000, immutable`: the browser keeps it a year and does not
  even ask again; any other static request (no `v`, an old `v` after a deploy) gets `no-cache`
  (asked again each time, 304 when unchanged).

The hashes follow the files on disk (size and mtime are checked on each use), so an edited CSS file
gets a new URL without a restart.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import threading

import brotli
from flask import Flask, current_app, request
from flask_compress import Compress

FINGERPRINT_ARG = "v"
YEAR_CACHE = "public, max-age=31536000, immutable"  # fingerprinted: the bytes behind the URL never change
UNFINGERPRINTED_CACHE = "no-cache"  # no (or an old) fingerprint: revalidate every time (ETag, 304)
COMPRESSED_TYPES = ["text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
                    "application/json", "application/problem+json", "image/svg+xml", "text/csv"]

_hashes: dict[str, tuple[int, int, str]] = {}  # path -> (mtime_ns, size, hash)
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Compression, fingerprinted static URLs and their caching."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "zstd", "gzip", "deflate"])  # br: the smallest here
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)  # pages are compressed per request: fast, yet ~20 % under gzip
    app.config.setdefault("COMPRESS_CACHE_BACKEND", StaticCache)
    app.config.setdefault("COMPRESS_CACHE_KEY", _static_cache_key)
    Compress(app)
    app.url_defaults(_add_fingerprint)
    view = app.view_functions["static"]

    def _static_view(filename: str):
        response = view(filename=filename)
        fresh = request.args.get(FINGERPRINT_ARG) == fingerprint(filename)
        response.headers["Cache-Control"] = YEAR_CACHE if fresh else UNFINGERPRINTED_CACHE
        if response.status_code == 200 and response.is_streamed:
            response.direct_passthrough = False
            response.make_sequence()  # one body: compressed whole (every algorithm), cached below
        return response

    app.view_functions["static"] = _static_view


def fingerprint(filename: str) -> str | None:
    """A short hash of a static file's bytes (None when there is no such file)."""
    path = _static_path(filename)
    try:
        stat = os.stat(path or "")
    except OSError:
        return None
    known = _hashes.get(path)
    if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    with open(path, "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()[:12]
    with _lock:
        _hashes[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def _static_path(filename: str) -> str | None:
    """The file's path inside the static folder (None for a name that leads out of it)."""
    folder = os.path.realpath(current_app.static_folder or "")
    path = os.path.realpath(os.path.join(folder, filename))
    return path if path.startswith(folder + os.sep) else None


def _add_fingerprint(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and FINGERPRINT_ARG not in values:
        digest = fingerprint(values["filename"])
        if digest:
            values[FINGERPRINT_ARG] = digest


def _static_cache_key(req) -> str:
    """The compression cache's key: only a static file at its current fingerprint is kept; anything
    else (pages, JSON: personal, changing) gets the empty key, which `StaticCache` never stores."""
    filename = (req.view_args or {}).get("filename") if req.endpoint == "static" else None
    digest = req.args.get(FINGERPRINT_ARG)
    if filename and digest and digest == fingerprint(filename):
        return f"{filename}?{digest}"
    return ""


class StaticCache:
    """flask-compress's cache backend: compressed static files by name and hash, nothing else.

    A miss for brotli or gzip compresses the file here at the best level (once per process: the
    scanner is 26 KB at brotli 11 against 38 KB at the per-request level 5); other algorithms are
    left to flask-compress's own level."""

    LIMIT = 64  # entries (a handful of files × algorithms); old versions fall out first
    BEST = {"br": lambda data: brotli.compress(data, quality=11), "gzip": lambda data: gzip.compress(data, 9)}

    def __init__(self) -> None:
        self._items: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        algorithm, _, name = key.partition(";")
        if not name:  # not a fingerprinted static file
            return None
        found = self._items.get(key)
        if found is None and algorithm in self.BEST:
            filename, _, digest = name.rpartition("?")
            data = _read_static(filename)
            if data is not None and hashlib.sha256(data).hexdigest()[:12] == digest:
                found = self.BEST[algorithm](data)
                self.set(key, found)
        return found

    def set(self, key: str, value: bytes) -> None:
        if not key.partition(";")[2]:
            return
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = value
            while len(self._items) > self.LIMIT:
                self._items.pop(next(iter(self._items)))


def _read_static(filename: str) -> bytes | None:
    path = _static_path(filename)
    try:
        with open(path or "", "rb") as file:
            return file.read()
    except OSError:
        return None
