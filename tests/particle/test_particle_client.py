

def test_a_product_list_longer_than_a_thousand_pages_is_read_to_the_end(particle, sandbox, electron, monkeypatch):
    """No cap of our own on pages (issue 14: a cap at 1,000 pages silently dropped the last devices,
    the ones that never connected)."""
    with sandbox.store.write() as state:
        now = sandbox.store.now()
        added = {sandbox.simulator.create(state, now, "electron", electron["id"], False).id for _ in range(1005)}
    monkeypatch.setattr("bff.particle.client.DEVICES_PER_PAGE", 1)  # 1,000+ pages without 100,000 devices
    listed = {device["id"] for device in particle.list_product_devices(electron["slug"])}
    assert added <= listed and len(listed) >= 1005


def test_a_product_s_facts_are_read_from_the_database_once_for_a_page_of_devices(particle, electron):
    """A person with 200 devices: the product's name is not one query per device (issue 14 item 6)."""
    particle.product_info(electron["slug"])
    statements: list[str] = []
    particle.store.db.conn.set_trace_callback(statements.append)
    try:
        names = {particle.product_info(electron["slug"]).name for _ in range(200)}
    finally:
        particle.store.db.conn.set_trace_callback(None)
    assert len(names) == 1 and statements == []
    assert particle.product_info(electron["slug"], refresh=True).name in names  # refresh still reads the cloud
