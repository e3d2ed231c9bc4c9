"""`GET /healthz`: database, cloud and worker, and the sandbox's base URL in sandbox mode (a mode
mismatch: tests/ownership/test_ownership_modes.py)."""
import os

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
        "ownership_modes": "ok",
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


def test_healthz_is_503_without_a_traceback_when_the_database_is_broken(client, services, caplog):
    services.store.record_heartbeat(HEARTBEAT_NAME)
    services.store.close()
    with open(services.store.path, "wb") as damaged:  # the file is no database any more
        damaged.write(b"this is not a database " * 1000)
    for leftover in ("-wal", "-shm"):
        if os.path.exists(services.store.path + leftover):
            os.remove(services.store.path + leftover)

    reply = client.get("/healthz")

    assert reply.status_code == 503
    assert reply.json["database"] == "error" and reply.json["worker"] == "unknown"
    assert reply.json["ok"] is False and reply.json["cloud"] == "reachable"
    assert "Traceback" not in reply.get_data(as_text=True)
    assert [r for r in caplog.records if r.getMessage() == "database health check failed" and r.exc_info]
