"""The SMS `STATUS` reply: open questions, the sender's devices (on or off; shared ones marked)
and open claims, in one segment: "Working on adding: x" (a claim being tried, also one a CLAIM
text recorded a moment ago whose cloud work has not started), "Waiting to add: y (switch on)".

Read from SQLite only (the worker keeps each device's online state current from the cloud's
event stream and its periodic reconcile), so STATUS answers at once even when the cloud is slow.
The devices are `devices_of` (their own, then those shared with them, "(shared)"). Questions bff
asked the person and that wait for YES or NO come first ("1 question waiting: reply YES or NO.")
and always show; when the rest does not fit in 160 characters, the last entries give way to
"+N more".
"""
from __future__ import annotations

from bff.sms import texts
from bff.twilio.gsm import SMS_SEGMENT, to_gsm_segment

_ONLINE_TEMPLATES = {1: texts.STATUS_ON, 0: texts.STATUS_OFF, None: texts.STATUS_UNSEEN}


def status_text(services, user_id: int) -> str:
    """One segment about the person's open questions, devices and the claims still waiting."""
    devices = [_device_item(view) for view in services.devices.devices_of(user_id)]
    open_claims = [claim for claim in services.claims.claims_of(user_id) if not claim.done]
    adding = [_waiting_item(services.devices, claim) for claim in open_claims if claim.state == "requested"]
    waiting = [_waiting_item(services.devices, claim) for claim in open_claims if claim.state != "requested"]
    questions = _questions_line(services, user_id)
    if not devices and not open_claims:
        return f"{questions} {texts.STATUS_NONE}" if questions else texts.STATUS_NONE
    return _fit([(texts.STATUS_DEVICES, devices), (texts.STATUS_ADDING, adding), (texts.STATUS_WAITING, waiting)],
                questions)


def _questions_line(services, user_id: int) -> str:
    lifecycle = getattr(services, "lifecycle", None)
    count = len(lifecycle.open_questions(user_id)) if lifecycle is not None else 0
    if count == 0:
        return ""
    return texts.STATUS_QUESTION if count == 1 else texts.STATUS_QUESTIONS.format(count=count)


def _device_item(view) -> str:
    online = view.online
    item = _ONLINE_TEMPLATES[None if online is None else int(online)].format(device=_plain(view.short_name))
    return item + (texts.STATUS_SHARED if view.shared else "")


def _waiting_item(devices, claim) -> str:
    item = texts.STATUS_WAITING_ITEM.format(device=_plain(devices.short_name(claim.device_id)))
    return item + (texts.STATUS_SWITCH_ON if claim.state == "waiting_for_device" else "")


def _plain(name: str) -> str:
    """A device name as plain GSM characters (so its length is what the phone shows)."""
    return to_gsm_segment(name, limit=24) or "?"


def _fit(sections: list[tuple[str, list[str]]], questions: str = "") -> str:
    """The longest listing (questions, then each section's items in order) that fits one segment."""
    total = sum(len(items) for _, items in sections)
    for shown in range(total, -1, -1):
        text = _listing(_first(sections, shown), total - shown, questions)
        if len(text) <= SMS_SEGMENT:
            return text
    return texts.STATUS_NONE  # not reached: with nothing shown the text is short


def _first(sections: list[tuple[str, list[str]]], count: int) -> list[tuple[str, list[str]]]:
    """The sections cut to their first `count` items in all."""
    cut = []
    for heading, items in sections:
        cut.append((heading, items[:max(0, count)]))
        count -= len(items)
    return cut


def _listing(sections: list[tuple[str, list[str]]], hidden: int, questions: str = "") -> str:
    parts = [questions] if questions else []
    parts += [heading + ", ".join(items) + "." for heading, items in sections if items]
    if hidden:
        parts.append(texts.STATUS_MORE.format(count=hidden).strip() + ".")
    return " ".join(parts)
