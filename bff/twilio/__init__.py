"""The Twilio adapter: the only code that imports the twilio library.

- `sender.py`: `SmsSender`, outbound SMS through Twilio's REST API (or kept in the outbox).
- `gsm.py`: text as one plain GSM-7 segment.
- `webhooks.py`: the webhook signature and TwiML replies.
"""
