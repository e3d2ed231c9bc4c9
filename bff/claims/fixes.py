"""What support staff may do to an open claim: try it again now, or cancel it (the person is texted
the reason). Mixed into `ClaimsService`; every call is written to the audit log, refusals too.

Races: "retry now" takes the same lease as the worker (`lease_claim`), so a claim the worker is
trying is not tried twice (`ClaimBusy`); "cancel" only ends a claim that is open and not being tried.
"""
from __future__ import annotations

from bff import errors
from bff.audit import OK, REFUSED
from bff.claims.texts import CANCEL_REASONS, CANCELLED_TEXT

CANCELLED_PURPOSE = "claim_cancelled"  # outbound SMS: an operator cancelled your claim


class ClaimFixes:
    """retry_now and cancel (needs self.store, self.audit, self.sms, self.devices, self.clock)."""

    def retry_now(self, claim_id: int, *, actor):
        """Try an open claim at once; the claim as it is after the attempt."""
        claim = self._open_for_fix(claim_id, actor, "claim.retry")
        if not self.attempt(claim_id):
            self._audit_refusal(actor, "claim.retry", claim, "being tried right now")
            raise errors.ClaimBusy(f"claim {claim_id} is leased")
        after = self.claim(claim_id)
        self._audit(actor, "claim.retry", after, OK, f"claim {claim_id}: {after.state}")
        return after

    def cancel(self, claim_id: int, *, actor, reason: str):
        """End an open claim; the person gets a text with the reason (a key of CANCEL_REASONS)."""
        if reason not in CANCEL_REASONS:
            raise errors.OpsError(f"unknown cancel reason {reason!r}",
                                  public_message="Please choose why the claim is cancelled.",
                                  next_step="Pick one of the reasons and try again.")
        claim = self._open_for_fix(claim_id, actor, "claim.cancel")
        if not self.store.cancel_claim(claim_id, last_error=f"cancelled by {actor.login}: {reason}",
                                       now=self.clock()):
            self._audit_refusal(actor, "claim.cancel", claim, "being tried right now, or just finished")
            raise errors.ClaimBusy(f"claim {claim_id} is leased or finished")
        self._text_cancelled(claim, reason)
        self._audit(actor, "claim.cancel", claim, OK, f"claim {claim_id}: {reason}")
        return self.claim(claim_id)

    def _open_for_fix(self, claim_id: int, actor, action: str):
        claim = self.claim(claim_id)
        if claim is None:
            raise errors.ClaimNotOpen(f"no claim {claim_id}", public_message="There is no such claim.",
                                      next_step="Go back to the claims list.")
        if claim.done:
            self._audit_refusal(actor, action, claim, f"already {claim.state}")
            raise errors.ClaimNotOpen(f"claim {claim_id} is {claim.state}")
        return claim

    def _text_cancelled(self, claim, reason: str) -> None:
        phone = (self.store.user(claim.user_id) or {}).get("phone")
        if phone:
            text = CANCELLED_TEXT.format(device=self.devices.short_name(claim.device_id),
                                         reason=CANCEL_REASONS[reason])
            self.sms.send(phone, text, purpose=CANCELLED_PURPOSE, claim_id=claim.id)

    def _audit_refusal(self, actor, action: str, claim, why: str) -> None:
        self._audit(actor, action, claim, REFUSED, f"claim {claim.id}: {why}")

    def _audit(self, actor, action: str, claim, result: str, detail: str) -> None:
        if self.audit is not None:
            self.audit.record(actor, action, result=result, device_id=claim.device_id,
                              person_id=claim.user_id, detail=detail)
