"""`LifecycleService`: after the first claim, for every channel (pages, SMS, JSON API) and the worker.

- remove, give (bff/ownership/gives.py); ask the owner, stop asks, operators' decisions (asks.py);
  share, unshare, leave (shares.py); YES/NO questions and answers (answers.py);
- moves, durable first, with a lease, resumed by the worker (moves.py); offers, their texts,
  cancel and expiry (offers.py); every text (texts.py); errors (bff/errors/lifecycle.py).

Each change and its webhook event (`device.released`, `device.given`, `device.shared`,
`device.unshared`) are written in one `store.transaction()`. Nobody's phone number is shown to
the other side. The worker calls `resume_moves`, `expire_offers` and `text_unsent_questions`.
"""
from __future__ import annotations

from bff.ownership.answers import Answer, Answers, Question
from bff.ownership.asks import Asks
from bff.ownership.gives import Gives
from bff.ownership.moves import Move
from bff.ownership.offers import Offer
from bff.ownership.shares import Share, Shares

__all__ = ["Answer", "LifecycleService", "Move", "Offer", "Question", "Share"]


class LifecycleService(Gives, Asks, Shares, Answers):
    """Remove, give, ask, share, answer; built once in bff/wiring.py (`services.lifecycle`).

    `LifecycleService(store, particle, claims, devices, accounts, sms, events, audit,
    public_url=..., rate_limit=accounts.hit_rate_limit, clock=...)`.
    """
