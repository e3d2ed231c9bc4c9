"""bff/accounts: people's phone numbers, sign-in codes, operators."""
