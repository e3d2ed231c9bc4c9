"""Property tests: whatever text arrives, /sms answers 200 with at most one plain segment.

Arbitrary unicode, control characters, emoji, very long bodies and command words followed by
garbage are thrown at the signed webhook; no example may cause a server error, a malformed
TwiML document, more than one <Message>, or a reply that is not one GSM-7 segment.
"""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sms.sms_support import is_one_plain_segment, new_sid, read_twiml, twilio_form
from tests.support.fake_twilio import SMS_APP_SETTINGS

pytestmark = pytest.mark.app_settings(**SMS_APP_SETTINGS)

_numbers = itertools.count(1000)

COMMAND_WORDS = ["CLAIM ", "claim K7Q2-M9XA-3F4T for ", "NAME ", "name pump ", "CODE ", "STATUS ",
                 "MENU ", "? ", "STOP", "HELP ", "", " - ", "CLAIM 0123456789abcdef01234567 FOR ",
                 "REMOVE ", "GIVE ", "give pump +1 201 ", "SHARE ", "UNSHARE x ", "LEAVE ", "ASK ", "BLOCK ",
                 "ALLOW ", "YES", "YES ", "NO ", "MENU 2"]
bodies = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1500, max_size=6000),
    st.builds(lambda word, rest: word + rest, st.sampled_from(COMMAND_WORDS), st.text(max_size=300)),
    st.text(alphabet="CLAIMNODESTU?-  0123456789ABCDEFGHJKMNPQRTVWXY+for", max_size=60),
)
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                    HealthCheck.too_slow, HealthCheck.data_too_large])


def _next_phone() -> str:
    return f"+1201555{next(_numbers) % 10000:04d}"


def _check(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/xml"
    messages = read_twiml(response.get_data(as_text=True))
    assert len(messages) <= 1
    for message in messages:
        assert message and is_one_plain_segment(message), message
    return messages


@PROPERTY_SETTINGS
@given(body=bodies)
def test_any_body_gets_one_plain_segment_or_nothing(phone, body):
    form = twilio_form(body, phone=_next_phone())
    first = _check(phone.post(form))
    assert _check(phone.post(form)) == first  # a redelivery gets the same reply


@PROPERTY_SETTINGS
@given(sender=st.one_of(st.text(max_size=40), st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)),
       body=st.sampled_from(["MENU", "STATUS", "CLAIM", "NAME x y", "hello", "STOP"]))
def test_any_sender_gets_an_answer_or_nothing(phone, sender, body):
    _check(phone.post(twilio_form(body, phone=sender)))


@PROPERTY_SETTINGS
@given(extra=st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=50), max_size=5),
       sid=st.one_of(st.just(None), st.text(max_size=64)))
def test_odd_parameters_still_get_an_answer(phone, extra, sid):
    """Twilio adds parameters without notice: they are signed like the rest and do no harm."""
    form = {**extra, **twilio_form("MENU", phone=_next_phone(), sid=sid or new_sid())}
    if sid is not None:
        form["MessageSid"] = sid
    _check(phone.post(form))
