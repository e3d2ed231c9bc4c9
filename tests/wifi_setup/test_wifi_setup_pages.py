"""The /setup pages: sign in first, pick the product, the code with its time left and the steps,
then "waiting for your device" that turns into "online and yours" or a diagnosis. No JavaScript
needed; nothing loaded from elsewhere; small enough for a slow phone."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from bff.config import ProductCredentials
from bff.wifi_setup.watch import EXPIRY_GRACE_SECONDS

from tests.support.pages import csrf_token, signed_in_client
from tests.support.polling import wait_until

PAGE_LIMIT = 30_000  # bytes of HTML (the CSS and scripts are shared and cached)


def text(response) -> str:
    parser = _Text()
    parser.feed(response.get_data(as_text=True))
    return re.sub(r"\s+", " ", " ".join(parser.parts))


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip, self.links = [], 0, []

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style", "title")
        self.links += [value for name, value in attrs if name in ("src", "href", "action") and value]

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style", "title") and self.skip > 0

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def links(response) -> list[str]:
    parser = _Text()
    parser.feed(response.get_data(as_text=True))
    return parser.links


def get_code(client):
    """Tap "Get my setup code"; the code page's path."""
    start = client.get("/setup")
    response = client.post("/setup/codes", data={"csrf_token": csrf_token(start), "product": "sandbox-photon"})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def test_the_setup_page_asks_to_sign_in_first(client):
    response = client.get("/setup")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=/setup")


def test_the_start_page_offers_a_code_and_loads_nothing_from_elsewhere(member):
    page = member.get("/setup")

    assert page.status_code == 200 and "Get my setup code" in text(page)
    assert len(page.get_data()) < PAGE_LIMIT
    assert all(link.startswith(("/", "#", "data:")) for link in links(page)), links(page)
    assert page.headers["Cache-Control"] == "no-store"


def test_a_form_without_its_token_is_refused(member):
    assert member.post("/setup/codes", data={"product": "sandbox-photon"}).status_code == 400


def test_the_code_page_shows_the_code_its_time_left_and_both_ways_to_set_up(member, services):
    code_page = member.get(get_code(member))

    words = text(code_page)
    code = re.search(r'<p class="setup-code" id="setup-code">([^<]+)</p>', code_page.get_data(as_text=True)).group(1)
    assert len(code) == 63
    assert "Time left: about 59 minutes" in words or "Time left: about 60 minutes" in words
    assert "With the setup app" in words and "With another setup tool" in words
    assert 'set {"k":"cc","v":"<the code>"}' in words and "blinks dark blue" in words
    assert re.search(r'data-countdown="3[56]\d\d"', code_page.get_data(as_text=True))
    assert "I did the steps: wait for my device" in words
    assert len(code_page.get_data()) < PAGE_LIMIT
    assert all(link.startswith(("/", "#", "data:")) for link in links(code_page))
    assert '<meta http-equiv="refresh"' not in code_page.get_data(as_text=True)  # a phone on the device's Wi-Fi


def time_left(page) -> tuple[int, str]:
    """The code page's time left: the countdown's seconds (data-countdown) and the words shown."""
    found = re.search(r'data-countdown="(\d+)">([^<]*)<', page.get_data(as_text=True))
    return int(found.group(1)), found.group(2)


def test_the_time_left_counts_down(member, wifi_setup, clock):
    """Two readings of the code page: the second, later on the service's clock, says less."""
    path = get_code(member)
    first, first_words = time_left(member.get(path))
    clock.advance(125)
    second, second_words = time_left(member.get(path))

    assert 3500 < first <= 3600 and second == first - 125
    assert (first_words, second_words) == (f"about {first // 60} minutes", f"about {second // 60} minutes")


def test_an_open_code_is_continued_and_a_new_one_can_be_had(member):
    path = get_code(member)
    again = member.get("/setup")
    assert again.status_code == 303 and again.headers["Location"] == path
    assert "Get my setup code" in text(member.get("/setup?new=1"))


def test_the_code_is_shown_only_in_the_browser_that_got_it(app, member, person, other_person):
    path = get_code(member)
    elsewhere = signed_in_client(app, person).get(path)
    assert "We show a code only once" in text(elsewhere)
    assert 'class="setup-code"' not in elsewhere.get_data(as_text=True)
    assert signed_in_client(app, other_person).get(path).status_code == 404
    assert signed_in_client(app, other_person).get(path + ".json").status_code == 404


def test_the_waiting_view_refreshes_itself_without_javascript_and_polls_with_it(member):
    wait_path = get_code(member) + "/wait"

    page = member.get(wait_path)
    html = page.get_data(as_text=True)
    assert "Waiting for your device" in text(page)
    assert f'<meta http-equiv="refresh" content="10; url={wait_path}">' in html
    live = re.search(r'data-live="([^"]+)" data-version="([^"]+)"', html)
    polled = member.get(live.group(1))
    assert polled.get_json()["state"] == "open" and polled.get_json()["version"] == live.group(2)

    member.set_cookie("bff_js", "1")
    assert '<meta http-equiv="refresh"' not in member.get(wait_path).get_data(as_text=True)


def test_the_waiting_view_turns_into_online_and_yours(worker, member, new_photon, listen, wifi):
    code_path = get_code(member)
    page = member.get(code_path).get_data(as_text=True)
    code = re.search(r'id="setup-code">([^<]+)<', page).group(1)
    version = re.search(r'data-version="([^"]+)"', page).group(1)

    listen(new_photon()).run(code, wifi["ssid"], wifi["password"])
    assert wait_until(lambda: member.get(code_path + ".json").get_json()["version"] != version, timeout=5)

    done = member.get(code_path + "/wait")
    assert "Your device is online and yours" in text(done) and "See my devices" in text(done)
    assert '<meta http-equiv="refresh"' not in done.get_data(as_text=True)
    assert "Your device is online and yours" in text(member.get(code_path))


def test_a_code_that_ran_out_says_why_and_offers_a_new_one(member, clock, wifi_setup):
    code_path = get_code(member)
    clock.advance(3600 + EXPIRY_GRACE_SECONDS + 1)
    wifi_setup.check_open_codes()

    page = member.get(code_path + "/wait")
    assert "Your setup code ran out" in text(page) and "Get a new code" in text(page)
    renewed = member.post("/setup/codes", data={"csrf_token": csrf_token(page), "product": "sandbox-photon"})
    assert renewed.status_code == 303 and renewed.headers["Location"] != code_path


def test_the_person_may_tell_the_device_id(member):
    wait_path = get_code(member) + "/wait"
    page = member.get(wait_path)
    report = wait_path.replace("/wait", "/device")

    wrong = member.post(report, data={"csrf_token": csrf_token(page), "device_id": "my photon"})
    assert wrong.status_code == 400 and "That device ID does not look right" in text(wrong)
    right = member.post(report, data={"csrf_token": csrf_token(page), "device_id": "0123456789ABCDEF01234567"})
    assert right.status_code == 303
    assert 'value="0123456789abcdef01234567"' in member.get(wait_path).get_data(as_text=True)


def test_with_several_wifi_products_the_person_picks_one(member, services):
    services.particle.products["widget-wifi"] = ProductCredentials("widget-wifi", "client", "secret")
    services.store.save_product_info("widget-wifi", id=4242, slug="widget-wifi", name="Widget WiFi", platform_id=8)

    page = member.get("/setup")
    html = page.get_data(as_text=True)
    assert 'type="radio" name="product" value="sandbox-photon"' in html and 'value="widget-wifi"' in html
    wrong = member.post("/setup/codes", data={"csrf_token": csrf_token(page), "product": "toaster"})
    assert wrong.status_code == 400 and "We do not know that product" in text(wrong)
    assert "Choose sandbox-photon or widget-wifi" in text(wrong)


def test_a_product_set_up_over_bluetooth_gets_no_code_and_the_way_to_add_it(member, demo):
    p2 = next(p for p in demo["products"] if p["platform"] == "p2")
    page = member.get("/setup")
    assert 'value="sandbox-p2"' not in page.get_data(as_text=True)  # only the Photon's SoftAP setup is offered
    assert (f"{p2['name']} joins Wi-Fi over Bluetooth, so it needs no setup code. To add it, scan the QR code "
            "on its box, or type the 12-letter code on its box on the start page") in text(page)
    asked = member.post("/setup/codes", data={"csrf_token": csrf_token(page), "product": "sandbox-p2"})
    assert asked.status_code == 400 and "joins Wi-Fi over Bluetooth" in text(asked)
