

def test_a_product_list_longer_than_a_thousand_pages_is_read_to_the_end(particle, sandbox, electron, monkeypatch):
    """No cap of our own on pages (issue 14: a cap at 1,000 pages silently dropped the last devices,
    the ones that never connected)."""
    with sandbox.store.write() as state:
        now = sandbox.store.now()
        added = {sandbox.simulator.create(state, now, "electron", electron["id"], False).id for _ in range(1005)}
    monkeypatch.setattr("bff.particle.client.DEVICES_PER_PAGE", 1)  # 1,000+ pages without 100,000 devices
    listed = {device["id"] for device in particle.list_product_devices(electron["slug"])}
    assert added <= listed and len(listed) >= 1005
