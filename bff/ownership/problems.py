"""What can be wrong with a device, in support's words: each check reads a `DeviceReport` and
returns a `Problem` (what is wrong, why, and which fixes apply) or None.

The questions support hears: the device is not in the product (never imported), or the product
holds it back (quarantined, denied); bff and the cloud disagree on the owner (customers mode only:
in product mode the cloud keeps no owner); a claim waits for an offline device; a claim is stuck on cloud trouble; a claim was refused because
the device belongs to someone else; the product's API user lacks a scope (product mode); the box
has no label code; the last calls to the cloud failed.
"""
from __future__ import annotations

from bff.errors import ApiUserNotAllowed, missing_scope_words
from bff.ownership.report import (
    CANCEL, GIVE, IMPORT, LABEL, REREAD, RELEASE, RETRY, DeviceReport, Problem,
)
from bff.particle.api_users import scope_for

LONG_OFFLINE_SECONDS = 24 * 3600
CLAIM_CALL = ("POST", "/v1/devices")  # a claim (refused while the device is offline)  # offline longer than this: the customer should check power and signal


def available_fixes(report: DeviceReport) -> frozenset[str]:
    """The fixes that can be done to the device as it is now."""
    fixes = set()
    if report.open_claim is not None:
        fixes |= {RETRY, CANCEL}
    if report.known and report.in_product is not False and report.open_claim is None:
        fixes |= {RELEASE} if report.held else {RELEASE, GIVE}  # a held device cannot be given
    if report.in_product:
        fixes.add(REREAD)
    if report.known:
        fixes.add(LABEL)
    if report.in_product is False or report.held:
        fixes.add(IMPORT)
    return frozenset(fixes)


def find_problems(report: DeviceReport, now: float) -> list[Problem]:
    """Every problem of the device, worst first, each with only the fixes that apply now."""
    found = [check(report, now) for check in CHECKS]
    return [Problem(p.key, p.title, p.explanation, tuple(f for f in p.fixes if f in report.fixes))
            for p in found if p is not None]


def owner_words(username: str | None, person) -> str:
    """Who an owner is, in words: a person of bff, a customer bff does not know, or nobody."""
    if not username:
        return "nobody"
    return person.label if person is not None else f"a customer bff does not know ({username})"


def ago(seconds: float) -> str:
    """A duration in plain words: "5 minutes", "3 hours", "2 days"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute"


# -- the checks --------------------------------------------------------------------------------------


def _unknown_device(report: DeviceReport, now: float) -> Problem | None:
    if report.known or report.in_product is not False:
        return None
    return Problem("unknown", "bff does not know this device",
                   "No product of ours has this device ID, and bff has never seen it. Check the ID "
                   "(24 characters, 0-9 and a-f, from the device or its box). If it is right, the "
                   "device was never imported: import it into its product first.", (IMPORT,))


def _not_in_product(report: DeviceReport, now: float) -> Problem | None:
    if not report.known or report.in_product is not False:
        return None
    return Problem("not_in_product", "The device is not in the product",
                   f"The cloud says {report.product_name or report.product_key} does not have this "
                   "device: it was never imported, or it was removed. Nobody can claim it until it "
                   "is imported again.", (IMPORT,))


def _held_by_product(report: DeviceReport, now: float) -> Problem | None:
    """The product holds the device in quarantine (it came online with the product's firmware
    before its ID was added; Device OS 3.x and earlier) or denied it: approving it (an import)
    lets it publish and take firmware (docs/particle.md#product-devices); product-mode claims of
    it are refused (bff/claims/service.py)."""
    if not report.held:
        return None
    product = report.product_name or report.product_key
    why = ("came online with the product's firmware before its ID was added, and the product does not "
           "approve new devices by itself" if report.held == "quarantined" else "was denied in the product")
    return Problem("held_by_product", f"The device is {report.held} in the product",
                   f"{product} holds this device back: it {why}. Until it is approved it cannot publish events "
                   "or get firmware updates, and in product mode nobody can claim it. Import its ID into the "
                   "product: that approves it. Then the customer can claim it again.",
                   (IMPORT,))


def _not_in_bff(report: DeviceReport, now: float) -> Problem | None:
    if report.known or not report.in_product:
        return None
    return Problem("not_in_bff", "bff has not kept this device yet",
                   f"The device is in {report.product_name or report.product_key}, but bff has no "
                   "record of it yet (no label code, no owner on record). Read it from the cloud to "
                   "keep it.", (REREAD,))


def _cloud_unreachable(report: DeviceReport, now: float) -> Problem | None:
    error = report.cloud_error
    if error is None or isinstance(error, ApiUserNotAllowed):  # said by _api_user_refused
        return None
    said = getattr(error, "cloud_message", None) or getattr(error, "detail", str(error))
    return Problem("cloud_unreachable", "We could not ask the cloud about this device",
                   f"{error.public_message} The cloud said: {said}. What you see below is bff's own "
                   "record and may be out of date. Reload this page in a few minutes.")


def _api_user_refused(report: DeviceReport, now: float) -> Problem | None:
    """Product mode: the cloud refused the API user's token (a missing scope), on the doctor's own
    read, on a call about the device, or on the device's last claim."""
    refused = [call for call in unresolved_failures(report.calls) if _api_user_words(call.error)]
    latest = report.claims[0] if report.claims else None
    claim_failed = latest is not None and not latest.open and _api_user_words(latest.last_error)
    error = report.cloud_error if isinstance(report.cloud_error, ApiUserNotAllowed) else None
    if not (refused or claim_failed or error):
        return None
    scope = error.scope if error else scope_for(refused[0].method, refused[0].path.split("?", 1)[0]) if refused else None
    text = missing_scope_words(scope)
    if claim_failed:
        text += (f" The last claim, for {latest.person.label}, failed because of it: once the API user "
                 "has the scope, they can claim again, or give the device to them.")
    return Problem("api_user_scope", "The product's API user may not do this", text, (REREAD, GIVE))


def _api_user_words(error: str | None) -> bool:
    return (error or "").startswith("ApiUserNotAllowed")


def _owner_mismatch(report: DeviceReport, now: float) -> Problem | None:
    if not (report.known and report.in_product) or report.owners_agree or not report.owners_in_cloud:
        return None
    cloud = owner_words(report.cloud_owner, report.cloud_owner_person)
    ours = owner_words(report.bff_owner, report.bff_owner_person)
    return Problem("owner_mismatch", "bff and the cloud disagree on the owner",
                   f"The cloud says the owner is {cloud}; bff says {ours}. The customer's devices "
                   "page and the cloud do not match. Read the device from the cloud to take the "
                   "cloud's owner, or release it, or give it to the right person.",
                   (REREAD, RELEASE, GIVE))


def _waiting_offline(report: DeviceReport, now: float) -> Problem | None:
    claim = report.open_claim
    if claim is None or claim.state != "waiting_for_device":
        return None
    heard = ("it has not been heard from yet" if report.last_heard is None
             else f"it was last heard {ago(now - report.last_heard)} ago")
    text = (f"The claim for {claim.person.label} has waited {ago(now - claim.created_at)}: the device is "
            f"offline ({heard}). It finishes by itself when the device comes online.")
    if report.last_heard is None or now - report.last_heard > LONG_OFFLINE_SECONDS:
        text += " Ask the customer to switch it on and check that it has signal."
    return Problem("waiting_offline", "The claim waits for the device to come online", text, (RETRY, CANCEL))


def _stuck_claim(report: DeviceReport, now: float) -> Problem | None:
    claim = report.open_claim
    if claim is None or claim.state != "requested" or not claim.last_error:
        return None
    return Problem("claim_trouble", "The claim keeps meeting cloud trouble",
                   f"The claim for {claim.person.label} has been tried {claim.attempts} times; the last "
                   f"try failed: {claim.last_error}. bff tries again by itself; try now to see the "
                   "answer at once.", (RETRY, CANCEL))


def _refused(report: DeviceReport, now: float) -> Problem | None:
    latest = report.claims[0] if report.claims else None
    if latest is None or latest.state not in ("refused", "failed"):
        return None
    if _api_user_words(latest.last_error):
        return None  # said by _api_user_refused
    if report.held and (latest.last_error or "").startswith("DeviceNotInProduct"):
        return None  # said by _held_by_product (giving it would be refused the same way)
    if (latest.last_error or "").startswith("DeviceOwnedByOther"):
        owner = (owner_words(report.cloud_owner, report.cloud_owner_person) if report.owners_in_cloud
                 else owner_words(report.bff_owner, report.bff_owner_person))
        return Problem("owned_by_other", "The claim was refused: the device belongs to someone else",
                       f"The last claim, for {latest.person.label}, was refused because "
                       f"{'the cloud' if report.owners_in_cloud else 'bff'} says "
                       f"the device is owned by {owner}. If {latest.person.label} should have it, "
                       "release it (then they can claim again) or give it to them.", (RELEASE, GIVE))
    ended = "was refused" if latest.state == "refused" else "failed"
    return Problem("claim_" + latest.state, f"The last claim {ended}",
                   f"The last claim, for {latest.person.label}, {ended}: "
                   f"{latest.last_error or 'no reason recorded'}. Give the device to them to claim it again.",
                   (GIVE,))


def _no_label_code(report: DeviceReport, now: float) -> Problem | None:
    if not report.known or report.label_code:
        return None
    return Problem("no_label_code", "The device has no label code",
                   "Without a label code its box label cannot be printed and the code cannot be typed. "
                   "Print its label: that gives it a code.", (LABEL,))


def _failing_calls(report: DeviceReport, now: float) -> Problem | None:
    failed = [call for call in unresolved_failures(report.calls) if not _api_user_words(call.error)]
    if report.open_claim is not None and report.open_claim.state == "waiting_for_device":
        failed = [call for call in failed if (call.method, call.path) != CLAIM_CALL]  # said above
    if not failed:
        return None
    newest = failed[0]
    return Problem("cloud_errors", "Calls to the cloud about this device failed",
                   f"{len(failed)} of the last {len(report.calls)} calls failed and have not worked since. "
                   f"The newest: {newest.method} {newest.path} answered {newest.status or 'nothing'}: "
                   f"{str(newest.error).rstrip('.')}. See the calls below for the cloud's own words.",
                   (REREAD,))


def unresolved_failures(calls: list) -> list:
    """The failed calls (newest first) that no later call of the same method and path made good."""
    worked, failed = set(), []
    for call in calls:  # newest first
        kind = (call.method, call.path)
        if call.error is None:
            worked.add(kind)
        elif kind not in worked:
            failed.append(call)
    return failed


CHECKS = (_unknown_device, _not_in_product, _held_by_product, _not_in_bff, _cloud_unreachable, _api_user_refused, _owner_mismatch,
          _refused, _waiting_offline, _stuck_claim, _no_label_code, _failing_calls)
