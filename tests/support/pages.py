"""Reading bff's HTML pages (text, attributes, the form token), a test client signed in as someone,
a device's QR link, and tapping Claim on its landing page."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from bff import labels

from tests.support import LABEL_KEY


def signed_in_client(app, user, *, method: str = "phone"):
    """A test client whose session is signed in as `user`: a live server-side session, held as
    flask-login keeps it."""
    from bff.wiring import get_services

    held = get_services(app).sessions.start(user.id, method=method, remember=False, ip="127.0.0.1")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = held
        session["_fresh"] = True
        session["bff_auth"] = method
    return client


def landing_path(device_id: str, label_key: str = LABEL_KEY) -> str:
    """The path of a device's QR link (what the box label holds, without the host)."""
    return f"/d/{device_id}?k={labels.qr_tag(label_key, device_id)}"


def page_text(response) -> str:
    """The visible text of an HTML page, whitespace collapsed."""
    parser = _TextParser()
    parser.feed(response.get_data(as_text=True))
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


def csrf_token(response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page has no form token"
    return match.group(1)


def claim(client, device_id: str, *, tag: str | None = None, follow: bool = False):
    """Tap Claim on the device's landing page (token and tag read from the page)."""
    page = client.get(landing_path(device_id))
    field = re.search(r'name="k" value="([^"]*)"', page.get_data(as_text=True))
    form_tag = tag if tag is not None else field.group(1) if field else labels.qr_tag(LABEL_KEY, device_id)
    return client.post(f"/d/{device_id}/claim", data={"csrf_token": csrf_token(page), "k": form_tag},
                       follow_redirects=follow)


def login_next(location: str) -> str | None:
    """The `next` of a redirect to the sign-in page (None when it is not one)."""
    parts = urlsplit(location)
    if parts.path != "/login":
        return None
    return parse_qs(parts.query).get("next", [None])[0]


def attributes(response) -> list[tuple[str, str, str]]:
    """Every (tag, attribute, value) of an HTML page."""
    parser = _AttributeParser()
    parser.feed(response.get_data(as_text=True))
    return parser.found


class _TextParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


class _AttributeParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.found.extend((tag, name, value or "") for name, value in attrs)
