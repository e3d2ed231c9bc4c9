"""bff/sms: the SMS channel, texted as Twilio delivers texts."""
