"""The plain reason of a cloud call, from what the call log stored (status and error): the one table.

The log's error text starts with the error's type (bff/errors/cloud.py), e.g. "DeviceOwnedByOther
(HTTP 403) from POST /v1/devices: That belongs to someone else."; the type says most, then a few of
the cloud's phrases, then the HTTP status. Operators still see the cloud's own words beside it.
"""
from __future__ import annotations

OK = "OK"
NO_ANSWER = "No answer: timed out or connection failed"

BY_ERROR_TYPE = {
    "DeviceOwnedByOther": "The device belongs to another account",
    "DeviceNotFound": "The cloud does not know this device ID",
    "DeviceNotInProduct": "The device is not in the product yet: import it first",
    "DeviceOffline": "The device is off or has no signal",
    "AlreadyExists": "It was already there: nothing to do",
    "RateLimited": "Too many requests: the cloud asked us to slow down",
    "Unauthorized": "The token or the client credentials were not accepted",
    "ApiUserNotAllowed": "The product's API user lacks a permission (scope) for this: give it the scope named here",
}
BY_PHRASE = {
    "belongs to someone else": BY_ERROR_TYPE["DeviceOwnedByOther"],
    "device offline": BY_ERROR_TYPE["DeviceOffline"],
    "timed out": NO_ANSWER,
    "connection failed": NO_ANSWER,
}
BY_STATUS = {
    400: "The cloud did not accept the request",
    401: BY_ERROR_TYPE["Unauthorized"],
    403: "Not allowed with these credentials",
    404: "The cloud does not know what we asked for",
    429: BY_ERROR_TYPE["RateLimited"],
}
SERVER_TROUBLE = "The cloud had trouble (a server error); it usually passes, bff retries"
OTHER_FAILURE = "Failed: see the cloud's words and its reply"


def plain_reason(status: int | None, error: str | None) -> str:
    """What happened to a call, in plain words."""
    if error is None:
        return OK
    error_type = error.split(" ", 1)[0]
    if error_type in BY_ERROR_TYPE:
        return BY_ERROR_TYPE[error_type]
    said = error.lower()
    for phrase, reason in BY_PHRASE.items():
        if phrase in said:
            return reason
    if status is None:
        return NO_ANSWER
    if status >= 500:
        return SERVER_TROUBLE
    return BY_STATUS.get(status, OTHER_FAILURE)
