"""The /sms webhook: Twilio signatures (fail closed), MessageSid dedupe, TwiML, CSRF, status callbacks."""
from __future__ import annotations

import pytest

from bff.sms import texts
from bff.config import instance_secret
from bff.sms.webhook import DEV_TOKEN_NAME, webhook_auth_token

from tests.sms.sms_support import TwilioPhone, is_one_plain_segment, new_sid, read_twiml, sign, twilio_form
from tests.support import OPERATOR_PHONE, PHONE
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, SMS_APP_SETTINGS

pytestmark = pytest.mark.app_settings(**SMS_APP_SETTINGS)


def inbound_count(services) -> int:
    return len(services.store.inbound_messages(limit=1000))


# -- signatures --------------------------------------------------------------------------------------


def test_a_signed_request_gets_twiml(phone):
    reply = phone.text("MENU")
    assert reply.status == 200
    assert reply.text == texts.MENU and is_one_plain_segment(reply.text)
    assert reply.body.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')


def test_the_reply_is_xml(phone, client):
    form = twilio_form("MENU")
    response = phone.post(form)
    assert response.mimetype == "text/xml"


def test_unsigned_request_is_refused_and_changes_nothing(client, services):
    response = client.post("/sms", data=twilio_form("MENU"))
    assert response.status_code == 403
    assert inbound_count(services) == 0 and services.store.user_by_phone(PHONE) is None


def test_forged_signature_is_refused(phone, services):
    response = phone.post(twilio_form("MENU"), signature="bm90IGEgcmVhbCBzaWduYXR1cmU=")
    assert response.status_code == 403
    assert inbound_count(services) == 0


def test_signature_with_another_token_is_refused(phone, services):
    form = twilio_form("STATUS")
    response = phone.post(form, signature=sign("someone-elses-token", PUBLIC_URL + "/sms", form))
    assert response.status_code == 403
    assert inbound_count(services) == 0


@pytest.mark.parametrize("url", ["https://evil.example.com/sms", "http://bff.example.com/sms",
                                 PUBLIC_URL + "/sms/status", PUBLIC_URL + "/sms?x=1", "http://localhost/sms"])
def test_signature_for_another_url_is_refused(phone, services, url):
    response = phone.post(twilio_form("MENU"), sign_url=url)
    assert response.status_code == 403
    assert inbound_count(services) == 0


def test_a_changed_parameter_breaks_the_signature(phone, services):
    form = twilio_form("MENU")
    signature = sign(AUTH_TOKEN, PUBLIC_URL + "/sms", form)
    response = phone.post({**form, "Body": "CLAIM K7Q2-M9XA-3F4T"}, signature=signature)
    assert response.status_code == 403
    added = phone.post({**form, "Extra": "1"}, signature=signature)  # every parameter is signed
    assert added.status_code == 403
    assert inbound_count(services) == 0


def test_the_query_string_is_part_of_the_signed_url(phone, client):
    form = twilio_form("MENU")
    signature = sign(AUTH_TOKEN, PUBLIC_URL + "/sms?tenant=7", form)
    response = client.post("/sms?tenant=7", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200 and read_twiml(response.get_data(as_text=True)) == [texts.MENU]


def test_the_public_url_is_signed_not_the_internal_address(phone, client):
    """Behind a proxy the request reaches bff as http://internal:8000/sms; Twilio signed PUBLIC_URL."""
    form = twilio_form("MENU")
    response = client.post("/sms", data=form, base_url="http://10.0.0.5:8000",
                           headers={"X-Twilio-Signature": sign(AUTH_TOKEN, PUBLIC_URL + "/sms", form)})
    assert response.status_code == 200


def test_another_twilio_account_is_refused(phone, services):
    response = phone.post(twilio_form("MENU", AccountSid="AC" + "2" * 32))
    assert response.status_code == 403
    assert inbound_count(services) == 0


def test_without_a_token_outside_sandbox_mode_everything_is_refused(app_factory, sandbox, demo):
    """Fail closed: a deployment that forgot BFF_TWILIO_AUTH_TOKEN accepts no SMS at all."""
    products = " ".join(f"{p['slug']}:{p['client_id']}:{p['client_secret']}" for p in demo["products"])
    app = app_factory(TWILIO_AUTH_TOKEN=None, PARTICLE_PRODUCTS=products)
    assert not app.config["SANDBOX_MODE"] and webhook_auth_token(app) is None
    client = app.test_client()
    for token in ("", "None", AUTH_TOKEN):
        form = twilio_form("MENU")
        response = client.post("/sms", data=form,
                               headers={"X-Twilio-Signature": sign(token or "x", PUBLIC_URL + "/sms", form)})
        assert response.status_code == 403
    assert client.post("/sms/status", data={"MessageSid": "SM1", "MessageStatus": "delivered"}).status_code == 403


def test_sandbox_mode_without_a_token_uses_a_dev_token_not_a_bypass(app_factory, tmp_path):
    app = app_factory(TWILIO_AUTH_TOKEN=None)
    assert app.config["SANDBOX_MODE"]
    dev_token = webhook_auth_token(app)
    assert dev_token and dev_token == instance_secret(app.instance_path, DEV_TOKEN_NAME)
    assert webhook_auth_token(app) == dev_token  # kept, the same for every process
    client = app.test_client()
    assert client.post("/sms", data=twilio_form("MENU")).status_code == 403
    assert TwilioPhone(client, AUTH_TOKEN).text("MENU").status == 403
    assert TwilioPhone(client, dev_token).text("MENU").text == texts.MENU


def test_only_post(client):
    assert client.get("/sms").status_code == 405


# -- CSRF ---------------------------------------------------------------------------------------------


def test_the_webhook_needs_no_csrf_token_but_other_forms_still_do(phone, client):
    assert phone.text("MENU").status == 200  # CSRF stays on in these tests (TESTING does not turn it off)
    assert client.post("/login", data={"phone": PHONE}).status_code == 400


# -- deduplication --------------------------------------------------------------------------------------


def test_a_redelivered_message_acts_once_and_gets_the_same_reply(phone, services, control, online_device,
                                                                  label_code):
    code = label_code(online_device)
    sid = new_sid()
    first = phone.text(f"CLAIM {code}", sid=sid)
    assert first.text.startswith("Done:")
    control.clear_requests()
    again = phone.text(f"CLAIM {code}", sid=sid)
    assert again.status == 200 and again.body == first.body
    assert control.requests() == []  # nothing done again: no cloud call at all
    assert len(services.claims.claims_of(services.store.user_by_phone(PHONE)["id"])) == 1
    assert inbound_count(services) == 1


def test_a_redelivery_with_another_body_still_gets_the_first_reply(phone):
    sid = new_sid()
    first = phone.text("MENU", sid=sid)
    assert phone.text("STATUS", sid=sid).body == first.body


def test_the_idempotency_header_is_kept(phone, services):
    form = twilio_form("MENU")
    phone.post(form, headers={"I-Twilio-Idempotency-Token": "abc-123"})
    assert services.store.inbound_sms(form["MessageSid"])["idempotency_token"] == "abc-123"


def test_a_message_without_a_sid_does_nothing(phone, services):
    form = {key: value for key, value in twilio_form("MENU").items()
            if key not in ("MessageSid", "SmsMessageSid", "SmsSid")}
    response = phone.post(form)
    assert response.status_code == 200 and read_twiml(response.get_data(as_text=True)) == []
    assert inbound_count(services) == 0


def test_the_message_is_recorded(phone, services):
    form = twilio_form("status")
    phone.post(form)
    row = services.store.inbound_sms(form["MessageSid"])
    assert (row["from_phone"], row["body"], row["command"], row["status"]) == (PHONE, "status", "status", "replied")
    assert row["reply"] == texts.STATUS_NONE and row["user_id"] == services.store.user_by_phone(PHONE)["id"]


# -- who is texting --------------------------------------------------------------------------------------


def test_a_new_number_becomes_a_new_user(phone, services):
    assert services.store.user_by_phone("+12015550777") is None
    phone.text("STATUS", phone="+12015550777")
    user = services.store.user_by_phone("+12015550777")
    assert user and user["role"] == "customer"
    phone.text("STATUS", phone="+12015550777")
    assert services.store.user_by_phone("+12015550777")["id"] == user["id"]


def test_a_sender_that_is_not_a_phone_number_gets_no_reply(phone, services):
    reply = phone.text("MENU", phone="Twilio")
    assert reply.status == 200 and reply.messages == []


# -- keywords Twilio owns, unknown text ------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["STOP", "start", "HELP", "Unsubscribe", "info"])
def test_twilio_keywords_get_an_empty_response(phone, body):
    reply = phone.text(body)
    assert reply.status == 200 and reply.messages == []
    assert "<Response />" in reply.body or "<Response/>" in reply.body


@pytest.mark.parametrize("body", ["hello", "", "HELP CLAIM", "\U0001f44b\U0001f44b", "<Response/>&amp;"])
def test_unknown_text_gets_the_hint(phone, body):
    assert phone.text(body).text == texts.UNKNOWN


@pytest.mark.parametrize("body", ["MENU", "?", "menu"])
def test_menu(phone, body):
    assert phone.text(body).text == texts.MENU


def test_operators_get_their_menu(phone, operator):
    assert phone.text("MENU", phone=OPERATOR_PHONE).text == texts.MENU_OPERATOR


# -- rate limit: in the reply, never a 429 ------------------------------------------------------------------


def test_too_many_texts_are_answered_in_words_once_then_quietly(phone, services):
    replies = [phone.text("STATUS") for _ in range(23)]
    assert all(reply.status == 200 for reply in replies)  # never 429
    assert [r.text for r in replies[:20]] == [texts.STATUS_NONE] * 20
    assert replies[20].text == texts.TOO_MANY_TEXTS
    assert replies[21].messages == [] and replies[22].messages == []
    assert phone.text("STATUS", phone="+12015550888").text == texts.STATUS_NONE  # per phone


def test_operators_have_a_higher_limit(phone, operator):
    replies = [phone.text("MENU", phone=OPERATOR_PHONE) for _ in range(25)]
    assert all(reply.text == texts.MENU_OPERATOR for reply in replies)


# -- status callbacks -----------------------------------------------------------------------------------------


def _sent_message(services, provider_sid="SM" + "a" * 32):
    sms_id = services.sms.send(PHONE, "hello", purpose="test")
    services.store.mark_outbound_sent(sms_id, provider_sid=provider_sid, body="hello")
    return sms_id, provider_sid


def test_a_signed_status_callback_updates_the_record(phone, services):
    sms_id, sid = _sent_message(services)
    form = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID, "SmsSid": sid,
            "SmsStatus": "delivered", "To": PHONE, "From": "+15005550006", "ApiVersion": "2010-04-01"}
    response = phone.post(form, path="/sms/status")
    assert response.status_code == 204 and response.get_data() == b""
    assert services.store.outbound_sms(sms_id)["status"] == "delivered"
    late = phone.post({**form, "MessageStatus": "sent"}, path="/sms/status")  # out of order: ignored
    assert late.status_code == 204 and services.store.outbound_sms(sms_id)["status"] == "delivered"


def test_an_unsigned_or_misdirected_status_callback_changes_nothing(phone, client, services):
    sms_id, sid = _sent_message(services)
    form = {"MessageSid": sid, "MessageStatus": "failed", "AccountSid": ACCOUNT_SID}
    assert client.post("/sms/status", data=form).status_code == 403
    assert phone.post(form, path="/sms/status", sign_url=PUBLIC_URL + "/sms").status_code == 403
    assert services.store.outbound_sms(sms_id)["status"] == "sent"
