"""`GET /healthz`: database, cloud and worker, and the sandbox's base URL in sandbox mode."""
from bff.worker import HEARTBEAT_NAME


def test_healthz_reports_every_part_and_the_sandbox_url(client, services, sandbox):
    services.store.record_heartbeat(HEARTBEAT_NAME)

    reply = client.get("/healthz")

    assert reply.status_code == 200
    assert reply.json == {
        "ok": True,
        "database": "ok",
        "cloud": "reachable",
        "worker": "alive",
        "sandbox": {"base_url": sandbox.base_url},
    }


def test_healthz_is_503_when_the_worker_was_never_seen(client):
    reply = client.get("/healthz")

    assert reply.status_code == 503
    assert reply.json["worker"] == "never seen"
    assert reply.json["ok"] is False


def test_healthz_is_503_when_the_cloud_is_unreachable(client, services, sandbox_server):
    services.store.record_heartbeat(HEARTBEAT_NAME)
    sandbox_server.stop()
    try:
        reply = client.get("/healthz")
    finally:
        sandbox_server.start(host="127.0.0.1", port=int(sandbox_server.base_url.rsplit(":", 1)[1]))

    assert reply.status_code == 503
    assert reply.json["cloud"] == "unreachable"
    assert reply.json["database"] == "ok"
