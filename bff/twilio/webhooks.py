"""Twilio's side of a webhook: the request signature and the TwiML reply (docs/twilio.md#webhooks).

Twilio signs every webhook request with the account's auth token (HMAC-SHA1 over the full URL
and the sorted form parameters, in `X-Twilio-Signature`); the twilio library computes it.
"""
from __future__ import annotations

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

SIGNATURE_HEADER = "X-Twilio-Signature"


def signature(auth_token: str, url: str, params: dict) -> str:
    """The signature Twilio sends with a request of `params` to `url`."""
    return RequestValidator(auth_token).compute_signature(url, params)


def valid_signature(auth_token: str, url: str, params, signature_sent: str) -> bool:
    """Whether `signature_sent` is Twilio's signature of this request (constant-time)."""
    return bool(signature_sent) and RequestValidator(auth_token).validate(url, params, signature_sent)


def twiml_message(text: str) -> str:
    """A TwiML reply: `<Response><Message>text</Message></Response>`, or an empty `<Response/>`."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
