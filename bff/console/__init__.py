"""`/console`, sandbox mode only: demo devices with their labels, device power, the SMS outbox and
a phone-SMS simulator."""
