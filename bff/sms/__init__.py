"""SMS, both sides of Twilio.

The channel (inbound): `webhook.py` (`POST /sms`, `/sms/status`), `inbox.py` (dedupe, reply
deadline, late results), `parse.py` (the commands people type), `commands.py` (what each does,
over the services), `texts.py` (every reply), `status_reply.py` (the STATUS answer).
The adapter (outbound): `sender.py` (Twilio or the outbox, GSM-7 segments), used by the services.
"""
