"""Which device the words of an SMS command mean (`REMOVE <device>`, `GIVE <device> <phone>`, ...).

A device is named by the code on its box (any device bff knows: the lifecycle service then says
whether the sender may act on it), or, among the devices the sender sees (`devices_of`: their own
and those shared with them), by its name as they see it (case does not matter, and a space
stands for "_", so "pump 2" is pump_2), its whole device ID, or the end of its ID as STATUS shows
it ("...c0ffee"). Names and IDs are tried before box codes, as NAME does (bff/devices/names.py).
Two devices with that name: the person is asked to use the box code (`DEVICE_AMBIGUOUS`).
Read from SQLite only; refusals are `Refusal` (bff/sms/replies.py: its text is the reply).
"""
from __future__ import annotations

import re

from bff import errors, labels
from bff.guesses import Guesser
from bff.device_ids import device_id_in
from bff.devices.names import looks_like_label_code
from bff.sms import texts
from bff.sms.replies import Refusal
from bff.twilio.gsm import to_gsm_segment

_ID_END = re.compile(r"\.*([0-9a-fA-F]{4,24})")  # "...c0ffee", as STATUS shows a device
_SPACES = re.compile(r"[\s_]+")
NAME_SHOWN = 24  # characters of a typed name repeated in a reply


def find_device(services, user_id: int, typed: str):
    """The `DeviceView` the person means (`shared=True`: shared with them), or, for a box code of a
    device they do not see, that device's ID (a str). Raises Refusal or a label code error."""
    typed = typed.strip(" -")
    views = services.devices.devices_of(user_id)
    found = _by_name(views, typed) or _by_id(views, typed)
    if found:
        return found
    if looks_like_label_code(typed.replace(" ", "")):
        return device_for_code(services, views, typed, Guesser(user_id=user_id))
    raise not_found(typed)


def device_for_code(services, views, typed: str, who: Guesser):
    """The device of a box code: the person's view of it, or the ID of someone else's device (a
    code no device has counts as a wrong guess of `who`: bff/guesses.py)."""
    code = labels.check_label_code(typed)  # a typo is reported as a typo
    view = next((view for view in views if view.label_code == code), None)
    if view is not None:
        return view
    try:
        return services.claims.device_id_for_label_code(code, who=who)
    except errors.ClaimRefused:
        raise Refusal(texts.CODE_UNKNOWN, f"no device has label code {code}") from None


def resolves(services, user_id: int, typed: str) -> bool:
    """Whether `find_device` finds a device for these words (no error)."""
    try:
        find_device(services, user_id, typed)
    except errors.BffError:
        return False
    return True


def not_found(typed: str) -> Refusal:
    text = texts.DEVICE_NOT_FOUND.format(name=shown(typed))
    return Refusal(text, f"no device called {typed!r}")


def shown(typed: str) -> str:
    """Typed words as a reply may repeat them: plain GSM characters, at most NAME_SHOWN."""
    return to_gsm_segment(typed, limit=NAME_SHOWN) or "that"


def _fold(name: str) -> str:
    return _SPACES.sub("_", name.strip()).casefold()


def _by_name(views, typed: str):
    matches = [view for view in views if view.name and _fold(view.name) == _fold(typed)]
    return _one(matches, typed)


def _by_id(views, typed: str):
    """A whole device ID, or the end of one ("...c0ffee")."""
    whole = device_id_in(typed.replace(" ", ""))
    if whole:
        return _one([view for view in views if view.device_id == whole], typed)
    match = _ID_END.fullmatch(typed)
    if not match:
        return None
    end = match.group(1).lower()
    return _one([view for view in views if view.device_id.endswith(end)], typed)


def _one(matches, typed: str):
    """The one match; None for none; more than one (owned and shared alike): ask for the box code."""
    if len({view.device_id for view in matches}) > 1:
        text = texts.DEVICE_AMBIGUOUS.format(name=shown(typed))
        raise Refusal(text, f"{len(matches)} devices called {typed!r}")
    return matches[0] if matches else None
