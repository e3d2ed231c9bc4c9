"""`OperatorService`: operators' sign-in in two steps, and managing operators, audited.

Sign-in: the password (`AccountService.authenticate_operator`, argon2id, rate-limited), then for
admins and support staff a second factor: a one-time code texted to the operator's own phone,
checked by the same code machinery as customers' sign-in (hashed, single use, 5 tries, 10
minutes, send caps per phone and IP). We chose SMS over TOTP: every operator already has a phone
bff can text, nothing new is kept secret at rest, and the sandbox outbox shows the code to a
developer. Field crews sign in with their password only (gloves, weak signal).

Every change to an operator (created, role changed, switched off or on) is written to the audit log.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from bff.accounts import AccountService, User
from bff.accounts.phones import masked_phone, pretty_phone
from bff.accounts.roles import ROLES, SECOND_FACTOR_ROLES
from bff.audit import OK, AuditLog
from bff.errors import OperatorSetupError, SignInCodeExpired, UnknownOperator


CONSOLE_HIDDEN = "••• •••"  # how the console hides all but the last 4 digits of a number


@dataclass(frozen=True)
class OperatorAccount:
    """An operator as the operators page lists them."""

    id: int
    login: str
    phone: str | None
    role: str
    switched_off: bool
    created_at: float


class OperatorService:
    """Two-step sign-in and operator management, over accounts, the store and the audit log."""

    def __init__(self, store, accounts: AccountService, audit: AuditLog, *, clock=time.time) -> None:
        self.store = store
        self.accounts = accounts
        self.audit = audit
        self.clock = clock

    # -- sign-in -----------------------------------------------------------------------------------

    def check_password(self, login: str, password: str, *, ip: str | None) -> User:
        """The first step: the operator with this login and password (raises WrongPassword,
        TooManySignInTries)."""
        return self.accounts.authenticate_operator(login, password, ip=ip)

    @staticmethod
    def needs_second_factor(operator: User) -> bool:
        return operator.ops_role in SECOND_FACTOR_ROLES

    def send_second_factor(self, operator: User, *, ip: str) -> str:
        """Text a one-time code to the operator's phone; returns the phone as shown ("••• 0177")."""
        if not operator.phone:
            raise SignInCodeExpired("operator has no phone for the second factor",
                                    public_message="Your account has no phone number for the sign-in code.",
                                    next_step="Ask an admin to add your mobile number.")
        self.accounts.request_sign_in_code(operator.phone, ip=ip)
        return masked_phone(operator.phone, unknown="", hidden=CONSOLE_HIDDEN)

    def check_second_factor(self, operator_id: int, code: str, *, ip: str) -> User:
        """The second step: the operator whose phone got `code` (raises the sign-in code errors)."""
        operator = self.operator(operator_id)
        if operator is None or not operator.phone:
            raise SignInCodeExpired("operator gone or without phone during sign-in")
        user = self.accounts.verify_sign_in_code(operator.phone, code, ip=ip)
        if user.id != operator.id:  # cannot happen: one user per phone; never sign in someone else
            raise SignInCodeExpired("second factor phone belongs to another user")
        self.store.record_sign_in(operator.id, method="second_factor", result=OK, ip=ip, now=self.clock())
        return operator

    def operator(self, user_id: int) -> User | None:
        """The operator with this id, or None (customers and switched-off operators are None)."""
        user = self.accounts.user(user_id)
        return user if user is not None and user.is_operator else None

    # -- managing operators (admins) --------------------------------------------------------------

    def operators(self) -> list[OperatorAccount]:
        return [OperatorAccount(id=row["id"], login=row["login"], phone=row["phone"],
                                role=row["ops_role"] or "", switched_off=bool(row["disabled_at"]),
                                created_at=row["created_at"]) for row in self.store.operator_rows()]

    def create(self, actor: User | None, login: str, password: str, *, role: str,
               phone: str | None = None) -> User:
        """A new operator (actor None: from the command line); audited."""
        try:
            operator = self.accounts.create_operator(login, password, role=role, phone=phone)
        except OperatorSetupError as exc:
            self.audit.record(actor, "operator.create", result="refused", detail=f"{login}: {exc.public_message}")
            raise
        self.audit.record(actor, "operator.create", person_id=operator.id,
                          detail=f"{operator.login} as {role}" + (" from the command line" if actor is None else ""))
        return operator

    def set_role(self, actor: User, operator_id: int, role: str) -> None:
        account = self.account(operator_id)
        if role not in ROLES:
            raise OperatorSetupError(f"unknown role {role!r}", public_message="That role does not exist.",
                                     next_step=f"Choose one of {', '.join(ROLES)}.")
        if role in SECOND_FACTOR_ROLES and not account.phone:
            raise OperatorSetupError("role needs a phone", public_message="This role needs a phone number.",
                                     next_step="Make a new operator with their mobile number instead.")
        self._refuse_self(actor, account, "change your own role")
        self.store.set_operator_role(operator_id, role)
        self.audit.record(actor, "operator.role", person_id=operator_id,
                          detail=f"{account.login}: {account.role} -> {role}")

    def switch_off(self, actor: User, operator_id: int) -> None:
        account = self.account(operator_id)
        self._refuse_self(actor, account, "switch yourself off")
        self.store.set_operator_disabled(operator_id, self.clock())
        self.audit.record(actor, "operator.switch_off", person_id=operator_id, detail=account.login)

    def switch_on(self, actor: User, operator_id: int) -> None:
        account = self.account(operator_id)
        self.store.set_operator_disabled(operator_id, None)
        self.audit.record(actor, "operator.switch_on", person_id=operator_id, detail=account.login)

    def account(self, operator_id: int) -> OperatorAccount:
        """The operator with this id as listed (raises UnknownOperator)."""
        for account in self.operators():
            if account.id == operator_id:
                return account
        raise UnknownOperator(f"no operator {operator_id}")

    def _refuse_self(self, actor: User, account: OperatorAccount, what: str) -> None:
        if actor is not None and actor.id == account.id:
            self.audit.record(actor, "operator.self", result="refused", person_id=account.id, detail=what)
            raise OperatorSetupError(f"an operator may not {what}",
                                     public_message=f"You cannot {what}.",
                                     next_step="Ask another admin to do it.")



def shown_phone(phone: str | None, viewer: User) -> str:
    """The phone as `viewer` may see it: whole (roles with full_phone) or masked."""
    if phone and viewer.may("full_phone"):
        return pretty_phone(phone)
    return masked_phone(phone, unknown="", hidden=CONSOLE_HIDDEN)
