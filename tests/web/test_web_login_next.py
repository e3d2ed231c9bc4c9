"""safe_next: only paths on this site; every open-redirect trick is refused."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from bff.web.login import safe_next

from tests.support.pages import csrf_token
from tests.web.sign_in import ask_for_code, read_code


@pytest.mark.parametrize("target", [
    "/d/0123456789abcdef01234567?k=abc", "/devices", "/", "/setup?step=2#wifi", "/d/x?k=a%2Fb",
])
def test_own_paths_pass(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    None, "", "devices", "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "/\\/evil.example", "https://evil.example/d/1", "http:/evil.example", "javascript:alert(1)",
    "/\t/evil.example", "/\n/evil.example", "/ /evil.example", " /devices", "/d\r\n/x",
    "/d/\u00e9", "/" + "a" * 2001, "data:text/html,hi", "%2F%2Fevil.example", "//%09/evil.example",
])
def test_tricks_refused(target):
    assert safe_next(target) is None


@given(st.text(max_size=60))
def test_never_leaves_the_site(text):
    target = safe_next(text)
    if target is not None:
        assert target.startswith("/") and not target.startswith("//") and "\\" not in target
        assert all(0x21 <= ord(char) <= 0x7e for char in target)


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_sign_in_ignores_unsafe_next(client, services, target):
    sent = ask_for_code(client, next_path=target)
    assert "evil" not in sent.headers["Location"]
    page = client.get("/login/code")
    done = client.post("/login/code", data={"csrf_token": csrf_token(page), "code": read_code(services),
                                            "next": target})
    assert done.headers["Location"] == "/devices"


def test_signed_in_login_page_ignores_unsafe_next(client, services):
    ask_for_code(client)
    page = client.get("/login/code")
    client.post("/login/code", data={"csrf_token": csrf_token(page), "code": read_code(services)})
    assert client.get("/login?next=//evil.example").headers["Location"] == "/devices"
