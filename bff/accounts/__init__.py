"""People: customers known by phone, operators with passwords, sign-in codes, rate limits, API tokens."""
from bff.accounts.api_tokens import ApiCaller, ApiTokens
from bff.accounts.phones import normalize_phone
from bff.accounts.service import CUSTOMER, OPERATOR, AccountService, User

__all__ = ["AccountService", "ApiCaller", "ApiTokens", "CUSTOMER", "OPERATOR", "User", "normalize_phone"]
