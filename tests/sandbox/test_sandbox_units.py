"""Unit properties of the sandbox's identifiers, paging and state round trip."""
import re

from hypothesis import given
from hypothesis import strategies as st

from bff.sandbox import demo, ids
from bff.sandbox.state import State
from bff.sandbox.routes.params import paginate


def luhn_ok(digits: str) -> bool:
    return ids.luhn_digit(digits[:-1]) == digits[-1]


@given(st.text(min_size=1, max_size=20))
def test_id_factories_are_deterministic_per_seed(seed):
    first, second = ids.IdFactory(seed), ids.IdFactory(seed)
    assert [first.device_id(), first.iccid(), first.imei()] == [second.device_id(), second.iccid(), second.imei()]


def test_identifier_shapes():
    factory = ids.IdFactory()
    for _ in range(50):
        iccid, imei = factory.iccid(), factory.imei()
        assert re.fullmatch(r"89\d{18}", iccid) and luhn_ok(iccid)
        assert re.fullmatch(r"\d{15}", imei) and luhn_ok(imei)
        assert re.fullmatch(r"[0-9a-f]{24}", factory.device_id())
        assert len(factory.serial_number(10)) == 15
        assert re.fullmatch(r"[A-Za-z0-9+/]{63}", ids.claim_code())


@given(st.lists(st.integers(), max_size=60), st.integers(1, 30))
def test_pages_cover_every_item_once(items, per_page):
    _, pages = paginate(items, 1, per_page)
    collected = [x for page in range(1, pages + 1) for x in paginate(items, page, per_page)[0]]
    assert collected == items and pages >= 1


def test_state_round_trips_through_json():
    state = demo.build_state(1_700_000_000.0)
    again = State.from_json(state.to_json())
    assert again.to_json() == state.to_json()
