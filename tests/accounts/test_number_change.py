"""Change my number (bff/accounts/number_change.py): codes to the new and old numbers, the one
transaction that moves the person, operator-assisted recovery, and the plain refusals."""
from __future__ import annotations

import json
import re

import pytest

from bff import errors
from bff.accounts.number_change import NumberChanges
from bff.webhooks import WebhookOutbox

from tests.support import OTHER_PHONE, PHONE

NEW_PHONE = "+12015550177"


@pytest.fixture
def changes(store, accounts, sms, audit, clock) -> NumberChanges:
    return NumberChanges(store, accounts, sms, audit, WebhookOutbox(store, ["https://crm.test/hook"], clock=clock),
                         clock=clock)


def code_to(sms, phone: str) -> str:
    return re.search(r"\b(\d{6})\b", sms.outbox(to=phone)[0]["body"]).group(1)


def test_a_person_moves_to_a_new_number_with_both_codes(changes, accounts, store, sms, person):
    change = changes.start(person, "(201) 555-0177", ip="10.0.0.1")
    assert change.new_phone == NEW_PHONE and change.old_phone == PHONE and change.needs_old_code
    assert "move your account to this number" in sms.outbox(to=NEW_PHONE)[0]["body"]
    assert "If not, share it with nobody" in sms.outbox(to=PHONE)[0]["body"]

    done = changes.confirm(person.id, new_code=code_to(sms, NEW_PHONE), old_code=code_to(sms, PHONE))

    assert done.done
    assert accounts.user(person.id).phone == NEW_PHONE
    assert accounts.user_for_phone(PHONE, create=False) is None
    assert "no longer signs in" in sms.outbox(to=PHONE)[0]["body"]
    assert "now uses this phone number" in sms.outbox(to=NEW_PHONE)[0]["body"]
    event = json.loads(store.webhook_events(event_type="person.number_changed")[0]["payload"])
    assert event["data"] == {"person_id": person.id, "by": "person"}
    assert PHONE not in json.dumps(event) and NEW_PHONE not in json.dumps(event)


def test_the_old_number_stops_signing_in_open_codes_are_spent(changes, accounts, sms, person):
    accounts.request_sign_in_code(PHONE, ip="10.0.0.1")
    sign_in_code = code_to(sms, PHONE)
    changes.start(person, NEW_PHONE, ip="10.0.0.1")
    changes.confirm(person.id, new_code=code_to(sms, NEW_PHONE), old_code=code_to(sms, PHONE))

    with pytest.raises(errors.SignInCodeExpired):
        accounts.verify_sign_in_code(PHONE, sign_in_code, ip="10.0.0.1")
    accounts.request_sign_in_code(NEW_PHONE, ip="10.0.0.2")
    assert accounts.verify_sign_in_code(NEW_PHONE, code_to(sms, NEW_PHONE), ip="10.0.0.2").id == person.id


def test_devices_shares_and_shadow_customers_stay_with_the_person(changes, store, sms, person, other_person):
    store.reserve_shadow_customer(person.id, "demo", "cust-abc")
    store.upsert_device("0123456789abcdef01234567", product_key="demo", owner="cust-abc")
    store.db["shares"].insert({"device_id": "0123456789abcdef01234567", "owner_user_id": person.id,
                               "user_id": other_person.id, "created_at": 1.0})
    changes.start(person, NEW_PHONE, ip=None)
    changes.confirm(person.id, new_code=code_to(sms, NEW_PHONE), old_code=code_to(sms, PHONE))

    assert [d["device_id"] for d in store.devices_owned_by_user(person.id)] == ["0123456789abcdef01234567"]
    assert store.shadow_customer(person.id, "demo")["username"] == "cust-abc"
    share = next(store.db["shares"].rows)
    assert (share["owner_user_id"], share["user_id"], share["ended_at"]) == (person.id, other_person.id, None)


def test_the_codes_are_not_sign_in_codes(changes, accounts, sms, person):
    changes.start(person, NEW_PHONE, ip=None)
    with pytest.raises(errors.SignInCodeExpired):  # no sign-in code lives for the new phone
        accounts.verify_sign_in_code(NEW_PHONE, code_to(sms, NEW_PHONE), ip="10.0.0.1")
    assert accounts.user_for_phone(NEW_PHONE, create=False) is None


def test_the_old_code_is_needed_and_the_new_one_is_remembered(changes, accounts, sms, person):
    changes.start(person, NEW_PHONE, ip=None)
    with pytest.raises(errors.OldNumberCodeNeeded):
        changes.confirm(person.id, new_code=code_to(sms, NEW_PHONE))
    assert accounts.user(person.id).phone == PHONE
    assert changes.confirm(person.id, new_code=None, old_code=code_to(sms, PHONE)).done


def test_a_wrong_code_says_which_and_counts_tries(changes, accounts, sms, person):
    changes.start(person, NEW_PHONE, ip=None)
    right = code_to(sms, NEW_PHONE)
    wrong = "000000" if right != "000000" else "111111"
    with pytest.raises(errors.WrongSignInCode) as caught:
        changes.confirm(person.id, new_code=wrong, old_code=code_to(sms, PHONE))
    assert caught.value.public_message == "The code for your new number is not right."
    assert caught.value.tries_left == 4
    for _ in range(4):
        with pytest.raises(errors.SignInError):
            changes.confirm(person.id, new_code=wrong)
    with pytest.raises(errors.SignInCodeLocked):
        changes.confirm(person.id, new_code=right)
    assert accounts.user(person.id).phone == PHONE


def test_a_change_runs_out_after_30_minutes(changes, accounts, sms, person, clock):
    changes.start(person, NEW_PHONE, ip=None)
    clock.advance(30 * 60 + 1)
    with pytest.raises(errors.NoNumberChange):
        changes.confirm(person.id, new_code=code_to(sms, NEW_PHONE), old_code=code_to(sms, PHONE))
    assert accounts.user(person.id).phone == PHONE


@pytest.mark.parametrize("typed, error", [
    (PHONE, errors.SameNumber), ("12", errors.InvalidPhoneNumber), ("", errors.InvalidPhoneNumber),
])
def test_plain_refusals(changes, person, typed, error):
    with pytest.raises(error):
        changes.start(person, typed, ip=None)


def test_a_number_someone_uses_for_their_devices_is_refused(changes, store, person, other_person):
    store.insert_claim(device_id="0123456789abcdef01234567", product_key="demo", user_id=other_person.id,
                       channel="sms", actor_user_id=None)
    with pytest.raises(errors.NumberTaken) as caught:
        changes.start(person, OTHER_PHONE, ip=None)
    assert "cannot join two accounts" in caught.value.public_message
    assert "remove or give away" in caught.value.next_step


def test_an_empty_account_of_the_new_number_gives_it_up(changes, accounts, sms, person):
    stray = accounts.user_for_phone(NEW_PHONE)  # one text to bff made an account, nothing else
    changes.start(person, NEW_PHONE, ip=None)
    changes.confirm(person.id, new_code=code_to(sms, NEW_PHONE), old_code=code_to(sms, PHONE))
    assert accounts.user(person.id).phone == NEW_PHONE
    assert accounts.user(stray.id).phone is None


def test_too_many_starts_are_refused(changes, person):
    for _ in range(3):  # the sign-in caps: 3 codes to one phone in 15 minutes
        changes.start(person, NEW_PHONE, ip=None)
    with pytest.raises(errors.TooManySignInCodes):
        changes.start(person, NEW_PHONE, ip=None)


def test_without_the_old_number_an_operator_vouches(changes, accounts, audit, sms, person):
    boss = accounts.create_operator("boss", "correct horse battery", role="admin", phone="+12015550181")
    change = changes.start(person, NEW_PHONE, ip=None, old_number_lost=True)
    assert change.needs_operator and sms.outbox(to=PHONE) == []  # no code to a lost phone

    waiting = changes.confirm(person.id, new_code=code_to(sms, NEW_PHONE))
    assert waiting.new_proven and not waiting.done and accounts.user(person.id).phone == PHONE

    done = changes.confirm_by_operator(boss, person.id)
    assert done.done and done.by_operator_id == boss.id
    assert accounts.user(person.id).phone == NEW_PHONE
    assert "no longer signs in" in sms.outbox(to=PHONE)[0]["body"]  # the security notice goes anyway
    entry = audit.entries(person_id=person.id)[0]
    assert (entry.action, entry.result, entry.actor_login) == ("person.number_change", "ok", "boss")


def test_an_operator_starts_the_move_and_types_the_code_read_out(changes, accounts, audit, sms, person):
    desk = accounts.create_operator("desk", "correct horse battery", role="support", phone="+12015550182")
    changes.start_for(desk, person.id, NEW_PHONE)
    assert "Read it to the support person" in sms.outbox(to=NEW_PHONE)[0]["body"]
    with pytest.raises(errors.WrongSignInCode):
        changes.confirm_by_operator(desk, person.id, new_code="12345x")
    assert accounts.user(person.id).phone == PHONE
    changes.confirm_by_operator(desk, person.id, new_code=code_to(sms, NEW_PHONE))
    assert accounts.user(person.id).phone == NEW_PHONE
    results = [(e.action, e.result) for e in audit.entries(person_id=person.id)]
    assert results == [("person.number_change", "ok"), ("person.number_change", "refused"),
                       ("person.number_change", "ok")]


def test_an_operator_cannot_vouch_without_the_new_code(changes, accounts, sms, person):
    desk = accounts.create_operator("desk", "correct horse battery", role="support", phone="+12015550182")
    changes.start(person, NEW_PHONE, ip=None, old_number_lost=True)
    with pytest.raises(errors.WrongSignInCode):
        changes.confirm_by_operator(desk, person.id, new_code="")
    assert accounts.user(person.id).phone == PHONE


def test_the_move_is_one_transaction(changes, accounts, store, sms, person, monkeypatch):
    changes.start(person, NEW_PHONE, ip=None)
    monkeypatch.setattr(changes.events, "emit", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        changes.confirm(person.id, new_code=code_to(sms, NEW_PHONE), old_code=code_to(sms, PHONE))
    assert accounts.user(person.id).phone == PHONE
    assert store.open_number_change(person.id)["state"] == "open"
