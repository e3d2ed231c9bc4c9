"""Claims: the one state machine every channel uses to put a device on a person's account.

- `service.py`: `ClaimsService` (requested -> claimed | waiting_for_device | refused | failed | cancelled).
- `fixes.py`: what support staff do to an open claim (retry now, cancel), audited.
- `texts.py`: every text a person reads about a claim, on a page or by SMS.
"""
from bff.claims.service import Claim, ClaimsService

__all__ = ["Claim", "ClaimsService"]
