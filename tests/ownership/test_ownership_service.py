"""OwnershipService against the sandbox cloud: release, give, re-read, label reprint, and the
device doctor's problems, each audited (refusals and failures too)."""
from __future__ import annotations

import pytest

from bff import errors
from tests.support import OTHER_PHONE

NEW_PHONE = "+12015550177"


def cloud_owner(control, device_id):
    return control.device(device_id)["owner"]


def claimed_for(claims, person, device_id, desk):
    claim, outcome = claims.request_claim_for(person.id, device_id, operator_id=desk.id, channel="ops")
    return claim, outcome


def actions(audit, action):
    return [(entry.result, entry.detail) for entry in audit.entries(action=action)]


def problem_keys(ownership, device_id):
    return [problem.key for problem in ownership.report(device_id).problems]


# -- release ---------------------------------------------------------------------------------------


def test_release_clears_the_owner_in_the_cloud_and_in_bff_and_keeps_the_label(
        ownership, claims, store, control, audit, person, desk, online_device):
    claim, outcome = claimed_for(claims, person, online_device, desk)
    assert outcome == "claimed" and cloud_owner(control, online_device)
    label_code = store.device(online_device)["label_code"]
    assert ownership.release(online_device, actor=desk) == person.id
    assert cloud_owner(control, online_device) is None
    row = store.device(online_device)
    assert row["owner"] is None and row["label_code"] == label_code
    [entry] = audit.entries(action="device.release")
    assert (entry.result, entry.person_id, entry.device_id, entry.actor_login) == ("ok", person.id, online_device, "desk")
    assert not ownership.report(online_device).problems


def test_release_is_refused_while_a_claim_is_open(ownership, claims, store, control, audit, person, desk,
                                                  offline_device):
    claim, outcome = claimed_for(claims, person, offline_device, desk)
    assert outcome == "waiting"
    control.clear_requests()
    with pytest.raises(errors.ReleaseRefused):
        ownership.release(offline_device, actor=desk)
    assert control.requests(method="DELETE") == []
    assert actions(audit, "device.release") == [("refused", f"claim {claim.id} is open")]
    assert claims.claim(claim.id).state == "waiting_for_device"


def test_a_release_the_cloud_refuses_is_audited_with_its_words(ownership, claims, store, control, audit,
                                                               person, desk, online_device):
    claimed_for(claims, person, online_device, desk)
    control.add_fault(path="/v1/products/*/devices/*/owner", method="DELETE", status=500)
    with pytest.raises(errors.CloudError):
        ownership.release(online_device, actor=desk)
    [(result, detail)] = actions(audit, "device.release")
    assert result == "failed" and detail.startswith("CloudUnavailable")
    assert store.device(online_device)["owner"] == cloud_owner(control, online_device)  # nothing changed


def test_release_of_a_device_bff_does_not_know_is_refused(ownership, audit, desk, online_device):
    with pytest.raises(errors.FixRefused):
        ownership.release(online_device, actor=desk)
    assert actions(audit, "device.release") == [("refused", "bff does not know this device")]


# -- give ------------------------------------------------------------------------------------------


def test_give_moves_the_device_to_the_person_of_a_phone(ownership, claims, store, control, audit, sms,
                                                        person, desk, online_device):
    claimed_for(claims, person, online_device, desk)
    claim, outcome, new_owner = ownership.give(online_device, NEW_PHONE, actor=desk)
    assert outcome == "claimed" and new_owner.phone == NEW_PHONE
    username = store.shadow_customer(new_owner.id, claim.product_key)["username"]
    assert cloud_owner(control, online_device) == username == store.device(online_device)["owner"]
    assert [e.result for e in audit.entries(action="device.give")] == ["ok"]
    assert [e.result for e in audit.entries(action="device.release")] == ["ok"]
    assert [e.result for e in audit.entries(action="claim.for")][0] == "ok"
    assert sms.outbox(to=NEW_PHONE), "the new owner gets a text"
    assert not ownership.report(online_device).problems


def test_give_to_a_bad_phone_changes_nothing(ownership, claims, store, control, audit, person, desk,
                                             online_device):
    claimed_for(claims, person, online_device, desk)
    owner = cloud_owner(control, online_device)
    with pytest.raises(errors.InvalidPhoneNumber):
        ownership.give(online_device, "not a phone", actor=desk)
    assert cloud_owner(control, online_device) == owner == store.device(online_device)["owner"]
    assert actions(audit, "device.give") == [("refused", "not a phone number")]
    assert audit.entries(action="device.release") == []


def test_give_of_an_offline_device_waits_for_it(ownership, claims, store, control, person, other_person,
                                                desk, online_device):
    claimed_for(claims, person, online_device, desk)
    control.power(online_device, False)
    claim, outcome, new_owner = ownership.give(online_device, OTHER_PHONE, actor=desk)
    assert outcome == "waiting" and new_owner.id == other_person.id
    assert cloud_owner(control, online_device) is None
    assert "waiting_offline" in problem_keys(ownership, online_device)


# -- re-read and the problems -----------------------------------------------------------------------


def test_an_owner_mismatch_is_found_and_reread_takes_the_clouds_owner(
        ownership, claims, particle, store, control, audit, electron, person, other_person, desk,
        online_device):
    claimed_for(claims, person, online_device, desk)
    particle.unclaim_device(electron["slug"], online_device)  # behind bff's back
    other = particle.ensure_customer(electron["slug"], other_person.id)
    particle.claim_device(electron["slug"], other, online_device)
    report = ownership.report(online_device)
    [problem] = report.problems
    assert problem.key == "owner_mismatch" and set(problem.fixes) == {"reread", "release", "give"}
    assert report.cloud_owner_person.id == other_person.id and report.bff_owner_person.id == person.id
    ownership.reread(online_device, actor=desk)
    assert store.device(online_device)["owner"] == other == cloud_owner(control, online_device)
    assert not ownership.report(online_device).problems
    [entry] = audit.entries(action="device.reread")
    assert entry.result == "ok" and entry.person_id == other_person.id


def test_a_device_not_in_the_product(ownership, store, control, electron, audit, desk):
    loose = control.create_device("electron", None, online=True)["id"]
    store.upsert_device(loose, product_key=electron["slug"])  # imported once, removed since
    store.ensure_label_code(loose, lambda: "K7Q2M9XA3F4T")
    report = ownership.report(loose)
    assert report.in_product is False and [p.key for p in report.problems] == ["not_in_product"]
    assert report.problems[0].fixes == ("import",)
    with pytest.raises(errors.FixRefused):
        ownership.reread(loose, actor=desk)
    assert actions(audit, "device.reread") == [("refused", "in none of the products")]


def test_an_unknown_device(ownership):
    report = ownership.report("0123456789abcdef01234567")
    assert not report.known and report.in_product is False
    assert [p.key for p in report.problems] == ["unknown"]


def test_a_product_device_bff_has_not_kept_is_kept_by_reread(ownership, store, desk, online_device):
    assert problem_keys(ownership, online_device) == ["not_in_bff"]
    ownership.reread(online_device, actor=desk)
    row = store.device(online_device)
    assert row["label_code"] and row["online"] == 1 and row["last_seen_at"]
    assert ownership.report(online_device).problems == []


def test_a_claim_refused_because_someone_else_owns_the_device(ownership, claims, particle, control, electron,
                                                              person, other_person, desk, online_device):
    claimed_for(claims, other_person, online_device, desk)
    store_owner = cloud_owner(control, online_device)
    claim, outcome = claimed_for(claims, person, online_device, desk)
    assert outcome == "refused"
    report = ownership.report(online_device)
    assert "owned_by_other" in [p.key for p in report.problems]
    ownership.release(online_device, actor=desk)
    assert cloud_owner(control, online_device) is None != store_owner
    claim, outcome = claimed_for(claims, person, online_device, desk)
    assert outcome == "claimed"
    assert ownership.report(online_device).problems == []  # the refused call was made good since


def test_a_waiting_claim_of_a_long_offline_device(ownership, claims, person, desk, offline_device):
    claimed_for(claims, person, offline_device, desk)
    report = ownership.report(offline_device)
    problem = next(p for p in report.problems if p.key == "waiting_offline")
    assert problem.fixes == ("retry", "cancel") and "switch it on" in problem.explanation
    assert [p.key for p in report.problems] == ["waiting_offline"]  # the refused claim call is said there
    assert {"release", "give"}.isdisjoint(report.fixes)


def test_no_label_code_and_the_reprint_makes_one(ownership, store, audit, desk, online_device):
    ownership.reread(online_device, actor=desk)
    store.db.execute("UPDATE devices SET label_code = NULL WHERE device_id = ?", [online_device])
    assert "no_label_code" in problem_keys(ownership, online_device)
    row = ownership.label_for(online_device, actor=desk)
    assert row["label_code"] and store.device(online_device)["label_code"] == row["label_code"]
    assert "no_label_code" not in problem_keys(ownership, online_device)
    assert actions(audit, "label.reprint") == [("ok", "new label code")]


def test_failing_cloud_calls_are_a_problem_with_the_clouds_words(ownership, store, control, desk, online_device):
    ownership.reread(online_device, actor=desk)
    control.add_fault(path="/v1/products/*/devices/*", method="GET", status=503, times=1)
    report = ownership.report(online_device)
    assert [p.key for p in report.problems] == ["cloud_unreachable"]
    report = ownership.report(online_device)  # the cloud answers again; the failed call is in the log
    problem = next(p for p in report.problems if p.key == "cloud_errors")
    assert "503" in problem.explanation
    assert report.calls[0].raw  # the raw text of the failed call, shown on demand
