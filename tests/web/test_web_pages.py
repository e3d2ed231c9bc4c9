"""The customer pages with the Flask test client: start, QR landing, claim, my devices, live JSON."""
from __future__ import annotations

import re

import pytest

from bff import labels
from bff.errors import ClaimRefused
from bff.web.refusals import BAD_LINK, NOT_YOURS

from tests.support import LABEL_KEY
from tests.support.pages import attributes, claim, csrf_token, landing_path, login_next, page_text, signed_in_client

REFUSAL = f"{ClaimRefused.public_message} {ClaimRefused.next_step}"


def label_code_of(app, services, device_id: str) -> str:
    """The device's label code (bff gives one to every device it knows)."""
    with app.app_context():
        view = services.claims.device_for_link(device_id, labels.qr_tag(LABEL_KEY, device_id))
    return view.label_code


# -- start page ------------------------------------------------------------------------------------


def test_start_page_offers_the_scanner_and_the_code_form(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Scan the code on your box" in page_text(response)
    # The scanner button is in place from the first paint (no layout shift when the script runs);
    # bff.css shows it only with JavaScript (`scripting`). Without it the camera-app tip is there.
    assert re.search(r"<button[^>]*data-scan-start[^>]*>Scan the code<", html)
    assert not re.search(r"<button[^>]*data-scan-start[^>]*hidden", html)
    assert "camera app" in page_text(response)
    # The decoder is loaded only when the scanner is used, not with the page.
    assert "jsQR" not in " ".join(v for t, a, v in attributes(response) if t == "script")
    assert 'name="code"' in html and 'name="csrf_token"' in html


def test_typed_label_code_opens_the_device_landing(app, client, services, online_device):
    code = label_code_of(app, services, online_device)
    page = client.get("/")
    typed = labels.format_label_code(code).lower().replace("-", " ")  # case and spacing do not matter
    response = client.post("/", data={"csrf_token": csrf_token(page), "code": typed})
    assert response.status_code == 303
    assert response.headers["Location"] == landing_path(online_device)


def test_typed_code_with_a_typo_says_so(app, client, services, online_device):
    code = label_code_of(app, services, online_device)
    alphabet = labels.LABEL_CODE_ALPHABET
    wrong = alphabet[(alphabet.index(code[3]) + 1) % len(alphabet)]
    typo = code[:3] + wrong + code[4:]
    page = client.get("/")
    response = client.post("/", data={"csrf_token": csrf_token(page), "code": typo})
    assert response.status_code == 422
    with pytest.raises(labels.LabelCodeTypoError) as expected:
        labels.check_label_code(typo)
    assert expected.value.customer_text in page_text(response)
    assert f'value="{typo}"' in response.get_data(as_text=True)  # what was typed stays in the field


def test_typed_text_that_is_no_code_and_an_unknown_code(client):
    page = client.get("/")
    response = client.post("/", data={"csrf_token": csrf_token(page), "code": "hello"})
    assert response.status_code == 422
    with pytest.raises(labels.NotALabelCodeError) as expected:
        labels.check_label_code("hello")
    assert expected.value.customer_text in page_text(response)

    unknown = labels.new_label_code()
    response = client.post("/", data={"csrf_token": csrf_token(page), "code": unknown})
    assert response.status_code == 422
    assert REFUSAL in page_text(response)


def test_empty_code_asks_for_the_code(client):
    page = client.get("/")
    response = client.post("/", data={"csrf_token": csrf_token(page), "code": "  "})
    assert response.status_code == 422
    assert "Type the code from the box" in page_text(response)


# -- QR landing --------------------------------------------------------------------------------------


def test_landing_shows_the_product_and_asks_for_the_phone_number(client, control, electron, online_device):
    response = client.get(landing_path(online_device))
    assert response.status_code == 200
    text = page_text(response)
    html = response.get_data(as_text=True)
    assert electron["name"] in text
    assert control.device(online_device)["name"] not in html  # a device's name only for its people
    # The phone number right here: the form goes to the sign-in code step with the wish to claim.
    assert re.search(r'<form method="post" action="/login"', html)
    assert re.search(r'<input id="phone" name="phone" type="tel"', html)
    assert re.search(r'<button type="submit"[^>]*>Claim with your phone number</button>', html)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert fields["next"].replace("&amp;", "&") == landing_path(online_device)
    assert fields["claim"] == online_device and fields["k"] == labels.qr_tag(LABEL_KEY, online_device)
    assert "/claim" not in html  # no Claim form before signing in


@pytest.mark.parametrize("path", [
    "/d/{id}?k=aaaaaaaaaaaaaaaa",  # wrong tag
    "/d/{id}",  # no tag
    "/d/{id}?k=",  # empty tag
    "/d/0123456789abcdef01234567?k={tag_of_other}",  # unknown device, another device's tag
    "/d/not-a-device?k=abc",  # not a device ID at all
])
def test_landing_refuses_bad_links_all_in_the_same_words(client, online_device, path):
    path = path.format(id=online_device, tag_of_other=labels.qr_tag(LABEL_KEY, online_device))
    response = client.get(path)
    assert response.status_code == 404
    text = page_text(response)
    assert f"{BAD_LINK.heading} {BAD_LINK.why}" in text
    assert "Type the code from the box" in text and "Try again" not in text  # what to do instead
    assert "contact the seller who sold you the device." in text  # the last resort
    assert 'href="/"' in response.get_data(as_text=True)


def test_signed_in_landing_has_one_claim_button(member, online_device):
    response = member.get(landing_path(online_device))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<form") == 2  # the Claim form and the sign-out form
    assert f'action="/d/{online_device}/claim"' in html
    assert re.search(r'<button type="submit" class="big"[^>]*>Claim</button>', html)
    assert f'name="k" value="{labels.qr_tag(LABEL_KEY, online_device)}"' in html
    assert "+12015550123" in page_text(response)


def test_claim_of_an_online_device_says_it_is_yours(member, control, online_device, person):
    response = claim(member, online_device)
    assert response.status_code == 303
    assert response.headers["Location"] == landing_path(online_device) + "#result"
    page = member.get(response.headers["Location"])
    text = page_text(page)
    assert "This device is yours" in text
    assert "See my devices" in text
    assert "data-live" not in page.get_data(as_text=True)  # nothing left to wait for
    assert control.device(online_device)["owner"]


def test_double_tap_and_reload_make_one_claim(app, member, services, online_device, person):
    first = claim(member, online_device)
    second = claim(member, online_device)
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        claims = [c for c in services.claims.claims_of(person.id) if c.device_id == online_device]
    assert len(claims) == 1
    assert "This device is yours" in page_text(member.get(landing_path(online_device)))


def test_offline_device_waits_and_the_page_follows_the_claim(app, member, services, control, electron,
                                                             offline_device, person):
    response = claim(member, offline_device, follow=True)
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert response.status_code == 200
    assert "Switch the device on. We will finish by ourselves and send you a text." in text
    assert "Check again" in text
    # Without JavaScript the page refreshes itself; with it, the script polls the claim's JSON
    # (a browser that ran the script has its cookie, and gets no meta refresh).
    refresh = re.search(r'<meta http-equiv="refresh" content="\d+; url=([^"]+)">', html)
    assert refresh and refresh.group(1).replace("&amp;", "&") == landing_path(offline_device)
    member.set_cookie("bff_js", "1")
    assert "http-equiv" not in member.get(landing_path(offline_device)).get_data(as_text=True)
    live = re.search(r'data-live="(/claims/(\d+)\.json)" data-version="(\w+)"', html)
    assert live
    url, version = live.group(1), live.group(3)
    waiting = member.get(url).get_json()
    assert waiting["state"] == "waiting_for_device" and not waiting["done"]
    assert waiting["version"] == version
    assert member.get(url).headers["Cache-Control"] == "no-store"

    control.power(offline_device, True)
    with app.app_context():
        services.claims.device_online(electron["slug"], offline_device)  # what the worker does

    done = member.get(url).get_json()
    assert done["done"] and done["succeeded"] and done["version"] != version
    page = member.get(landing_path(offline_device))
    assert "This device is yours" in page_text(page)
    assert "data-live" not in page.get_data(as_text=True)


def test_someone_elses_device_is_refused_in_the_same_words(app, member, other_person, online_device):
    owner = signed_in_client(app, other_person)
    claim(owner, online_device)
    response = claim(member, online_device, follow=True)
    text = page_text(response)
    assert f"{NOT_YOURS.heading} {NOT_YOURS.why}" in text  # a heading, then why: not the same words twice
    assert "belongs to someone else" not in response.get_data(as_text=True)  # never the cloud's words
    # Where it leads (the order of the steps): ask the owner, the code from the box, the seller.
    assert "Try again" not in text  # trying again cannot help with someone else's device
    assert text.index("Ask the owner") < text.index("Type the code from the box") < text.index("contact the seller")


def test_claim_with_a_bad_tag_is_refused(member, online_device):
    page = member.get(landing_path(online_device))
    response = member.post(f"/d/{online_device}/claim", data={"csrf_token": csrf_token(page), "k": "x" * 16})
    assert response.status_code == 403
    text = page_text(response)
    assert f"{NOT_YOURS.heading} {NOT_YOURS.why}" in text
    assert "Type the code from the box" in text and "Try again" not in text


def test_claim_needs_a_signed_in_person_and_a_form_token(app, client, member, services, online_device, person):
    tag = labels.qr_tag(LABEL_KEY, online_device)
    token = csrf_token(client.get("/"))
    response = client.post(f"/d/{online_device}/claim", data={"csrf_token": token, "k": tag})
    assert response.status_code == 303
    assert login_next(response.headers["Location"]) == landing_path(online_device)

    forged = member.post(f"/d/{online_device}/claim", data={"k": tag})
    assert forged.status_code == 400
    assert "reload the page" in page_text(forged).lower()
    with app.app_context():
        assert services.claims.claims_of(person.id) == []


# -- my devices -------------------------------------------------------------------------------------


def test_my_devices_needs_sign_in(client):
    response = client.get("/devices")
    assert response.status_code in (302, 303)
    assert login_next(response.headers["Location"]) == "/devices"


def test_my_devices_lists_devices_and_waiting_claims(member, control, online_device, offline_device):
    empty = member.get("/devices")
    assert "You have no devices yet" in page_text(empty)
    claim(member, online_device)
    claim(member, offline_device)

    response = member.get("/devices")
    text = page_text(response)
    html = response.get_data(as_text=True)
    assert control.device(online_device)["name"] in text
    assert "On" in re.search(rf'id="device-{online_device}".*?</li>', html, re.S).group(0)
    assert "Waiting" in text and "Switch the device on" in text
    assert 'data-live="/devices.json"' in html
    data = member.get("/devices.json").get_json()
    assert [d["device_id"] for d in data["devices"]] == [online_device]
    assert [c["device_id"] for c in data["claims"]] == [offline_device]
    assert re.search(r'data-version="(\w+)"', html).group(1) == data["version"]


# -- JSON views ----------------------------------------------------------------------------------------


def test_json_views_are_private(app, client, member, other_person, offline_device):
    claim(member, offline_device)
    url = re.search(r'data-live="(/claims/\d+\.json)"', member.get(landing_path(offline_device)).get_data(as_text=True)).group(1)
    anonymous = client.get(url)
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "not_signed_in"
    assert client.get("/devices.json").status_code == 401
    stranger = signed_in_client(app, other_person)
    assert stranger.get(url).status_code == 404
    assert stranger.get(url).is_json

