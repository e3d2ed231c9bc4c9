"""Backups (SQLite's online backup, atomic) and what a rebuild restores in the database: derived label
codes with their clash fallbacks, restored people and their adoption by a phone."""
from __future__ import annotations

import sqlite3

import pytest

from bff import labels
from bff.particle.customers import derived_customer_username, person_prefix_of, person_username_prefix

KEY = "test-label-key"
PHONE = "+12015550123"
DEVICE, OTHER = "0123456789abcdef01234567", "89abcdef0123456789abcdef"


def test_a_backup_is_a_checked_self_contained_copy(store, tmp_path):
    store.upsert_device(DEVICE, product_key="p", owner="bff-x@customers.bff.invalid")
    target = tmp_path / "backups" / "copy.sqlite3"
    size = store.backup_to(target)
    assert size == target.stat().st_size > 0
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # no -wal needed beside it
    assert copy.execute("SELECT owner FROM devices").fetchall() == [("bff-x@customers.bff.invalid",)]
    copy.close()
    assert sorted(path.name for path in target.parent.iterdir()) == ["copy.sqlite3"]  # no temp file left


def test_a_backup_replaces_an_older_one_atomically(store, tmp_path):
    target = tmp_path / "copy.sqlite3"
    target.write_bytes(b"an older backup")
    store.backup_to(target)
    assert sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_a_backup_never_overwrites_the_live_database(store, suffix):
    store.upsert_device(DEVICE, product_key="p")
    with pytest.raises(ValueError):
        store.backup_to(store.path + suffix)
    assert store.device(DEVICE) is not None


def test_a_device_takes_the_next_derived_code_when_its_own_is_taken(store):
    store.upsert_device(OTHER, product_key="p")
    taken = labels.derived_label_code(KEY, DEVICE)
    store.ensure_label_code(OTHER, [taken])
    store.upsert_device(DEVICE, product_key="p")
    code = store.ensure_label_code(DEVICE, labels.derived_label_codes(KEY, DEVICE))
    assert code == labels.derived_label_code(KEY, DEVICE, 1)
    assert store.ensure_label_code(DEVICE, labels.derived_label_codes(KEY, DEVICE)) == code  # kept


def test_a_code_a_device_has_is_kept(store):
    store.upsert_device(DEVICE, product_key="p")
    old = store.ensure_label_code(DEVICE, labels.new_label_code)
    assert store.ensure_label_code(DEVICE, labels.derived_label_codes(KEY, DEVICE)) == old


def restore(store, product, username):
    return store.restore_shadow_customer(product, username, person_prefix_of(username))


def test_one_persons_customers_come_back_as_one_person_without_a_phone(store):
    electron, photon = (derived_customer_username(KEY, PHONE, p) for p in ("electron", "photon"))
    user_id, created = restore(store, "electron", electron)
    assert created and store.user(user_id)["phone"] is None
    assert restore(store, "photon", photon) == (user_id, False)
    assert restore(store, "photon", photon) is None  # idempotent
    assert store.shadow_customer(user_id, "photon")["confirmed_at"] is not None


def test_random_usernames_come_back_as_people_of_their_own(store):
    first, _ = restore(store, "electron", "bff-0123456789abcdef01234567@customers.bff.invalid")
    second, _ = restore(store, "electron", "bff-89abcdef0123456789abcdef@customers.bff.invalid")
    assert first != second


def test_the_first_sign_in_from_the_phone_adopts_the_restored_person(store):
    user_id, _ = restore(store, "electron", derived_customer_username(KEY, PHONE, "electron"))
    restore(store, "electron", derived_customer_username(KEY, "+12015550124", "electron"))
    assert store.adopt_restored_person("+12015550199", person_username_prefix(KEY, "+12015550199")) is None
    assert store.adopt_restored_person(PHONE, person_username_prefix(KEY, PHONE)) == user_id
    assert store.user_by_phone(PHONE)["id"] == user_id
    assert store.adopt_restored_person(PHONE, person_username_prefix(KEY, PHONE)) is None  # once


def test_a_person_with_a_phone_is_never_adopted_again(store):
    owner = store.ensure_phone_user("+12015550124")["id"]
    store.reserve_shadow_customer(owner, "electron", derived_customer_username(KEY, PHONE, "electron"))
    assert store.adopt_restored_person(PHONE, person_username_prefix(KEY, PHONE)) is None
    assert store.user(owner)["phone"] == "+12015550124"
