"""Operators: their roles, the second sign-in factor, managing them (admins)."""
from bff.operators.service import OperatorAccount, OperatorService

__all__ = ["OperatorAccount", "OperatorService"]
