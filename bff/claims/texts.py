"""What a person reads about a claim: on the page (title, message, next step) and by SMS.

Plain words a 12-year-old reads; every text says what happened and what to do next.
SMS texts are plain GSM-7 and fit one segment (160 characters) with a 24-character device name.
"""
from __future__ import annotations

# outcome (or state while open) -> (title, message, next step)
OUTCOME_TEXTS = {
    "claimed": (
        "This device is yours",
        "It is now on your account.",
        "You can close this page.",
    ),
    "already_yours": (
        "This device is already yours",
        "It was already on your account.",
        "There is nothing more to do.",
    ),
    "waiting": (
        "Waiting for your device",
        "The device is switched off or has no signal, so we could not finish yet.",
        "Switch the device on. We will finish by ourselves and send you a text.",
    ),
    "requested": (
        "Working on it",
        "This is taking a little longer than usual.",
        "You can close this page. We will send you a text when it is done.",
    ),
    "refused": (
        "We could not add this device",
        "We could not add this device to your account.",
        "Check the code on the label. If it is right, contact the seller for help.",
    ),
    "failed": (
        "Something went wrong",
        "We could not finish adding this device.",
        "Please try again later. If it keeps happening, contact the seller.",
    ),
    "cancelled": (
        "This claim was stopped",
        "Our support team stopped adding this device to your account.",
        "We sent you a text with the reason. Contact the seller if this is wrong.",
    ),
}

# final state -> SMS sent when a claim the person was told to wait for ends
NOTIFY_TEXTS = {
    "claimed": "Good news: your device {device} is now on your account. You do not need to do anything.",
    "refused": "We could not add your device {device} to your account. Check the code on the label, or contact the seller.",
    "failed": "We could not finish adding your device {device}. Please try again later, or contact the seller.",
}

# outcome -> SMS to a customer an operator claimed a device for (sent when the claim is new)
CLAIMED_FOR_YOU_TEXTS = {
    "claimed": "Your device {device} was added to your account. Text STATUS to see your devices.",
    "waiting": ("Your device {device} will be added to your account when it is switched on. "
                "Switch it on: we will text you when it is done."),
    # the device may well be on: the cloud is the trouble (a retryable cloud error)
    "requested": ("Your device {device} is being added to your account. We are having trouble reaching "
                  "the device cloud; we will keep trying and text you."),
}

# SMS to the person whose open claim an operator cancelled; {reason} is one of CANCEL_REASONS.
CANCELLED_TEXT = "We stopped adding the device {device} to your account: {reason} Contact the seller if this is wrong."

# Why an operator cancels a claim: the words the person reads (each ends with a full stop).
CANCEL_REASONS = {
    "wrong_device": "the box code belongs to another device.",
    "replaced": "the device is being replaced.",
    "not_yours": "the device is meant for someone else.",
    "duplicate": "it was asked for twice by mistake.",
    "customer_asked": "you asked us to stop.",
}
