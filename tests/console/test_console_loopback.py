"""Sandbox mode stays on this machine: the console answers loopback browsers only, and `flask bff
serve` refuses a network address, unless the settings say otherwise."""
from __future__ import annotations

import pytest

from bff.cli import serve_command

from tests.support.pages import csrf_token


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.5", "::1"])
def test_the_console_answers_this_machine(client, address):
    assert client.get("/console", environ_base={"REMOTE_ADDR": address}).status_code == 200


@pytest.mark.parametrize("path", ["/console", "/console/outbox.json"])
@pytest.mark.parametrize("address", ["192.0.2.7", "10.0.0.2", "2001:db8::1", "", "unknown"])
def test_the_console_is_not_there_for_other_machines(client, path, address):
    response = client.get(path, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 404
    assert "sign-in code" not in response.get_data(as_text=True)


def test_other_machines_cannot_text_as_a_phone(client, services):
    token = csrf_token(client.get("/login"))  # a valid form token of this session
    response = client.post("/console/sms", data={"csrf_token": token, "phone": "+12015550100", "body": "STATUS"},
                           environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 404
    assert services.store.inbound_messages(from_phone="+12015550100", limit=5) == []


@pytest.mark.app_settings(CONSOLE_ON_NETWORK=True)
def test_a_demo_on_a_trusted_network_may_open_it(client):
    assert client.get("/console", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "::", "bff.example.com"])
def test_serve_refuses_a_network_address_in_sandbox_mode(app, host, monkeypatch):
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda *a, **k: pytest.fail("must not serve"))
    result = app.test_cli_runner().invoke(serve_command, ["--host", host, "--port", "5999"])
    assert result.exit_code != 0 and "listens on this machine only" in result.output
    assert "BFF_SANDBOX_ON_NETWORK" in result.output


@pytest.mark.app_settings(SANDBOX_ON_NETWORK=True)
def test_serve_may_listen_on_the_network_when_told(app, monkeypatch):
    served = []
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda host, port, *a, **k: served.append((host, port)))
    monkeypatch.setattr("bff.worker.Worker.run_forever", lambda self: None)
    result = app.test_cli_runner().invoke(serve_command, ["--host", "0.0.0.0", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert served == [("0.0.0.0", 5999)]
