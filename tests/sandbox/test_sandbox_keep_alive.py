"""The sandbox keeps HTTP/1.1 connections open between requests, as api.particle.io does
(bff/sandbox/http_server.py), without ever mixing up two requests on one connection."""
from __future__ import annotations

import http.client

import pytest
from flask import Flask, Response, request

from bff.sandbox.http_server import HttpServer


@pytest.fixture
def server():
    app = Flask("keep-alive")
    app.add_url_rule("/echo", "echo", lambda: f"read {len(request.get_data())}", methods=["GET", "POST"])
    app.add_url_rule("/ignore", "ignore", lambda: "did not read", methods=["POST"])
    app.add_url_rule("/stream", "stream", lambda: Response(iter([b"a", b"b"]), mimetype="text/event-stream"))
    running = HttpServer(app, "127.0.0.1", 0)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def connection(server):
    opened = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    yield opened
    opened.close()


def _ask(connection, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection.request(method, path, body=body, headers=headers or {})
    reply = connection.getresponse()
    return reply, reply.read().decode()


def test_one_connection_carries_many_requests(connection):
    answers = [_ask(connection, "POST", "/echo", b"x" * n)[1] for n in (1, 10, 100)]

    assert answers == ["read 1", "read 10", "read 100"]
    assert connection.sock is not None  # never closed by the server in between


def test_a_body_the_app_did_not_read_is_not_taken_for_the_next_request(connection):
    reply, text = _ask(connection, "POST", "/ignore", b"GET /echo HTTP/1.1\r\n\r\n" * 50)
    assert (reply.status, text) == (200, "did not read")
    assert reply.getheader("Connection") is None

    assert _ask(connection, "GET", "/echo")[1] == "read 0"


def test_a_client_that_asks_to_close_is_told_so(connection):
    reply, _ = _ask(connection, "GET", "/echo", headers={"Connection": "close"})

    assert reply.getheader("Connection") == "close"


def test_an_answer_without_a_length_still_closes(connection):
    reply, text = _ask(connection, "GET", "/stream")

    assert text == "ab" and reply.getheader("Connection") == "close"


def test_stopping_cuts_kept_connections(server, connection):
    _ask(connection, "GET", "/echo")
    server.stop()

    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        _ask(connection, "GET", "/echo")
