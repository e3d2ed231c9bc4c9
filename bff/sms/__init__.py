"""The SMS channel: text commands in, plain one-segment answers out.

`webhook.py` (`POST /sms`, `/sms/status`), `inbox.py` (dedupe, reply
deadline, late results), `parse.py` (the commands people type), `commands.py` (what each does,
over the services), `texts.py` (every reply), `status_reply.py` (the STATUS answer).
Sending SMS and Twilio's signatures are the Twilio adapter's (bff/twilio/).
"""
