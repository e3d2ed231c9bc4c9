"""A new person's path from the QR landing to "This device is yours" (phone, code, done), where every
refusal leads, and whose eyes a device's name is for. The Flask test client against the sandbox."""
from __future__ import annotations

import re

import pytest

from bff.errors import ClaimRefused, CloudUnavailable

from tests.support import PHONE
from tests.support.pages import claim, csrf_token, landing_path, page_text, signed_in_client
from tests.web.sign_in import read_code

SELLER = "support@example.com or +1 800 555 0100"
OWNERS_NAME = "Grandma's kitchen tracker"


class Browser:
    """The test client counted as a person uses a phone: pages loaded, forms sent, fields typed in."""

    def __init__(self, client):
        self.client = client
        self.loads = self.submissions = self.typed = 0

    def open(self, path: str):
        self.loads += 1
        return self.client.get(path)

    def submit(self, page, action: str, typed: dict[str, str]):
        """Send the form of `page` whose action is `action`: its hidden fields as they are, plus what
        the person types; follows the redirect to the next page (one page load, as a browser does)."""
        html = page.get_data(as_text=True)
        form = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
        assert form, f"no form to {action} on {page.request.path}"
        visible = re.findall(r'<input (?![^>]*type="hidden")[^>]*name="(\w+)"', form.group(1))
        assert sorted(visible) == sorted(typed), f"the form asks for {visible}"
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(1)))
        data = {name: value.replace("&amp;", "&") for name, value in hidden.items()} | typed
        self.submissions += 1
        self.typed += len(typed)
        response = self.client.post(action, data=data)
        assert response.status_code == 303, (response.status_code, page_text(response))
        return self.open(response.headers["Location"]), data


def claims_of_device(services, device_id: str) -> list:
    return [row for row in services.store.claims_of_user(services.accounts.user_for_phone(PHONE).id)
            if row["device_id"] == device_id]


# -- scan, phone, code, done ---------------------------------------------------------------------------


def test_a_new_person_goes_from_the_landing_to_yours_with_two_fields_and_two_taps(
        client, services, control, online_device):
    phone = Browser(client)
    landing = phone.open(landing_path(online_device))
    assert "Claim with your phone number" in page_text(landing)

    code_page, _ = phone.submit(landing, "/login", {"phone": "(201) 555-0123"})
    assert code_page.request.path == "/login/code"
    assert 'autocomplete="one-time-code"' in code_page.get_data(as_text=True)
    assert "Sign in and claim the device" in page_text(code_page)

    result, sent = phone.submit(code_page, "/login/code", {"code": read_code(services)})
    assert result.request.path == f"/d/{online_device}"
    assert "This device is yours" in page_text(result)
    assert (phone.typed, phone.submissions, phone.loads) == (2, 2, 3)  # scan, phone, code: done
    assert control.device(online_device)["owner"]
    assert [(row["state"], row["attempts"]) for row in claims_of_device(services, online_device)] == [("claimed", 1)]

    # A reload, or back to the code form and send it again: the same one claim, nothing new.
    assert "This device is yours" in page_text(client.get(landing_path(online_device)))
    assert client.post("/login/code", data=sent).status_code == 400  # its token was the old session's
    back = client.get("/login/code", query_string={"next": sent["next"]}, follow_redirects=True)
    assert back.request.path == f"/d/{online_device}" and "This device is yours" in page_text(back)
    again = client.post("/login/code", data={**sent, "csrf_token": csrf_token(back)})
    assert again.status_code == 303
    assert "This device is yours" in page_text(client.get(again.headers["Location"], follow_redirects=True))
    assert [(row["state"], row["attempts"]) for row in claims_of_device(services, online_device)] == [("claimed", 1)]


def test_the_claim_after_sign_in_needs_the_form_token(client, services, online_device):
    phone = Browser(client)
    code_page, _ = phone.submit(phone.open(landing_path(online_device)), "/login", {"phone": PHONE})
    forged = client.post("/login/code", data={"code": read_code(services), "next": landing_path(online_device)})
    assert forged.status_code == 400
    assert claims_of_device(services, online_device) == []
    assert client.get("/devices").status_code in (302, 303)  # not signed in either


def test_a_link_to_sign_in_never_claims(client, services, online_device):
    """A sign-in link that names a landing (anyone can send one) signs in, then the landing asks."""
    page = client.get("/login", query_string={"next": landing_path(online_device)})
    assert re.search(r'<input id="phone"[^>]*autofocus', page.get_data(as_text=True), re.S)  # typing at once
    client.post("/login", data={"csrf_token": csrf_token(page), "phone": PHONE, "next": landing_path(online_device)})
    code_page = client.get("/login/code", query_string={"next": landing_path(online_device)})
    assert "Sign in and claim" not in page_text(code_page)
    done = client.post("/login/code", data={"csrf_token": csrf_token(code_page), "code": read_code(services),
                                           "next": landing_path(online_device)})
    assert done.headers["Location"] == landing_path(online_device)
    assert "Add this device to your account" in page_text(client.get(done.headers["Location"]))
    assert claims_of_device(services, online_device) == []


def test_the_wish_to_claim_goes_back_to_its_own_landing_only(client, services, online_device, offline_device):
    phone = Browser(client)
    code_page, _ = phone.submit(phone.open(landing_path(online_device)), "/login", {"phone": PHONE})
    # The code form sent on elsewhere (another landing): a plain sign-in there, no claim anywhere.
    elsewhere = client.post("/login/code", data={"csrf_token": csrf_token(code_page), "code": read_code(services),
                                                 "next": landing_path(offline_device)})
    assert elsewhere.headers["Location"] == landing_path(offline_device)
    assert claims_of_device(services, online_device) == claims_of_device(services, offline_device) == []


def test_the_wish_to_claim_does_not_last(client, services, online_device, monkeypatch):
    phone = Browser(client)
    code_page, _ = phone.submit(phone.open(landing_path(online_device)), "/login", {"phone": PHONE})
    monkeypatch.setattr("bff.web.pages.CLAIM_WISH_SECONDS", -1)  # the code typed long after
    assert "Sign in and claim" not in page_text(client.get(code_page.request.full_path))
    late = client.post("/login/code", data={"csrf_token": csrf_token(code_page), "code": read_code(services),
                                           "next": landing_path(online_device)})
    assert late.headers["Location"] == landing_path(online_device)
    assert claims_of_device(services, online_device) == []


def test_a_wish_with_a_wrong_tag_signs_in_and_claims_nothing(client, services, online_device):
    page = client.get(landing_path(online_device))
    client.post("/login", data={"csrf_token": csrf_token(page), "phone": PHONE, "claim": online_device,
                                "k": "x" * 16, "next": f"/d/{online_device}?k={'x' * 16}"})
    code_page = client.get("/login/code", query_string={"next": f"/d/{online_device}?k={'x' * 16}"})
    refused = client.post("/login/code", data={"csrf_token": csrf_token(code_page), "code": read_code(services),
                                              "next": f"/d/{online_device}?k={'x' * 16}"})
    assert refused.status_code == 403 and "Type the code from the box" in page_text(refused)
    assert claims_of_device(services, online_device) == []


def test_a_new_person_with_someone_elses_device_is_led_to_ask_the_owner(app, client, services, other_person,
                                                                      online_device):
    claim(signed_in_client(app, other_person), online_device)  # the owner claimed it first
    phone = Browser(client)
    code_page, _ = phone.submit(phone.open(landing_path(online_device)), "/login", {"phone": PHONE})
    result, _ = phone.submit(code_page, "/login/code", {"code": read_code(services)})
    text = page_text(result)
    assert "We could not add this device" in text and "Try again" not in text
    assert text.index("Ask the owner to give it to you") < text.index("Type the code from the box")


# -- a refusal leads somewhere ---------------------------------------------------------------------------


def finished_claim(services, person, device_id: str, state: str, error) -> None:
    """A claim of the person that ended in `state` with `error`'s words (as the claims service writes)."""
    product = services.store.device(device_id)["product_key"]
    claim_id = services.store.insert_claim(device_id=device_id, product_key=product, user_id=person.id,
                                           channel="web", actor_user_id=None)
    services.store.update_claim(claim_id, state=state, outcome=state, public_message=error.public_message,
                                next_step=error.next_step, last_error=type(error).__name__)


def steps_of(response) -> list[str]:
    """The buttons and button-like links of a page, in order (not the top bar's)."""
    html = response.get_data(as_text=True).split("<main", 1)[1]
    return [re.sub(r"<[^>]+>|\s+", " ", label).strip()
            for label in re.findall(r'<(?:button|a class="button[^"]*")[^>]*>(.*?)</(?:button|a)>', html, re.S)]


def test_cloud_trouble_leads_to_try_again(member, services, person, online_device):
    member.get(landing_path(online_device))  # bff knows the device
    finished_claim(services, person, online_device, "failed", CloudUnavailable())
    page = member.get(landing_path(online_device))
    assert steps_of(page) == ["Try again"]
    assert CloudUnavailable.public_message in page_text(page)
    assert "contact the seller who sold you the device." in page_text(page)


def test_a_refusal_bff_cannot_ask_about_leads_to_the_code_from_the_box(member, services, person, online_device):
    member.get(landing_path(online_device))
    finished_claim(services, person, online_device, "refused", ClaimRefused())  # no owner bff knows of
    page = member.get(landing_path(online_device))
    text = page_text(page)
    assert steps_of(page) == ["Type the code from the box"]
    heading = re.search(r"<h1>(.*?)</h1>", page.get_data(as_text=True)).group(1)
    first = re.search(r"</h1>\s*<p>(.*?)</p>", page.get_data(as_text=True)).group(1)
    assert heading.rstrip(".").lower() not in first.lower()  # the first sentence says why, not the same again
    assert text.index("Type the code from the box") < text.index("contact the seller")


@pytest.mark.app_settings(SELLER_CONTACT=SELLER)
def test_the_sellers_contact_is_the_last_step(app, client, member, other_person, online_device):
    bad_link = client.get(f"/d/{online_device}?k={'a' * 16}")
    assert steps_of(bad_link) == ["Type the code from the box"]
    assert page_text(bad_link).endswith(f"contact the seller who sold you the device: {SELLER}.")

    claim(signed_in_client(app, other_person), online_device)
    refused = claim(member, online_device, follow=True)
    assert steps_of(refused) == ["Ask the owner to give it to you", "Type the code from the box"]
    assert page_text(refused).endswith(f"contact the seller who sold you the device: {SELLER}.")


# -- the name the owner chose is for the owner and their people ------------------------------------------


def test_a_devices_name_is_only_for_its_owner_and_the_people_it_is_shared_with(
        app, client, member, services, electron, person, other_person, accounts, online_device):
    claim(member, online_device)
    services.store.upsert_device(online_device, name=OWNERS_NAME)  # the owner named it
    html = lambda response: response.get_data(as_text=True).replace("&#39;", "'")  # noqa: E731

    assert OWNERS_NAME in html(member.get(landing_path(online_device)))  # the owner
    anyone = client.get(landing_path(online_device))  # signed out, holding the QR link
    assert OWNERS_NAME not in html(anyone) and electron["name"] in page_text(anyone)

    stranger = signed_in_client(app, other_person)
    assert OWNERS_NAME not in html(stranger.get(landing_path(online_device)))
    refused = claim(stranger, online_device, follow=True)  # their own claim, refused
    assert "We could not add this device" in page_text(refused) and OWNERS_NAME not in html(refused)
    assert OWNERS_NAME not in html(stranger.get("/devices"))
    assert OWNERS_NAME not in stranger.get("/devices.json").get_data(as_text=True)
    (refused_claim,) = stranger.get("/devices.json").get_json()["claims"]
    assert refused_claim["device_name"] == f"...{online_device[-6:]}"  # the end of its ID
    assert OWNERS_NAME not in stranger.get(f"/claims/{refused_claim['id']}.json").get_data(as_text=True)

    friend = accounts.user_for_phone("+12015550199")
    services.store.insert_share(device_id=online_device, owner_user_id=person.id, user_id=friend.id, offer_id=None)
    assert OWNERS_NAME in html(signed_in_client(app, friend).get(landing_path(online_device)))

