"""bff/twilio: the SMS sender (outbox, or Twilio through a local fake) and GSM-7 texts."""
