"""What each SMS command does, over the services (claims, devices, accounts, setup).

Each command is answered in two steps so the TwiML reply never waits on a slow cloud:

- `prepare(sender, command)` runs in the webhook request and touches only SQLite: it checks
  what was typed (box code and its check symbol, phone number, new name, rights) and either
  answers at once (`Reply`) or hands back the cloud work still to do (`Later`). A customer's
  `CLAIM` stores its claim here, before any cloud work (STATUS lists it while it waits);
- `Later.run()` does that cloud work and returns the `Reply`; bff/sms/inbox.py runs it with a
  short deadline and texts the result when the deadline passes first, or the worker runs it
  (`SmsInbox.finish_stuck`: `prepare` again, with `Sender.asked_at`, finds the message's own
  claim rather than making a second one).

Neither step raises: a `BffError` becomes its plain `customer_text`, anything else a "sorry".
Every reply text comes from bff/sms/texts.py. What a command changes is done by the services
(claims, devices, setup); this module only reads the message and words the answer. The commands
after the first claim (REMOVE, GIVE, SHARE, ..., YES, NO) are in bff/sms/lifecycle_commands.py;
`Reply`, `Later`, `Sender` and `guarded` in bff/sms/replies.py.
"""
from __future__ import annotations

import time

from bff import errors, labels
from bff.claims.serials import looks_like_serial_or_iccid

from bff.device_ids import device_id_in
from bff.devices import names as device_names
from bff.sms import lifecycle_commands, texts
from bff.sms.parse import CLAIM, CODE, MENU, NAME, SILENT, STATUS, Command
from bff.sms.replies import Later, Reply, Sender, guarded
from bff.sms.status_reply import status_text
from bff.twilio.gsm import SMS_SEGMENT

__all__ = ["REPLY_PURPOSE", "Later", "Reply", "Sender", "guarded", "prepare"]


REPLY_PURPOSE = "sms_reply"  # outbound SMS that carry a command's late result


def prepare(sender: Sender, command: Command) -> Reply | Later:
    """The answer to a command, or the cloud work still to do for it (SQLite only, never raises)."""
    handler = _HANDLERS.get(command.verb, _unknown)
    return guarded(lambda: handler(sender, command), command.verb)


# -- commands without cloud work ---------------------------------------------------------------------


def _menu(sender: Sender, command: Command) -> Reply:
    """`MENU` (or `?`): the first page; `MENU 2`: the commands after the first claim."""
    if command.number == 2:
        return Reply(texts.MENU_2)
    return Reply(texts.MENU_OPERATOR if sender.operator else texts.MENU)


def _unknown(sender: Sender, command: Command) -> Reply:
    return Reply(texts.UNKNOWN)


def _silent(sender: Sender, command: Command) -> Reply:
    """STOP, START, HELP and friends: Twilio answers them; bff stays quiet."""
    return Reply("")


def _status(sender: Sender, command: Command) -> Reply:
    return Reply(status_text(sender.services, sender.user.id))


# -- CLAIM ---------------------------------------------------------------------------------------------


def _claim(sender: Sender, command: Command) -> Reply | Later:
    """`CLAIM <code>`, or for operators also a device ID and `FOR <phone>`."""
    if command.phone is not None and not sender.operator:
        return Reply(texts.CLAIM_FOR_STAFF_ONLY)
    if not command.code.strip():
        return Reply(texts.CLAIM_NO_CODE)
    if command.phone is not None and not command.phone.strip():
        return Reply(texts.CLAIM_FOR_NO_PHONE)
    if device_id_in(command.code) and not sender.operator:
        return Reply(texts.CLAIM_DEVICE_ID)
    device_id, code, serial = _claim_target(sender, command.code)
    if command.phone is not None:
        customer = sender.services.accounts.user_for_phone(command.phone)  # InvalidPhoneNumber
        return Later(lambda: _claim_for(sender, customer, device_id, code, serial), "claim for")
    return _claim_own(sender, device_id, code, serial)


def _claim_target(sender: Sender, typed: str) -> tuple[str | None, str | None, str | None]:
    """(device ID, box code, serial number or ICCID still to look up) of what was typed; raises the
    label-code or refusal error. A serial number or ICCID alone: operators only (bff/claims/serials.py)."""
    device_id = device_id_in(typed)
    if device_id:
        return device_id, None, None
    try:  # SQLite only, so the reply is quick
        return sender.services.claims.device_id_for_label_code(typed, who=sender.guesser), typed, None
    except labels.NotALabelCodeError:
        if not looks_like_serial_or_iccid(typed):
            raise
    if not sender.operator:
        raise errors.SerialNeedsLabelCode("a customer texted a serial number", next_step=texts.CLAIM_SERIAL_NEXT)
    known = sender.services.claims.serials.local_device_id(typed)  # the cloud's look-up waits for Later
    return (known, None, None) if known else (None, None, typed)


def _claim_own(sender: Sender, device_id: str | None, code: str | None,
               serial: str | None = None) -> Reply | Later:
    if sender.operator:  # the device may need the cloud to be found: all of it is Later
        return Later(lambda: _operator_claim_own(sender, device_id, code, serial), "claim")
    claims = sender.services.claims
    asked_at = sender.asked_at if sender.asked_at is not None else claims.clock()
    # The claim is stored now, before any cloud work (STATUS lists it; the worker's retry finishes
    # it if this process dies). Run again by the worker, the message finds its own claim.
    claim = claims.claim_answering(sender.user.id, device_id, asked_at=asked_at) or claims.request_claim(
        sender.user.id, device_id, channel="sms", label_code=code, who=sender.guesser, attempt=False)
    if claim.done:
        return _claim_reply(sender, claim, asked_at, code)
    return Later(lambda: _claim_reply(sender, claims.attempt_and_wait(claim.id), asked_at, code), "claim")


def _claim_reply(sender: Sender, claim, asked_at: float, code: str | None) -> Reply:
    outcome = sender.services.claims.outcome_for(claim, asked_at=asked_at)
    hint = None if outcome in _OWN_TEMPLATES else lifecycle_commands.ask_hint(
        sender.services, sender.user.id, claim.device_id, code)
    return Reply(hint or _own_claim_text(sender.services, claim, outcome), claim_id=claim.id, final=claim.done)


def _operator_claim_own(sender: Sender, device_id: str | None, code: str | None, serial: str | None) -> Reply:
    """An operator's own (staging) account: audited like any operator claim."""
    claim, outcome = sender.services.claims.request_claim_for(
        sender.user.id, device_id, operator_id=sender.user.id, channel="sms", label_code=code, notify=False,
        serial=serial, asked_at=sender.asked_at)
    return Reply(_own_claim_text(sender.services, claim, outcome), claim_id=claim.id)


_OWN_TEMPLATES = {"claimed": texts.CLAIMED, "already_yours": texts.ALREADY_YOURS,
                  "waiting": texts.WAITING, "requested": texts.TRYING}


def _own_claim_text(services, claim, outcome: str) -> str:
    template = _OWN_TEMPLATES.get(outcome)
    if template is None:  # refused or failed: the claim's own plain words
        return f"{claim.message} {claim.next_step}"
    return template.format(device=services.devices.short_name(claim.device_id))


def _claim_for(sender: Sender, customer, device_id: str | None, code: str | None,
               serial: str | None = None) -> Reply:
    """An operator claims for a customer (the claims service texts the customer)."""
    services = sender.services
    try:
        claim, outcome = services.claims.request_claim_for(customer.id, device_id, operator_id=sender.user.id,
                                                           channel="sms", label_code=code, serial=serial,
                                                           asked_at=sender.asked_at)
    except errors.ClaimRefused as refused:  # the customer's account, not the operator's
        held = isinstance(refused, errors.ClaimInProgressElsewhere)
        device = services.devices.short_name(device_id) if device_id else (code or serial or "the device")[:24]
        return Reply((texts.FOR_HELD if held else texts.FOR_REFUSED).format(device=device, phone=customer.phone))
    device = services.devices.short_name(claim.device_id)
    return Reply(_for_claim_text(claim, outcome, device, customer.phone), claim_id=claim.id)


def _for_claim_text(claim, outcome: str, device: str, phone: str) -> str:
    templates = {"claimed": texts.FOR_CLAIMED, "already_yours": texts.FOR_ALREADY,
                 "waiting": texts.FOR_WAITING, "requested": texts.FOR_TRYING, "refused": texts.FOR_REFUSED}
    template = templates.get(outcome)
    if template is None:
        return f"{claim.message} {claim.next_step}"
    return template.format(device=device, phone=phone)


# -- CODE ----------------------------------------------------------------------------------------------


def _code(sender: Sender, command: Command) -> Reply | Later:
    """`CODE [<product>]`: a Wi-Fi setup claim code from the setup service."""
    setup = getattr(sender.services, "setup", None)
    if setup is None or not hasattr(setup, "create_claim_code"):
        return Reply(texts.CODE_UNAVAILABLE)
    product = command.name.strip() or None
    return Later(lambda: _make_code(sender, setup, product), "code")


def _make_code(sender: Sender, setup, product: str | None) -> Reply:
    made = setup.create_claim_code(sender.user.id, product_key=product, channel="sms")
    minutes = _minutes_left(made.expires_at)
    name = getattr(made, "product_name", None) or _product_name(sender.services, getattr(made, "product_key", None))
    if name:
        text = texts.CODE_FOR_PRODUCT.format(product=name, minutes=minutes, code=made.code)
        if len(text) <= SMS_SEGMENT:
            return Reply(text, secret=made.code)
    return Reply(texts.CODE_PLAIN.format(minutes=minutes, code=made.code), secret=made.code)


def _minutes_left(expires_at) -> int:
    """Minutes until `expires_at` (Unix time or datetime), rounded, at least 1."""
    if hasattr(expires_at, "timestamp"):
        expires_at = expires_at.timestamp()
    return max(1, round((float(expires_at) - time.time()) / 60))


def _product_name(services, product_key: str | None) -> str | None:
    """The product's name as the person knows it (None when unknown or the cloud is slow)."""
    if not product_key:
        return None
    return services.devices.product_name(product_key)


# -- NAME ----------------------------------------------------------------------------------------------


def _name(sender: Sender, command: Command) -> Reply | Later:
    """`NAME <code or device> <new name>`: rename a device the sender owns or that is shared with them."""
    words = command.code.split()
    if not words:
        return Reply(texts.NAME_HOW)
    if len(words) == 1:
        return Reply(texts.NAME_NO_NAME)
    device, typed_name = sender.services.devices.find_visible(sender.user.id, words)
    if device is None:  # (a box code typed in groups with nothing after it: the name is missing)
        no_name = len(words) <= device_names.TARGET_WORDS and device_names.looks_like_label_code("".join(words))
        return Reply(texts.NAME_NO_NAME if no_name else texts.NAME_NOT_YOURS)
    name = device_names.clean_name(typed_name)
    if name is None:
        return Reply(texts.NAME_BAD)
    return Later(lambda: _rename(sender, device, name), "name")


def _rename(sender: Sender, device: dict, name: str) -> Reply:
    sender.services.devices.rename(device, name)
    return Reply(texts.NAME_DONE.format(name=name))


_HANDLERS = {CLAIM: _claim, CODE: _code, STATUS: _status, NAME: _name, MENU: _menu, SILENT: _silent,
             **lifecycle_commands.HANDLERS}
