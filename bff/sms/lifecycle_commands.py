"""The SMS commands after the first claim, over `services.lifecycle` (bff/ownership/lifecycle.py).

`REMOVE <device>`, `GIVE <device> <phone>`, `SHARE <device> <phone>`, `UNSHARE <device> <phone>`,
`LEAVE <device>` (a shared person stops seeing it), `ASK <box code>` (ask the owner of someone
else's device: the box code is the proof of having it), `BLOCK <device>` / `ALLOW <device>` (the
owner stops or allows asks), `YES` / `NO` / `YES 2` / `NO 2` (answer bff's question).

Like every command (bff/sms/commands.py): what can be refused from SQLite alone (the words, the
phone number, whose device it is) is answered at once; everything that changes something runs as
`Later` (a remove and an accepted give or ask call the cloud; every change texts someone), so a
slow cloud gets "working on it" and the result by SMS. Which device the words mean:
bff/sms/device_words.py. Which words are the phone: the first cut `Command.choices` lists whose
phone is a valid number and whose device is found (bff/sms/parse.py).

YES is also Twilio's opt-in word: a bare YES from a phone with no open question gets no answer
(Twilio has answered it). YES/NO pin the question when the message is read, so the number refers
to the list the person saw ("1" is the newest). The answer keeps the message's `MessageSid`: run
again by the worker after a crash, a YES/NO first looks for the answer it gave already
(`answer_of_message`), then numbers the questions as they stood when the message came (one
answered since, on a page or by another text, says it is closed), so it never answers a question
the person had not seen, nor takes another answer for its own.
"""
from __future__ import annotations

import re

from bff import errors, labels
from bff.accounts.phones import e164_or_normalized
from bff.devices.names import looks_like_label_code
from bff.ownership import texts as lifecycle_texts
from bff.sms import texts
from bff.sms.device_words import device_for_code, find_device, resolves
from bff.sms.parse import (ALLOW, ASK, BLOCK, GIVE, LEAVE, NO, REMOVE, SHARE, UNSHARE, YES, Command)
from bff.sms.replies import Later, Refusal, Reply, Sender

_PHONE_PUNCTUATION = re.compile(r"[\s().-]")


# -- REMOVE, BLOCK, ALLOW: the owner and one device -----------------------------------------------------


def remove(sender: Sender, command: Command) -> Reply | Later:
    device_id, _ = _owned(sender, command.code, texts.REMOVE_HOW)
    return Later(lambda: _removed(sender, device_id), "remove")


def _removed(sender: Sender, device_id: str) -> Reply:
    move = _lifecycle(sender).remove(sender.user, device_id, channel="sms")
    template = texts.REMOVE_DONE if move.done else texts.REMOVE_LATER
    return Reply(template.format(device=sender.services.devices.short_name(device_id)))


def block(sender: Sender, command: Command) -> Reply | Later:
    device_id, name = _owned(sender, command.code, texts.BLOCK_HOW)
    return Later(lambda: _done(texts.BLOCK_DONE, name, _lifecycle(sender).stop_asks(sender.user, device_id)),
                 "block")


def allow(sender: Sender, command: Command) -> Reply | Later:
    device_id, name = _owned(sender, command.code, texts.ALLOW_HOW)
    return Later(lambda: _done(texts.ALLOW_DONE, name, _lifecycle(sender).allow_asks(sender.user, device_id)),
                 "allow")


def _done(template: str, device: str, _result=None, **fields) -> Reply:
    """The reply once the service call (evaluated as `_result`) has returned."""
    return Reply(template.format(device=device, **fields))


# -- GIVE, SHARE, UNSHARE: the owner, one device and a phone ------------------------------------------


def give(sender: Sender, command: Command) -> Reply | Later:
    device_id, name, phone = _owned_with_phone(sender, command, texts.GIVE_HOW)
    return Later(lambda: _offered(texts.GIVE_SENT, phone,
                                  _lifecycle(sender).give(sender.user, device_id, phone, channel="sms")), "give")


def share(sender: Sender, command: Command) -> Reply | Later:
    device_id, name, phone = _owned_with_phone(sender, command, texts.SHARE_HOW)
    return Later(lambda: _offered(texts.SHARE_SENT, phone,
                                  _lifecycle(sender).share(sender.user, device_id, phone, channel="sms")), "share")


def _offered(template: str, phone: str, offer) -> Reply:
    """The sender's confirmation: the number they typed (as E.164) is echoed so a typo shows."""
    return Reply(template.format(phone=phone, device=offer.device_name))


def unshare(sender: Sender, command: Command) -> Reply | Later:
    device_id, name, phone = _owned_with_phone(sender, command, texts.UNSHARE_HOW)
    return Later(lambda: _done(texts.UNSHARE_DONE, name,
                               _lifecycle(sender).unshare(sender.user, device_id, phone, channel="sms"),
                               phone=phone), "unshare")


def _owned_with_phone(sender: Sender, command: Command, how: str) -> tuple[str, str, str]:
    """(device ID, its name, the phone as E.164): the first cut whose phone is valid and whose
    device is found; refused at once when the phone is missing, invalid or the sender's own."""
    if not command.choices:
        raise Refusal(how, f"{command.verb} without a phone number")
    valid = [(device, phone) for device, typed in command.choices
             if (phone := _phone(typed, sender.services.accounts.default_region))]
    if not valid:
        raise errors.InvalidPhoneNumber(f"{command.verb}: no valid phone number at the end")
    device, phone = next(((device, phone) for device, phone in valid
                          if resolves(sender.services, sender.user.id, device)), valid[0])
    phone = sender.services.lifecycle.recipient_number(sender.user, phone)  # refuses the sender's own
    return (*_owned(sender, device, how), phone)


def _phone(typed: str, region: str) -> str | None:
    """A typed phone number as E.164 (spaces, dashes, dots and brackets do not count), or None."""
    try:
        return e164_or_normalized(_PHONE_PUNCTUATION.sub("", typed), region)
    except errors.InvalidPhoneNumber:
        return None


# -- LEAVE, ASK -------------------------------------------------------------------------------------


def leave(sender: Sender, command: Command) -> Reply | Later:
    """A shared person stops seeing a device."""
    if not command.code:
        return Reply(texts.LEAVE_HOW)
    found = find_device(sender.services, sender.user.id, command.code)
    if isinstance(found, str):  # a box code of a device they do not see
        raise errors.NotShared(f"{found} is not shared with person {sender.user.id}")
    if not found.shared:
        return Reply(texts.LEAVE_NOT_SHARED.format(device=found.short_name))
    return Later(lambda: _done(texts.LEAVE_DONE, found.short_name,
                               _lifecycle(sender).leave_share(sender.user, found.device_id, channel="sms")),
                 "leave")


def ask(sender: Sender, command: Command) -> Reply | Later:
    """Ask the owner of someone else's device for it: only with the box code (the proof of having it)."""
    if not looks_like_label_code(command.code.replace(" ", "")):
        return Reply(texts.ASK_HOW)
    views = sender.services.devices.devices_of(sender.user.id)
    found = device_for_code(sender.services, views, command.code, sender.guesser)
    if not isinstance(found, str):  # the person sees it already
        if found.shared:
            raise errors.SharedUserOnly(f"person {sender.user.id} shares {found.device_id}")
        raise errors.AlreadyYours(f"person {sender.user.id} owns {found.device_id}")
    return Later(lambda: _asked(_lifecycle(sender).ask_owner(sender.user, found, channel="sms")), "ask")


def _asked(offer) -> Reply:
    return Reply(texts.ASK_SENT)


def ask_hint(services, user_id: int, device_id: str | None, code: str | None) -> str | None:
    """For a refused CLAIM by box code: "Text ASK <code> ..." when asking the owner can work (the
    device has an owner of ours who is not this person and takes asks); else None."""
    if not device_id or not code:
        return None
    if not services.lifecycle.may_ask(user_id, device_id):
        return None
    return texts.CLAIM_ASK_OWNER.format(code=_formatted_code(code))


def _formatted_code(code: str) -> str:
    try:
        return labels.format_label_code(labels.check_label_code(code))
    except labels.LabelCodeError:
        return code


# -- YES, NO -------------------------------------------------------------------------------------------


def answer(sender: Sender, command: Command) -> Reply | Later:
    """YES or NO to the one open question, or to question `number` (1 = the newest)."""
    if command.code:
        return Reply(texts.ANSWER_HOW)
    given = _lifecycle(sender).answer_of_message(sender.message_sid) if sender.message_sid else None
    if given is not None:  # run again after a crash: the answer this message gave already
        return Reply(given.reply)
    questions = _lifecycle(sender).open_questions(sender.user, as_of=sender.asked_at)
    if not questions:
        if command.verb == YES and command.number is None:
            return Reply("")  # Twilio's opt-in word, and nothing of ours to answer: Twilio has replied
        raise errors.NothingToAnswer(f"person {sender.user.id} has no open question")
    number = 1 if command.number is None and len(questions) == 1 else command.number
    if number is None or not 1 <= number <= len(questions):
        message, next_step = lifecycle_texts.which_question([question.words for question in questions])
        raise errors.WhichQuestion(f"{len(questions)} open, number {number}", public_message=message,
                                   next_step=next_step)
    offer_id = questions[number - 1].offer.id
    return Later(lambda: _answered(sender, offer_id, command.verb == YES), command.verb)


def _answered(sender: Sender, offer_id: int, yes: bool) -> Reply:
    lifecycle, sid = _lifecycle(sender), sender.message_sid
    if yes:
        return Reply(lifecycle.accept(sender.user, offer_id, channel="sms", message_sid=sid).reply)
    return Reply(lifecycle.decline(sender.user, offer_id, message_sid=sid).reply)


# -- shared ----------------------------------------------------------------------------------------------


def _lifecycle(sender: Sender):
    return sender.services.lifecycle


def _owned(sender: Sender, typed: str, how: str) -> tuple[str, str]:
    """(device ID, its name) of a device the sender owns; refused at once otherwise."""
    if not typed.strip(" -"):
        raise Refusal(how, "no device named")
    found = find_device(sender.services, sender.user.id, typed)
    if isinstance(found, str):  # the box code of a device they do not see
        raise errors.NotTheOwner(f"person {sender.user.id} does not own {found}")
    if found.shared:
        raise errors.SharedUserOnly(f"person {sender.user.id} shares {found.device_id}, not its owner")
    return found.device_id, found.short_name


HANDLERS = {REMOVE: remove, GIVE: give, SHARE: share, UNSHARE: unshare, LEAVE: leave, ASK: ask,
            BLOCK: block, ALLOW: allow, YES: answer, NO: answer}
