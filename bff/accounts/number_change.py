"""Moving a person to a new phone number ("Change my number"), for every channel.

- A signed-in person asks for a new number: a code is texted to the NEW number (it proves they hold
  it) and, unless they say they no longer have the old number, a code to the OLD one (it proves the
  account holder agrees, not just someone holding an unlocked session). Codes are the sign-in
  codes' machinery (bff/accounts/service.py: hashed, single use, 5 tries, the same send caps per
  phone and address), kept under a key that is not a phone number, so /login cannot use them.
- Without the old number an operator (permission "fix") vouches for the person on their console
  page (operator-assisted recovery, audited "person.number_change"); an operator may also start the
  move for a person who phoned in: the code goes to the new number and the person reads it out.
- A change lives 30 minutes. When proven, ONE transaction: the person's phone becomes the new one,
  every open sign-in code of the old phone is spent, `person.number_changed` is emitted (no phone
  number in it). Devices, shares, claims, offers and shadow customers belong to the user id (the
  shadow customer's username is ours, not the phone), so nothing else moves.
- Refused plainly: the same number, an invalid one, a number another account with belongings
  uses (bff does not join accounts: that person removes or gives away their devices first; an
  empty account of that number, say from one stray text, gives its number up), too many tries.
  Afterwards the old number gets a security notice and the new one a confirmation.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from bff import errors

LIFETIME = 30 * 60
STARTS_PER_USER = (5, 3600)  # (starts, window seconds)
NOTICE_PURPOSE = "number_changed"
AUDIT_ACTION = "person.number_change"

NEW_CODE_TEXT = "Your code to move your account to this number is {code}. It works for 30 minutes. Not you? Ignore this text."
OPERATOR_CODE_TEXT = ("Your code to move your account to this number is {code}. Read it to the support person "
                      "helping you. It works for 30 minutes.")
OLD_CODE_TEXT = ("Someone asked to move your account to a new phone number. If it was you, the code is {code}. "
                 "If not, share it with nobody: your number stays.")
OLD_NOTICE_TEXT = ("Your account now uses a new phone number, so this number no longer signs in. "
                   "Not you? Contact our support team at once.")
NEW_NOTICE_TEXT = "Done: your account now uses this phone number. Sign in with it from now on."


@dataclass(frozen=True)
class NumberChange:
    """An open (or just finished) move to a new number, as the channels show it."""

    id: int
    user_id: int
    new_phone: str
    old_phone: str | None  # None: the person no longer has their old number (an operator vouches)
    state: str  # open | done | cancelled
    new_proven: bool
    old_proven: bool
    by_operator_id: int | None
    expires_at: float

    @classmethod
    def from_row(cls, row: dict) -> NumberChange:
        return cls(id=row["id"], user_id=row["user_id"], new_phone=row["new_phone"], old_phone=row["old_phone"],
                   state=row["state"], new_proven=row["new_proven_at"] is not None,
                   old_proven=row["old_proven_at"] is not None, by_operator_id=row["by_operator_id"],
                   expires_at=row["expires_at"])

    @property
    def done(self) -> bool:
        return self.state == "done"

    @property
    def needs_old_code(self) -> bool:
        return self.old_phone is not None and not self.old_proven and self.by_operator_id is None

    @property
    def needs_operator(self) -> bool:
        """The person lost their old number and no operator has vouched yet."""
        return self.old_phone is None and self.by_operator_id is None

    @property
    def ready(self) -> bool:
        return self.new_proven and (self.old_proven or self.by_operator_id is not None)

    @property
    def words(self) -> tuple[str, str]:
        """(what happened, what to do next), as every channel says it."""
        if self.done:
            return "Your account now uses your new number.", "Sign in with it from now on."
        if self.new_proven and self.needs_operator:
            return ("Your new number is checked.",
                    "Now call our support team: they check it is you and finish the move.")
        if self.new_proven:
            return "Your new number is checked.", "Type the code we texted to your old number."
        if self.old_phone is None:
            return "We texted a code to your new number.", "Type it within 30 minutes."
        return ("We texted a code to your new number and one to your old number.",
                "Type both codes within 30 minutes.")


class NumberChanges:
    """Change my number, over the store, the accounts service (codes, limits), SMS, audit and events."""

    def __init__(self, store, accounts, sms, audit, events, *, clock=time.time) -> None:
        self.store = store
        self.accounts = accounts
        self.sms = sms
        self.audit = audit
        self.events = events
        self.clock = clock

    # -- starting -----------------------------------------------------------------------------------

    def start(self, user, new_phone_text: str, *, ip: str | None, old_number_lost: bool = False) -> NumberChange:
        """The person asks to move to a new number: codes texted (new, and old unless lost)."""
        new_phone = self._new_phone(user.id, user.phone, new_phone_text)
        self._count_start(user.id)
        old_phone = None if old_number_lost else user.phone
        change_id = self.store.add_number_change(user.id, old_phone=old_phone, new_phone=new_phone,
                                                 by_operator_id=None, expires_at=self.clock() + LIFETIME,
                                                 now=self.clock())
        self._send(change_id, "new", new_phone, NEW_CODE_TEXT, ip)
        if old_phone:
            self._send(change_id, "old", old_phone, OLD_CODE_TEXT, ip)
        return self._change(change_id)

    def start_for(self, operator, person_id: int, new_phone_text: str) -> NumberChange:
        """An operator starts the move for a person who lost their old phone: a code to the new
        number, which the person reads out (or types at /account/number). Audited."""
        person = self._person(person_id)
        try:
            new_phone = self._new_phone(person.id, person.phone, new_phone_text)
            self._count_start(person.id)
            change_id = self.store.add_number_change(person.id, old_phone=None, new_phone=new_phone,
                                                     by_operator_id=operator.id, now=self.clock(),
                                                     expires_at=self.clock() + LIFETIME)
            self._send(change_id, "new", new_phone, OPERATOR_CODE_TEXT, None)
        except errors.BffError as error:
            self._audit(operator, person.id, "refused", f"start refused ({type(error).__name__})")
            raise
        self._audit(operator, person.id, "ok", f"change {change_id} started: code texted to the new number")
        return self._change(change_id)

    def _new_phone(self, user_id: int, current: str | None, text: str) -> str:
        new_phone = self.accounts.normalize_phone(text or "")  # InvalidPhoneNumber
        if new_phone == current:
            raise errors.SameNumber(f"person {user_id} typed their own number")
        self._check_free(new_phone, user_id)
        return new_phone

    def _check_free(self, phone: str, user_id: int) -> int | None:
        """The id of an empty account using `phone` (it may give the number up), or None; raises
        NumberTaken when an account with belongings uses it."""
        row = self.store.user_by_phone(phone)
        if row is None or row["id"] == user_id:
            return None
        if self.store.user_has_belongings(row["id"]):
            raise errors.NumberTaken(f"person {row['id']} uses the number and has belongings")
        return row["id"]

    def _count_start(self, user_id: int) -> None:
        limit, window = STARTS_PER_USER
        if self.accounts.hit_rate_limit(f"number-change:user:{user_id}", limit=limit, window_seconds=window):
            raise errors.TooManySignInCodes(f"person {user_id} started too many number changes", retry_after=window)

    def _send(self, change_id: int, which: str, phone: str, text: str, ip: str | None) -> None:
        self.accounts.send_proof_code(_key(change_id, which), phone, text, ip=ip, lifetime=LIFETIME)

    # -- proving and finishing -----------------------------------------------------------------------

    def current(self, user_id: int) -> NumberChange | None:
        """The person's open change that has not run out of time, or None."""
        row = self.store.open_number_change(user_id)
        if row is None or row["expires_at"] <= self.clock():
            return None
        return NumberChange.from_row(row)

    def confirm(self, user_id: int, *, new_code: str | None, old_code: str | None = None) -> NumberChange:
        """The person types the code(s); the move is made once everything needed is proven.
        Without an old number it then waits for an operator (`needs_operator`)."""
        change = self._open(user_id)
        if not change.new_proven:
            self._prove(change, "new", new_code)
        if change.needs_old_code:
            if not (old_code or "").strip():
                raise errors.OldNumberCodeNeeded(f"change {change.id}: no old code typed")
            self._prove(change, "old", old_code)
        return self._finish_if_ready(change.id, by="person")

    def confirm_by_operator(self, operator, person_id: int, *, new_code: str | None = None) -> NumberChange:
        """An operator vouches for the person (instead of the old number) and, unless the person
        proved the new number already, types the code the person read out. Audited."""
        try:
            change = self._open(self._person(person_id).id)
            if not change.new_proven:
                self._prove(change, "new", new_code)
            self.store.vouch_number_change(change.id, operator.id)
            done = self._finish_if_ready(change.id, by="operator")
        except errors.BffError as error:
            self._audit(operator, person_id, "refused", f"confirm refused ({type(error).__name__})")
            raise
        self._audit(operator, person_id, "ok", f"change {change.id} done: the person uses the new number")
        return done

    def cancel(self, user_id: int) -> None:
        change = self.current(user_id)
        if change is not None:
            self.store.cancel_number_change(change.id, now=self.clock())

    def _open(self, user_id: int) -> NumberChange:
        change = self.current(user_id)
        if change is None:
            raise errors.NoNumberChange(f"person {user_id} has no open number change")
        return change

    def _prove(self, change: NumberChange, which: str, code: str | None) -> None:
        try:
            self.accounts.check_proof_code(_key(change.id, which), code or "")
        except (errors.WrongSignInCode, errors.SignInCodeExpired) as error:
            error.public_message = error.public_message.replace("That code", f"The code for your {which} number", 1)
            if isinstance(error, errors.SignInCodeExpired):
                error.next_step = "Start again to get new codes."
            raise
        self.store.mark_number_proven(change.id, which, now=self.clock())

    def _finish_if_ready(self, change_id: int, *, by: str) -> NumberChange:
        change = self._change(change_id)
        if not change.ready:
            return change
        old_phone = (self.store.user(change.user_id) or {}).get("phone")
        with self.store.transaction():
            empty_account = self._check_free(change.new_phone, change.user_id)
            if empty_account is not None:
                self.store.release_phone(empty_account)
            if not self.store.finish_number_change(change.id, user_id=change.user_id, old_phone=old_phone,
                                                   new_phone=change.new_phone, now=self.clock()):
                raise errors.NoNumberChange(f"change {change.id} was no longer open")
            self.events.emit("person.number_changed", {"person_id": change.user_id, "by": by})
        if old_phone:
            self.sms.send(old_phone, OLD_NOTICE_TEXT, purpose=NOTICE_PURPOSE)
        self.sms.send(change.new_phone, NEW_NOTICE_TEXT, purpose=NOTICE_PURPOSE)
        return self._change(change.id)

    # -- helpers ---------------------------------------------------------------------------------------

    def _change(self, change_id: int) -> NumberChange:
        return NumberChange.from_row(self.store.number_change(change_id))

    def _person(self, person_id: int):
        person = self.accounts.user(person_id)
        if person is None:
            raise errors.UnknownOperator(f"no person {person_id}", public_message="There is no such person.",
                                         next_step="Go back to the search.")
        return person

    def _audit(self, operator, person_id: int, result: str, detail: str) -> None:
        self.audit.record(operator, AUDIT_ACTION, result=result, person_id=person_id, detail=detail)


def _key(change_id: int, which: str) -> str:
    """Where a change's code is kept among the sign-in codes: never a phone number."""
    return f"number-change:{change_id}:{which}"
