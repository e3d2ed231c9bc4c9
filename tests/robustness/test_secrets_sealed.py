"""Secrets at rest (issue 12, item 2), part by part: the sealer and its key rotation, the key every
process of a deployment shares, the sealed token cache (a row no key opens is minted again), texts
with a code masked once Twilio has them, a redelivered SMS CODE answered identically (also by another
process), and the setup page's cookie that names the code without holding it."""
from __future__ import annotations

import json
import os
import stat

import pytest

from bff import create_app
from bff.sealing import Sealer, is_sealed
from bff.sms.webhook import webhook_auth_token
from bff.twilio.sender import UNREADABLE, SmsSender
from bff.wiring import get_services

from tests.sms.sms_support import TwilioPhone, new_sid
from tests.support import PHONE
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, SMS_APP_SETTINGS, LocalTwilioHttpClient
from tests.support.pages import csrf_token

CODE_TEXT = "Your sign-in code is 123456. It works for 10 minutes."
CLAIM_CODE = "Zq3x" * 15 + "abc"  # 63 characters, as Particle's


# -- the sealer ----------------------------------------------------------------------------------------


def test_a_sealed_value_opens_with_its_key_and_hides_its_text():
    sealer = Sealer("one long random string")
    sealed = sealer.seal("tok-secret")
    assert is_sealed(sealed) and "tok-secret" not in sealed and sealed != sealer.seal("tok-secret")
    assert sealer.open(sealed) == "tok-secret"
    assert Sealer("another key").open(sealed) is None  # no key opens it: absent, not an error
    assert sealer.open(sealed[:-4] + "AAAA") is None  # tampered
    assert sealer.open("tok-secret") is None and sealer.reveal("plain") == "plain"
    assert "one long" not in repr(sealer)


def test_rotation_the_first_key_seals_every_key_opens():
    old, rotated = Sealer("old-key"), Sealer("new-key, old-key")
    before = old.seal("minted before")
    assert rotated.open(before) == "minted before"  # the old key still opens
    after = rotated.seal("minted after")
    assert Sealer("new-key").open(after) == "minted after"  # the new key seals
    assert old.open(after) is None


def test_every_process_of_a_deployment_shares_the_generated_key(tmp_path):
    settings = {"DATABASE": str(tmp_path / "bff.sqlite3"), "SECRET_KEY": "s", "LABEL_KEY": "l"}
    web = create_app(settings, instance_path=str(tmp_path / "instance"))
    worker = create_app(settings, instance_path=str(tmp_path / "instance"))
    assert web.config["TOKEN_KEY"] == worker.config["TOKEN_KEY"] and len(web.config["TOKEN_KEY"]) >= 40
    key_file = tmp_path / "instance" / "token_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    given = create_app({**settings, "TOKEN_KEY": "from-the-environment"}, instance_path=str(tmp_path / "instance"))
    assert given.config["TOKEN_KEY"] == "from-the-environment"


# -- the token cache -------------------------------------------------------------------------------------


def raw_customer_token(store, product_key: str, username: str) -> str:
    return store.db.execute("SELECT access_token FROM customer_tokens WHERE product_key = ? AND username = ?",
                            [product_key, username]).fetchone()[0]


def mints(control) -> int:
    return len(control.requests(path="/oauth/token"))


def test_cached_tokens_are_sealed_and_open_with_the_key(particle_factory, store, electron, user_id, control):
    particle = particle_factory(sealer=Sealer("key-a"))
    username = particle.ensure_customer(electron["slug"], user_id)
    token = particle.customer_token(electron["slug"], username)
    kept = raw_customer_token(store, electron["slug"], username)
    assert is_sealed(kept) and token not in kept and Sealer("key-a").open(kept) == token
    control.clear_requests()
    assert particle_factory(sealer=Sealer("key-b, key-a")).customer_token(electron["slug"], username) == token
    assert mints(control) == 0  # rotated: the old key still opens the cache


def test_a_token_no_key_opens_is_minted_again(particle_factory, store, electron, user_id, control):
    username = particle_factory(sealer=Sealer("key-a")).ensure_customer(electron["slug"], user_id)
    first = particle_factory(sealer=Sealer("key-a")).customer_token(electron["slug"], username)
    control.clear_requests()
    other = particle_factory(sealer=Sealer("key-b"))  # the old key retired (or lost)
    again = other.customer_token(electron["slug"], username)
    assert again != first and mints(control) == 1
    assert Sealer("key-b").open(raw_customer_token(store, electron["slug"], username)) == again
    assert other.customer_devices(electron["slug"], username) == []  # and it works in the cloud


def test_a_plain_token_from_before_sealing_counts_as_none(particle_factory, store, electron, user_id, control):
    particle = particle_factory(sealer=Sealer("key-a"))
    username = particle.ensure_customer(electron["slug"], user_id)
    store.save_customer_token(electron["slug"], username, "plain-old-token", expires_at=None)
    store.save_product_token(electron["slug"], "plain-old-product-token", expires_at=None)
    assert particle.customer_token(electron["slug"], username) != "plain-old-token"
    assert particle.product_token(electron["slug"]) != "plain-old-product-token"
    assert is_sealed(raw_customer_token(store, electron["slug"], username))


# -- texts with a code ------------------------------------------------------------------------------------


def sender(store, clock, fake_twilio, **options) -> SmsSender:
    return SmsSender(store, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=OUR_NUMBER,
                     http_client=LocalTwilioHttpClient(fake_twilio.base_url), clock=clock, **options)


def test_a_code_is_masked_in_the_update_that_records_it_sent(store, clock, fake_twilio):
    sms = sender(store, clock, fake_twilio, sealer=Sealer("k"))
    code_text = f"Your Wi-Fi setup code (valid 60 min): {CLAIM_CODE}"
    sign_in = sms.send(PHONE, CODE_TEXT, purpose="sign_in")
    claim_code = sms.send(PHONE, code_text, purpose="sms_reply", secret=CLAIM_CODE)
    assert [m["Body"] for m in fake_twilio.received] == [CODE_TEXT, code_text]
    assert store.outbound_sms(sign_in)["body"] == "Your sign-in code is ******. It works for 10 minutes."
    assert store.outbound_sms(claim_code)["body"] == "Your Wi-Fi setup code (valid 60 min): ********"
    assert store.outbound_sms(sign_in)["status"] == "sent"


def test_while_queued_a_code_is_sealed_then_sent_and_masked(store, clock, fake_twilio):
    sms = sender(store, clock, fake_twilio, sealer=Sealer("k"))
    fake_twilio.fail_next(500, 20500)
    sms_id = sms.send(PHONE, CODE_TEXT, purpose="sign_in")
    queued = store.outbound_sms(sms_id)
    assert queued["status"] == "queued" and is_sealed(queued["body"]) and "123456" not in queued["body"]
    assert sms.outbox()[0]["body"].startswith("Your sign-in code is ******.")  # what a reader sees meanwhile
    clock.advance(5)
    assert sms.deliver_due() == 1 and fake_twilio.received[-1]["Body"] == CODE_TEXT
    assert store.outbound_sms(sms_id)["body"] == "Your sign-in code is ******. It works for 10 minutes."


def test_a_queued_code_no_key_opens_fails_without_a_crash(store, clock, fake_twilio):
    fake_twilio.fail_next(500, 20500)
    sms_id = sender(store, clock, fake_twilio, sealer=Sealer("old")).send(PHONE, CODE_TEXT, purpose="sign_in")
    clock.advance(5)
    assert sender(store, clock, fake_twilio, sealer=Sealer("new")).deliver_due() == 0
    row = store.outbound_sms(sms_id)
    assert (row["status"], row["body"]) == ("failed", UNREADABLE) and len(fake_twilio.received) == 1


def test_kept_codes_are_readable_only_in_the_sandboxs_outbox(store, clock):
    SmsSender(store, clock=clock, readable_outbox=True).send(PHONE, CODE_TEXT, purpose="sign_in")
    hidden = SmsSender(store, clock=clock, sealer=Sealer("k"))  # no Twilio, but not the sandbox
    sms_id = hidden.send(PHONE, CODE_TEXT, purpose="sign_in")
    assert "123456" not in store.outbound_sms(sms_id)["body"]
    assert [m["body"] for m in hidden.outbox()] == ["Your sign-in code is ******. It works for 10 minutes.",
                                                    CODE_TEXT]


# -- SMS CODE: a redelivery gets the very same reply ----------------------------------------------------------


@pytest.mark.app_settings(**SMS_APP_SETTINGS)
def test_a_redelivered_code_gets_the_identical_reply_from_any_process(app, app_factory, client, services, photon):
    sid = new_sid()
    first = TwilioPhone(client, webhook_auth_token(app)).text("CODE", sid=sid).text
    assert first.startswith("Wi-Fi setup code")
    code = first.rsplit(" ", 1)[1]
    row = services.store.inbound_sms(sid)
    assert is_sealed(row["reply"]) and code not in json.dumps(row)
    again = TwilioPhone(client, webhook_auth_token(app)).text("CODE", sid=sid).text
    other_process = app_factory()  # same database and instance folder: the same key
    elsewhere = TwilioPhone(other_process.test_client(), webhook_auth_token(other_process)).text("CODE", sid=sid)
    assert again == first == elsewhere.text


# -- the setup page: the cookie names the code, the row keeps it sealed -----------------------------------------


def test_the_setup_cookie_holds_the_codes_id_only(member, services, photon):
    start = member.get("/setup")
    made = member.post("/setup/codes", data={"csrf_token": csrf_token(start), "product": "sandbox-photon"})
    code_id = int(made.headers["Location"].rsplit("/", 1)[1])
    with member.session_transaction() as session:
        assert session["setup_code"] == {"id": code_id}
    row = services.store.claim_code_row(code_id)
    code = services.sealer.open(row["code_sealed"])
    assert code and code in member.get(made.headers["Location"]).get_data(as_text=True)
    services.store.expire_claim_code(code_id, "code_expired")
    assert services.store.claim_code_row(code_id)["code_sealed"] is None  # closed: the sealed copy goes too
    assert get_services(member.application).setup.code_to_show(code_id, row["user_id"]) is None


# -- an upgraded database ------------------------------------------------------------------------------------


def test_the_upgrade_drops_what_an_older_bff_kept_in_clear(tmp_path, monkeypatch):
    import bff.db.store as store_module
    from bff.db.store import Store

    store = Store(tmp_path / "old.sqlite3")
    monkeypatch.setattr(store_module, "MIGRATIONS", [m for m in store_module.MIGRATIONS if m[0] < 11])
    store.migrate()
    store.save_customer_token("widget", "a@x.invalid", "plain-customer-token", expires_at=None)
    store.save_product_token("widget", "plain-product-token", expires_at=None)
    store.claim_inbound_sms("SM1", from_phone=PHONE, to_phone=None, body="CODE", lease_until=0)
    store.set_inbound_command("SM1", user_id=None, command="code")
    store.mark_inbound_replied("SM1", f"Your Wi-Fi setup code (valid 60 min): {CLAIM_CODE}")
    monkeypatch.undo()
    assert 11 in store.migrate()
    assert store.customer_token("widget", "a@x.invalid", valid_at=0) is None
    assert store.product_token("widget", valid_at=0) is None
    assert store.inbound_sms("SM1")["reply"] is None
    store.close()
