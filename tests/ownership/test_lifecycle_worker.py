"""The app builds the lifecycle service (`services.lifecycle`), and the worker's tick runs its jobs."""
from __future__ import annotations

from bff.worker import Worker
from tests.support import OTHER_PHONE


def test_the_worker_tick_expires_offers_and_resumes_moves(services, person, online_device, control):
    lifecycle = services.lifecycle
    services.claims.request_claim(person.id, online_device, channel="test", operator=True)
    offer = lifecycle.give(person, online_device, OTHER_PHONE, channel="sms")
    services.store.db.execute("UPDATE offers SET expires_at = 0 WHERE id = ?", [offer.id])
    control.add_fault(path="/v1/products/*/devices/*/owner", method="DELETE", status=503, times=1)
    move = lifecycle.remove(person, online_device, channel="web")
    assert move.open
    services.store.db.execute("UPDATE moves SET next_attempt_at = 0 WHERE id = ?", [move.id])
    Worker(services).tick()
    assert lifecycle.offer(offer.id).state in ("expired", "cancelled")
    assert lifecycle.moves.move(move.id).done and control.device(online_device)["owner"] is None
    assert lifecycle.offer_link(offer.id) == f"http://bff.test/offers/{offer.id}"
