"""The SMS `STATUS` reply: open questions, the sender's devices (on or off; shared ones marked)
and waiting claims, in one segment.

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
    waiting = [_waiting_item(services.devices, claim) for claim in services.claims.claims_of(user_id)
               if not claim.done]
    questions = _questions_line(services, user_id)
    if not devices and not waiting:
        return f"{questions} {texts.STATUS_NONE}" if questions else texts.STATUS_NONE
    return _fit(devices, waiting, questions)


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


def _fit(devices: list[str], waiting: list[str], questions: str = "") -> str:
    """The longest listing (questions, devices, then waiting claims) that fits one segment."""
    total = len(devices) + len(waiting)
    for shown in range(total, -1, -1):
        text = _listing(devices[:shown], waiting[:max(0, shown - len(devices))], total - shown, questions)
        if len(text) <= SMS_SEGMENT:
            return text
    return texts.STATUS_NONE  # not reached: with nothing shown the text is short


def _listing(devices: list[str], waiting: list[str], hidden: int, questions: str = "") -> str:
    parts = [questions] if questions else []
    if devices:
        parts.append(texts.STATUS_DEVICES + ", ".join(devices) + ".")
    if waiting:
        parts.append(texts.STATUS_WAITING + ", ".join(waiting) + ".")
    if hidden:
        parts.append(texts.STATUS_MORE.format(count=hidden).strip() + ".")
    return " ".join(parts)
