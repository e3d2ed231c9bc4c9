"""The claims service against the sandbox: every outcome, idempotency, waiting, retries."""
from __future__ import annotations

import threading

import pytest

from bff import errors, labels
from bff.claims.service import Claim, ClaimsService

from tests.support import LABEL_KEY, PHONE

NOT_YOURS = "We could not add this device to your account."


def claim_calls(control, device_id=None):
    """The claim requests (`POST /v1/devices`) the sandbox received."""
    return control.requests("/v1/devices", "POST")


def owner_of(control, device_id):
    return control.device(device_id)["owner"]


def test_an_online_device_is_claimed_with_one_tap(claims, person, online_device, tag, control, store):
    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert (claim.state, claim.outcome, claim.succeeded, claim.done) == ("claimed", "claimed", True, True)
    assert claim.title == "This device is yours"
    username = store.shadow_customer(person.id, claim.product_key)["username"]
    assert owner_of(control, online_device) == username
    assert [d.device_id for d in claims.devices.owned_devices(person.id)] == [online_device]


def test_the_device_id_may_be_upper_case(claims, person, online_device, tag):
    claim = claims.request_claim(person.id, online_device.upper(), channel="web", tag=tag(online_device))

    assert claim.device_id == online_device and claim.succeeded


@pytest.mark.parametrize("bad_tag", [None, "", "aaaaaaaaaaaaaaaa", "not a tag"])
def test_a_claim_without_the_right_tag_is_refused_and_changes_nothing(claims, person, online_device,
                                                                    bad_tag, control, store):
    with pytest.raises(errors.ClaimRefused) as refused:
        claims.request_claim(person.id, online_device, channel="web", tag=bad_tag)

    assert refused.value.public_message == NOT_YOURS
    assert claim_calls(control) == []
    assert store.claims_of_user(person.id) == []


def test_unknown_and_someone_elses_devices_read_the_same(claims, person, other_person, online_device,
                                                        tag, control):
    claims.request_claim(other_person.id, online_device, channel="web", tag=tag(online_device))
    unknown = "0123456789abcdef01234567"

    with pytest.raises(errors.ClaimRefused) as unknown_refusal:
        claims.request_claim(person.id, unknown, channel="web", tag=tag(unknown))
    someone_elses = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert someone_elses.state == "refused"
    assert someone_elses.message == unknown_refusal.value.public_message == NOT_YOURS
    assert someone_elses.next_step == unknown_refusal.value.next_step
    assert "belongs to someone else" not in someone_elses.message  # never the cloud's words


def test_a_repeated_request_returns_the_same_claim_without_calling_the_cloud(claims, person, online_device,
                                                                            tag, control):
    first = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    control.clear_requests()

    again = claims.request_claim(person.id, online_device, channel="sms", tag=tag(online_device))

    assert again.id == first.id and again.succeeded
    assert control.requests() == []


def tap_together(*taps) -> list:
    """Run each tap in its own thread, all released at once; what each returned or raised, in order."""
    barrier = threading.Barrier(len(taps))
    outcomes: list = [None] * len(taps)

    def run(index, tap):
        barrier.wait(timeout=10)
        try:
            outcomes[index] = tap()
        except BaseException as error:  # noqa: BLE001 - kept, and the test fails on it below
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, tap), daemon=True) for i, tap in enumerate(taps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a tap did not finish"
    return outcomes


def test_concurrent_double_taps_make_one_claim_and_one_cloud_claim(claims, person, online_device, tag,
                                                                  control, store):
    control.clear_requests()

    def tap():
        return claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    outcomes = tap_together(tap, tap, tap, tap)

    assert all(isinstance(outcome, Claim) for outcome in outcomes), outcomes  # no tap raised
    assert len({claim.id for claim in outcomes}) == 1
    assert {claim.state for claim in outcomes} <= {"requested", "claimed"}  # a tap mid-attempt: "working on it"
    assert claims.claim(outcomes[0].id).succeeded
    assert len(store.claims_of_user(person.id)) == 1
    assert len(claim_calls(control)) == 1


@pytest.fixture
def second_store(store):
    """Another connection to the test's database, as another process has."""
    other = type(store)(store.path)
    yield other
    other.close()


def test_taps_in_two_processes_at_once_make_one_claim(store, second_store, particle, particle_factory, sms, clock,
                                                      person, online_device, tag, control):
    """The web process and the SMS process, each with its own database connection, at the same moment."""
    web = ClaimsService(store, particle, sms, label_key=LABEL_KEY, clock=clock)
    texts = ClaimsService(second_store, particle_factory(store=second_store), sms, label_key=LABEL_KEY,
                          clock=clock)
    control.clear_requests()

    outcomes = tap_together(
        lambda: web.request_claim(person.id, online_device, channel="web", tag=tag(online_device)),
        lambda: texts.request_claim(person.id, online_device, channel="sms", tag=tag(online_device)),
    )

    assert all(isinstance(outcome, Claim) for outcome in outcomes), outcomes
    assert outcomes[0].id == outcomes[1].id and web.claim(outcomes[0].id).succeeded
    assert len(store.claims_of_user(person.id)) == 1
    assert len(claim_calls(control)) == 1


def test_a_returning_customers_claim_costs_one_cloud_request(claims, person, control, tag, electron):
    first, second = control.demo_devices(electron["id"], online=True)[:2]
    claims.request_claim(person.id, first["id"], channel="web", tag=tag(first["id"]))
    claims.devices.find(second["id"])  # bff knows the device (import / reconcile), as in production
    control.clear_requests()

    claim = claims.request_claim(person.id, second["id"], channel="web", tag=tag(second["id"]))

    assert claim.succeeded
    assert [(r["method"], r["path"]) for r in control.requests()] == [("POST", "/v1/devices")]


def test_an_offline_device_waits_and_is_finished_when_it_comes_online(claims, person, offline_device, tag,
                                                                     control, sms):
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    assert (claim.state, claim.outcome, claim.done) == ("waiting_for_device", "waiting", False)
    assert "Switch the device on" in claim.next_step
    assert sms.outbox(to=PHONE) == []

    control.power(offline_device, True)
    claims.device_online(claim.product_key, offline_device)

    finished = claims.claim(claim.id)
    assert finished.succeeded and finished.outcome == "claimed"
    [text] = sms.outbox(to=PHONE)
    assert "now on your account" in text["body"] and len(text["body"]) <= 160


def test_a_waiting_claim_survives_a_restart(store, particle, sms, clock, person, offline_device, tag, control):
    before = ClaimsService(store, particle, sms, label_key=LABEL_KEY, clock=clock)
    claim = before.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    store.close()  # the process dies; a new one opens the same database file

    control.power(offline_device, True)
    clock.advance(3600)
    after = ClaimsService(type(store)(store.path), particle, sms, label_key=LABEL_KEY, clock=clock)

    assert after.retry_due() == 1
    assert after.claim(claim.id).succeeded


def test_a_claim_by_another_person_while_one_waits_is_refused_plainly(claims, person, other_person,
                                                                     offline_device, tag):
    claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))

    with pytest.raises(errors.ClaimRefused) as refused:
        claims.request_claim(other_person.id, offline_device, channel="web", tag=tag(offline_device))

    assert refused.value.customer_text.startswith(NOT_YOURS)


def test_cloud_trouble_keeps_the_claim_and_retries_it_later(claims, person, online_device, tag, control,
                                                          clock, sms):
    control.add_fault(path="/v1/devices", method="POST", status=503)

    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    assert (claim.state, claim.done, claim.title) == ("requested", False, "Working on it")
    assert claims.retry_due() == 0  # not due yet

    control.clear_faults()
    clock.advance(60)
    assert claims.retry_due() == 1
    assert claims.claim(claim.id).succeeded
    assert len(sms.outbox(to=PHONE)) == 1  # they were told to wait, so they get a text


def test_a_429_is_honoured_before_the_next_try(claims, person, online_device, tag, control, clock, store):
    control.add_fault(path="/v1/devices", method="POST", status=429, retry_after=120)

    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    row = store.claim_row(claim.id)
    assert row["next_attempt_at"] >= clock.now + 120
    assert "RateLimited" in row["last_error"]


def test_a_device_typed_by_label_code(claims, person, online_device, tag, store):
    device = claims.devices.find(online_device)
    code = labels.format_label_code(device.label_code)

    assert claims.device_for_label_code(code.lower()).device_id == online_device
    claim = claims.request_claim(person.id, online_device, channel="web", label_code=code)
    assert claim.succeeded

    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(labels.LabelCodeTypoError):
        claims.device_for_label_code(typo)


def test_operators_may_claim_by_bare_device_id(claims, person, online_device):
    claim = claims.request_claim(person.id, online_device, channel="ops", operator=True)

    assert claim.succeeded and claim.channel == "ops"


def test_a_device_in_no_configured_product_is_refused(claims, person, control, tag):
    stray = control.create_device("electron", product=None, online=True)["id"]

    with pytest.raises(errors.ClaimRefused):
        claims.request_claim(person.id, stray, channel="web", tag=tag(stray))


def test_reloading_while_the_device_is_off_returns_the_waiting_claim(claims, person, offline_device, tag,
                                                                   control):
    first = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    control.clear_requests()

    again = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))

    assert again.id == first.id and again.state == "waiting_for_device"
    assert claim_calls(control) == []
