"""The cloud-call log (bff/db/calls.py): what is kept (redacted, cut), every filter, and that every
filter is answered from an index (EXPLAIN QUERY PLAN: no full scan of cloud_calls, no sort of it);
and what bff/particle/http.py writes into it (a failed call's raw reply, never a token reply)."""
from __future__ import annotations

import dataclasses

import pytest

from bff.db.calls import REPLY_TEXT_LIMIT
from bff.errors import CloudError, DeviceOwnedByOther

DEVICE, OTHER_DEVICE = "0123456789abcdef01234567", "fedcba9876543210fedcba98"
T0 = 1_000_000.0


def _fill(store, n: int = 600) -> None:
    """n calls, one a second from T0: every 3rd failed (403, 429, no answer), two devices, many
    customers, two products."""
    with store.db.conn:
        for i in range(n):
            failed = i % 3 == 0
            status = (403, 429, None)[i % 9 // 3] if failed else 200
            store.log_cloud_call(
                method="POST", path=f"/v1/call/{i}", status=status, ms=1.0, error=f"Err {i}" if failed else None,
                product_key=("widget", "gadget")[i % 2], customer=_customer(i),
                device_id=(DEVICE, OTHER_DEVICE, None, None)[i % 4], at=T0 + i)


def _customer(i: int) -> str | None:
    """a: every 3rd call; b: every 30th; the rest of every 3rd call: one-off customers."""
    if i % 3 == 2:
        return None
    return "bff-a@x.invalid" if i % 3 == 0 else "bff-b@x.invalid" if i % 30 == 1 else f"bff-{i}@x.invalid"


def _paths(rows) -> list[int]:
    return [int(row["path"].rsplit("/", 1)[1]) for row in rows]


def test_the_reply_is_kept_redacted_and_cut(store):
    reply = '{"error": "invalid_token", "access_token": "s3cret"}' + "x" * 5000
    store.log_cloud_call(method="GET", path="/v1/devices", status=401, ms=1, error="Unauthorized", reply=reply)
    (row,) = store.cloud_calls()
    assert "s3cret" not in row["reply"] and '"access_token": "REDACTED"' in row["reply"]
    assert len(row["reply"]) == REPLY_TEXT_LIMIT


def test_each_filter_selects_its_calls_newest_first(store):
    _fill(store)
    expect = {
        "device": ({"device_id": DEVICE.upper()}, [i for i in range(600) if i % 4 == 0]),
        "customers": ({"customers": ["bff-a@x.invalid"]}, [i for i in range(600) if i % 3 == 0]),
        "two customers": ({"customers": ["bff-a@x.invalid", "bff-b@x.invalid"]}, [i for i in range(600) if i % 3 == 0 or i % 30 == 1]),
        "no customers": ({"customers": []}, []),
        "product": ({"product_key": "gadget"}, [i for i in range(600) if i % 2]),
        "ok": ({"status": "ok"}, [i for i in range(600) if i % 3]),
        "failed": ({"status": "failed"}, [i for i in range(600) if i % 3 == 0]),
        "no answer": ({"status": "none"}, [i for i in range(600) if i % 9 == 6]),
        "429": ({"status": "429"}, [i for i in range(600) if i % 9 == 3]),
        "since": ({"since": T0 + 590}, list(range(590, 600))),
        "until": ({"until": T0 + 10}, list(range(10))),
        "range": ({"since": T0 + 100, "until": T0 + 110, "status": "failed"}, [102, 105, 108]),
        "before": ({"before_id": 11}, list(range(10))),
    }
    for name, (filters, wanted) in expect.items():
        assert _paths(store.cloud_calls(limit=1000, **filters)) == wanted[::-1], name
    assert _paths(store.cloud_calls(limit=3, device_id=DEVICE, status="failed")) == [588, 576, 564]


def test_a_time_range_outside_the_log_finds_nothing(store):
    _fill(store, 20)
    assert store.cloud_calls(since=T0 + 1000) == []
    assert store.cloud_calls(until=T0 - 1) == []


def test_a_time_range_survives_rows_written_a_little_out_of_order(store):
    """Two processes may write their rows a few milliseconds (or seconds) out of time order."""
    for second in (10, 5, 20, 15):
        store.log_cloud_call(method="GET", path=f"/v1/call/{second}", status=200, ms=1.0, at=T0 + second)
    assert _paths(store.cloud_calls(since=T0 + 7)) == [15, 20, 10]
    assert _paths(store.cloud_calls(until=T0 + 12)) == [5, 10]
    assert _paths(store.cloud_calls(since=T0 + 7, until=T0 + 17)) == [15, 10]


def test_failed_calls_of_a_product_are_counted_since_a_time(store):
    _fill(store)
    assert store.count_failed_calls(product_key="widget", since=T0 + 540) == len(
        [i for i in range(540, 600) if i % 3 == 0 and i % 2 == 0])


FILTERS = {
    "device": {"device_id": DEVICE},
    "person": {"customers": ["bff-a@x.invalid"]},
    "person with two customers": {"customers": ["bff-a@x.invalid", "bff-b@x.invalid"]},
    "product": {"product_key": "widget"},
    "ok": {"status": "ok"},
    "failed": {"status": "failed"},
    "failed only": {"failed_only": True},
    "no answer": {"status": "none"},
    "a status": {"status": "429"},
    "since": {"since": T0 + 500},
    "until": {"until": T0 + 500},
    "time range": {"since": T0 + 100, "until": T0 + 500},
    "next page": {"before_id": 300},
    "device, failed, time range": {"device_id": DEVICE, "status": "failed", "since": T0 + 100, "until": T0 + 500},
    "person and ok": {"customers": ["bff-a@x.invalid"], "status": "ok"},
    "device and a status": {"device_id": DEVICE, "status": "200"},
    "person and a status": {"customers": ["bff-a@x.invalid"], "status": "200"},
}
# A device's or a person's few calls are found through their own index, never by walking every
# call with a common status (~0.4 s at a million rows: bench/ops.py).
NARROW_INDEX = {"device and a status": "device_id", "person and a status": "customer"}
SORTS_ALLOWED = {"person with two customers"}  # sorts that person's calls only, found by the index


@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "analyzed"])
@pytest.mark.parametrize("name", FILTERS)
def test_every_filter_uses_an_index(store, name, analyzed):
    _fill(store, 3000)
    if analyzed:
        store.db.execute("ANALYZE")
    plan = store.explain_cloud_calls(**FILTERS[name])
    steps = [step for step in plan if "cloud_calls" in step]
    assert steps, plan
    for step in steps:
        assert step.startswith("SEARCH") or " USING " in step and "INDEX" in step, (name, plan)
    if name not in SORTS_ALLOWED:
        assert not any("TEMP B-TREE" in step for step in plan), (name, plan)
    if name in NARROW_INDEX:
        assert all(f"({NARROW_INDEX[name]}=?" in step for step in steps), (name, plan)


def test_the_home_count_uses_an_index(store):
    _fill(store, 3000)
    where, params = store._call_filters(product_key="widget", status="failed", since=T0 + 2000)
    plan = store.db.execute(f"EXPLAIN QUERY PLAN SELECT COUNT(*) FROM cloud_calls WHERE {' AND '.join(where)}",
                            params).fetchall()
    assert all(row[3].startswith("SEARCH") for row in plan), plan


# -- what the Particle client writes (bff/particle/http.py) ------------------------------------------


def test_a_refused_claim_keeps_the_clouds_reply(particle, electron, customer, online_device, store):
    particle.claim_device(electron["slug"], customer, online_device)
    stranger = particle.ensure_customer(electron["slug"], store.create_user())
    with pytest.raises(DeviceOwnedByOther):
        particle.claim_device(electron["slug"], stranger, online_device)
    (row, *_) = store.cloud_calls(status="failed")
    assert row["status"] == 403 and "That belongs to someone else." in row["reply"]
    assert all(call["reply"] is None for call in store.cloud_calls(status="ok"))


def test_token_replies_are_never_kept(particle_factory, products, electron, store):
    particle = particle_factory()
    particle.product_token(electron["slug"])
    (ok_call,) = [row for row in store.cloud_calls() if row["path"] == "/oauth/token"]
    assert ok_call["reply"] is None and ok_call["error"] is None
    store.forget_product_token(electron["slug"])
    wrong = [dataclasses.replace(p, client_secret="wrong-secret") for p in products]
    with pytest.raises(CloudError):
        particle_factory(products=wrong).product_token(electron["slug"])
    (failed,) = store.cloud_calls(status="failed")
    assert failed["path"] == "/oauth/token" and failed["status"] in (400, 401)
    assert "invalid_client" in failed["reply"]  # the cloud's refusal is kept: it holds no token
    assert "wrong-secret" not in repr(failed)
