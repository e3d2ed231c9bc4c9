"""Production serving: one JSON log line per request and per cloud call, without secrets; the client
address behind trusted proxies only."""
from __future__ import annotations

import json
import logging

import pytest

from bff.logs import JsonFormatter

from tests.support.pages import landing_path


def json_lines(caplog) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records if record.name.startswith("bff")]


def test_each_request_is_one_json_line_without_its_query(client, caplog, online_device):
    caplog.set_level(logging.INFO, logger="bff")
    client.get(landing_path(online_device) + "&next=/secret-next")
    [line] = [entry for entry in json_lines(caplog) if entry.get("event") == "request"]
    assert line["path"] == f"/d/{online_device}" and line["status"] == 200 and line["method"] == "GET"
    assert line["endpoint"] == "web.device" and isinstance(line["ms"], float) and line["ip"] == "127.0.0.1"
    assert "k=" not in json.dumps(line) and "secret-next" not in json.dumps(line)


def test_each_cloud_call_is_one_json_line_with_tokens_redacted(particle, caplog, online_device, electron):
    caplog.set_level(logging.INFO, logger="bff")
    particle.get_device(electron["slug"], online_device)
    calls = [entry for entry in json_lines(caplog) if entry.get("event") == "cloud_call"]
    assert calls and all(set(entry) >= {"method", "path", "status", "ms"} for entry in calls)
    text = json.dumps(calls)
    assert "access_token=" not in text.replace("access_token=REDACTED", "")
    token_rows = list(particle.store.db.query("SELECT access_token FROM product_tokens"))
    assert all(row["access_token"] not in text for row in token_rows)


def test_forwarded_addresses_are_ignored_without_trusted_proxies(app, client):
    @app.get("/test-ip")
    def ip():
        from flask import request
        return request.remote_addr

    assert client.get("/test-ip", headers={"X-Forwarded-For": "203.0.113.9"}).text == "127.0.0.1"


@pytest.mark.app_settings(TRUSTED_PROXIES=1)
def test_one_trusted_proxy_gives_the_client_address(app, client):
    @app.get("/test-ip")
    def ip():
        from flask import request
        return f"{request.remote_addr} {request.scheme}"

    forwarded = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https"}
    assert client.get("/test-ip", headers=forwarded).text == "203.0.113.9 https"
