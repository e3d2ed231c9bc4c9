"""Errors of signing in and of operator accounts (bff/accounts)."""
from __future__ import annotations

from bff.errors.base import BffError


# -- sign-in and accounts (bff/accounts/service.py) -----------------------------------------------------


def _wait_words(seconds: float) -> str:
    """A wait as plain words: "1 minute", "15 minutes", "2 hours" (rounded up, at least a minute)."""
    minutes = max(1, -(-int(seconds) // 60))
    if minutes < 120:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"{-(-minutes // 60)} hours"


class SignInError(BffError):
    """Signing in did not work. Base of the sign-in family."""

    public_message = "We could not sign you in."
    next_step = "Please try again."


class InvalidPhoneNumber(SignInError):
    """Text that is not a phone number we can send a text to."""

    public_message = "That phone number does not look right."
    next_step = "Type it with the country code, like +1 201 555 0123."


class TooManySignInCodes(SignInError):
    """Too many codes asked for one phone number or from one place; `retry_after` seconds to wait."""

    public_message = "We sent too many codes in a short time."

    def __init__(self, detail: str | None = None, *, retry_after: float, **kwargs) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        kwargs.setdefault("next_step", f"Please wait {_wait_words(self.retry_after)}, then try again.")
        super().__init__(detail, **kwargs)


class SignInCodeExpired(SignInError):
    """No live code for this phone: too old, already used, or never sent."""

    public_message = "That code is too old or was already used."
    next_step = "Tap Send a new code to get a new one."


class SignInCodeLocked(SignInCodeExpired):
    """The code was typed wrong too many times and no longer works."""

    public_message = "That code was typed wrong too many times."


class WrongSignInCode(SignInError):
    """The code typed is not the code we sent; `tries_left` more tries with this code."""

    public_message = "That code is not right."

    def __init__(self, detail: str | None = None, *, tries_left: int | None = None, **kwargs) -> None:
        self.tries_left = tries_left
        if tries_left is not None:
            tries = "1 more try" if tries_left == 1 else f"{tries_left} more tries"
            kwargs.setdefault("next_step", f"Check the newest text from us and type it again. You have {tries}.")
        else:
            kwargs.setdefault("next_step", "The code has 6 numbers. Check the text from us and type it again.")
        super().__init__(detail, **kwargs)


class WrongPassword(SignInError):
    """Unknown login or wrong password (the same words for both, on purpose)."""

    public_message = "That login or password is not right."
    next_step = "Check both and try again."


class TooManySignInTries(SignInError):
    """Too many password tries for one login or from one place; `retry_after` seconds to wait."""

    public_message = "There were too many tries to sign in."

    def __init__(self, detail: str | None = None, *, retry_after: float, **kwargs) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        kwargs.setdefault("next_step", f"Please wait {_wait_words(self.retry_after)}, then try again.")
        super().__init__(detail, **kwargs)


class TooManyWrongCodes(BffError):
    """Too many wrong codes from one person, phone or address lately: box codes, QR tags or serial
    numbers that did not prove holding a box (bff/guesses.py), or sign-in codes typed for
    many phones. `retry_after` seconds to wait; nothing was checked."""

    public_message = "There were too many wrong codes in a short time."
    next_step = "Please wait a few minutes, then try again."

    def __init__(self, detail: str | None = None, *, retry_after: float = 900, **kwargs) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        kwargs.setdefault("next_step", f"Please wait {_wait_words(self.retry_after)}, then try again.")
        super().__init__(detail, **kwargs)


class NotSignedIn(SignInError):
    """A page or JSON route that needs a signed-in person was asked without one."""

    public_message = "You are not signed in."
    next_step = "Sign in, then try again."


class OperatorSetupError(BffError):
    """An operator account could not be made (login taken, short password, bad login)."""

    public_message = "We could not make this operator account."
    next_step = "Check the login and password and try again."


class LoginTaken(OperatorSetupError):
    """The store refused a new operator: the login (or phone) is already someone's."""

    public_message = "That login is taken."
    next_step = "Choose another login."



# -- moving to a new phone number (bff/accounts/number_change.py) ------------------------------------


class NumberChangeError(BffError):
    """A person's move to a new phone number was refused. Base of its family."""

    public_message = "We could not change your number."
    next_step = "Please try again."


class SameNumber(NumberChangeError):
    """The new number is the one the person already uses."""

    public_message = "That is the number you use now."
    next_step = "Type your new number."


class NumberTaken(NumberChangeError):
    """Another account with belongings (devices, shares, claims) uses the new number. bff does not
    join two accounts."""

    public_message = "Another account uses that number, and bff cannot join two accounts."
    next_step = "Ask its owner to remove or give away its devices first, or ask our support team."


class NoNumberChange(NumberChangeError):
    """No open number change: never started, finished, cancelled or out of time (30 minutes)."""

    public_message = "There is no number change waiting, or it ran out of time."
    next_step = "Start again: type your new number."


class OldNumberCodeNeeded(NumberChangeError):
    """The new number is proven; the code texted to the old number is still missing."""

    public_message = "We also need the code we texted to your old number."
    next_step = "Type both codes. No old phone? Start again and tick that you lost it."
