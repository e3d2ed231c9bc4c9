"""The shapes every SMS command handler answers with: `Reply`, `Later`, `Sender`, and `guarded`.

`prepare` (bff/sms/commands.py) hands back a `Reply` (answered at once) or a `Later` (cloud work
still to do; bff/sms/inbox.py runs it under the reply deadline). Kept apart from the handlers so
bff/sms/commands.py and bff/sms/lifecycle_commands.py both build on it without importing each other.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bff import errors
from bff.guesses import Guesser
from bff.sms import texts

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    """What to answer ("" = nothing); `claim_id` links a late result SMS to its claim; `secret`: a
    one-time secret the text carries (a Wi-Fi claim code), never kept readable; `final`: the text
    tells the claim's end (claimed, refused, ...), which the person is told once (bff/sms/inbox.py)."""

    text: str
    claim_id: int | None = None
    secret: str | None = None
    final: bool = False


@dataclass(frozen=True)
class Later:
    """Cloud work still to do for a command; `run()` returns its Reply (and never raises)."""

    work: Callable[[], Reply]
    what: str

    def run(self) -> Reply:
        return guarded(self.work, self.what)


@dataclass(frozen=True)
class Sender:
    """Who sent the message: their user (customer or operator) and phone, and the services;
    `asked_at`: when the message came (set when the worker runs it again; None: now);
    `message_sid`: Twilio's id of the message (kept with what it answered)."""

    services: object
    user: object  # bff.accounts.service.User
    phone: str
    asked_at: float | None = None
    message_sid: str | None = None

    @property
    def operator(self) -> bool:
        return bool(getattr(self.user, "is_operator", False))

    @property
    def guesser(self) -> Guesser:
        """Who tries a box code in this text: the person and their phone (bff/guesses.py)."""
        return Guesser(user_id=self.user.id, phone=self.phone, operator=self.operator)


class Refusal(errors.BffError):
    """A command answered at once with its own text (which says what to do next)."""

    def __init__(self, text: str = "We could not do that. Text MENU to see what you can do.",
                 detail: str | None = None) -> None:
        super().__init__(detail or text, public_message=text, next_step="")

    @property
    def customer_text(self) -> str:
        return self.public_message


def guarded(step: Callable[[], Reply | Later], what: str) -> Reply | Later:
    """Run a step; a BffError becomes its customer text, any other error a "sorry"."""
    try:
        return step()
    except errors.BffError as error:
        logger.info("SMS %s: %s: %s", what, type(error).__name__, error.detail)
        return Reply(error.customer_text)
    except Exception:
        logger.exception("SMS %s failed", what)
        return Reply(texts.SORRY)
