"""Users, sign-in by phone with one-time SMS codes, operators with passwords, rate limits.

- A customer is a phone number (E.164). A new number becomes a new user on its first sign-in or
  text; no password, no email.
- Sign-in codes: 6 digits from `secrets`, valid 10 minutes, single use, at most 5 tries, stored
  only as an HMAC-SHA256 (app secret as key, a random salt per code). Only the newest code of a
  phone works. Sends are capped per phone and per IP, and wrong codes per IP across phones
  (bff/guesses.py), with counters in SQLite, so every process of a deployment sees the same counts.
- Operators are users with a login and an argon2id password hash (argon2-cffi). Operator
  rights need a password sign-in (`AUTH_METHOD` in the session): an operator's phone number
  signs in by code too, but then with a customer's rights.
The web side of signing in (flask-login, CSRF, cookies) is in bff/web/login.py; this module
imports no Flask.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bff.errors import (
    InvalidPhoneNumber, OperatorSetupError, SignInCodeExpired, SignInCodeLocked, TooManySignInCodes,
    TooManySignInTries, WrongPassword, WrongSignInCode,
)
from bff.guesses import GuessLimits, sign_in_guess_limits
from bff.accounts.roles import ROLES, SECOND_FACTOR_ROLES, role_may
from bff.accounts.phones import DEFAULT_REGION, e164_or_normalized, normalize_phone
from bff.errors import LoginTaken
from bff.particle.customers import person_username_prefix
from bff.twilio.sender import SIGN_IN_PURPOSE

CUSTOMER, OPERATOR = "customer", "operator"
CODE_DIGITS = 6
_LOGIN = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
PASSWORD_MIN, PASSWORD_MAX = 10, 1024

class User:
    """A person: a customer (phone) or an operator (login + password).

    It has what flask-login asks of a user object (`is_authenticated`, `is_active`,
    `is_anonymous`, `get_id`), so the web layer signs it in as it is.
    """

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, id: int, phone: str | None = None, role: str = CUSTOMER,
                 login: str | None = None, ops_role: str | None = None) -> None:
        self.id = id
        self.phone = phone
        self.role = role
        self.login = login
        self.ops_role = ops_role if role == OPERATOR else None  # admin | support | field
        self.held: str | None = None  # the browser session's "<id>.<token>" (bff/accounts/sessions.py)

    @classmethod
    def from_row(cls, row: dict) -> "User":
        operator = row.get("role") == OPERATOR and not row.get("disabled_at")
        return cls(row["id"], phone=row.get("phone"), role=OPERATOR if operator else CUSTOMER,
                   login=row.get("login"), ops_role=row.get("ops_role"))

    @property
    def is_operator(self) -> bool:
        return self.role == OPERATOR

    def may(self, permission: str) -> bool:
        """True when this person may do `permission` in the operators' console (bff/accounts/roles.py)."""
        return self.is_operator and role_may(self.ops_role, permission)

    def get_id(self) -> str:
        """What flask-login keeps in the browser: the server-side session it belongs to."""
        return self.held or str(self.id)

    def as_customer(self) -> "User":
        """The same person with a customer's rights only."""
        customer = User(self.id, phone=self.phone, role=CUSTOMER, login=self.login)
        customer.held = self.held
        return customer

    @property
    def label(self) -> str:
        """How the console names this person: the operator's login, else the user number."""
        return self.login or f"person {self.id}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, User) and (self.id, self.role) == (other.id, other.role)

    def __hash__(self) -> int:
        return hash((self.id, self.role))

    def __repr__(self) -> str:
        return f"User(id={self.id}, role={self.role!r})"


class AccountService:
    """Users, phone sign-in codes, operators and rate limits, over the Store and the SMS sender."""

    CODE_LIFETIME = 10 * 60
    CODE_MAX_TRIES = 5
    CODE_LIMITS_PER_PHONE = ((3, 15 * 60), (10, 24 * 3600))  # (sends, window seconds)
    CODE_LIMITS_PER_IP = ((20, 3600),)
    PASSWORD_LIMITS_PER_LOGIN = ((10, 15 * 60),)
    PASSWORD_LIMITS_PER_IP = ((30, 15 * 60),)
    CODE_MESSAGE = "Your sign-in code is {code}. It works for 10 minutes. Type it on the sign-in page where you asked for it."

    def __init__(self, store, sms, *, clock=time.time, secret: str | bytes | None = None,
                 password_hasher: PasswordHasher | None = None, default_region: str = DEFAULT_REGION,
                 customer_key: bytes | str | None = None) -> None:
        self.store = store
        self.customer_key = customer_key  # BFF_LABEL_KEY: finds a person's customers after a rebuild
        self.sms = sms
        self.clock = clock
        key = secret if secret is not None else "bff sign-in codes"
        self._code_key = key.encode() if isinstance(key, str) else key
        self.hasher = password_hasher or PasswordHasher()
        self.default_region = default_region
        self._dummy_hash: str | None = None
        self.guesses = GuessLimits(self)  # wrong codes per person, phone, address (bff/guesses.py)

    # -- phone numbers and users -------------------------------------------------------------------

    def normalize_phone(self, text: str, default_region: str | None = None) -> str:
        """The phone number in `text` as E.164 (+12015550123); raises InvalidPhoneNumber."""
        return normalize_phone(text, default_region or self.default_region)

    def user(self, user_id: int) -> User | None:
        row = self.store.user(user_id)
        return User.from_row(row) if row else None

    def user_for_phone(self, phone: str, *, create: bool = True) -> User | None:
        """The user of a phone number; a new customer when unknown and `create`.

        E.164 as Twilio gives it (`From`) is taken as is, so fictional test numbers work;
        anything else is normalised first (raises InvalidPhoneNumber).
        """
        phone = e164_or_normalized(phone, self.default_region)
        if create:
            self._adopt_restored_customers(phone)
            return User.from_row(self.store.ensure_phone_user(phone, now=self.clock()))
        row = self.store.user_by_phone(phone)
        return User.from_row(row) if row else None

    def _adopt_restored_customers(self, phone: str) -> None:
        """After `flask bff rebuild`: a phone new to bff whose derived customer usernames a
        restored person (no phone yet) holds becomes that person's, devices and all."""
        if self.customer_key and self.store.user_by_phone(phone) is None:
            self.store.adopt_restored_person(phone, person_username_prefix(self.customer_key, phone))

    # -- sign-in codes ----------------------------------------------------------------------------

    def request_sign_in_code(self, phone_text: str, *, ip: str) -> str:
        """Text a new sign-in code to the phone; returns the phone as E.164.

        Raises InvalidPhoneNumber, or TooManySignInCodes (with `retry_after`) when the phone or
        the IP address asked for too many codes lately.
        """
        phone = self.normalize_phone(phone_text)
        self._enforce(self._code_limits(phone, ip), TooManySignInCodes)
        code = self._new_code()
        now = self.clock()
        self.store.add_sign_in_code(phone, self._hash_code(phone, code), ip=ip,
                                    expires_at=now + self.CODE_LIFETIME, now=now)
        self.sms.send(phone, self.CODE_MESSAGE.format(code=code), purpose=SIGN_IN_PURPOSE)
        return phone

    def verify_sign_in_code(self, phone: str, code: str, *, ip: str) -> User:
        """The user of `phone` when `code` is its newest live code (then used up).

        Raises SignInCodeExpired (none live: too old, used, never sent), SignInCodeLocked (5 wrong
        tries), WrongSignInCode (with `tries_left`), TooManyWrongCodes (the address typed too many
        wrong codes lately, for any phones). A phone's guesses are bounded by the tries per code
        and its caps on sending codes.
        """
        phone = self.normalize_phone(phone)
        guess_limits = sign_in_guess_limits(ip)
        self.guesses.refuse_if_over(guess_limits)
        row = self._live_code(phone)
        typed = re.sub(r"[\s-]", "", code or "")
        if not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", typed):
            raise WrongSignInCode("malformed code typed")  # not counted: no guess was made
        if not self._code_matches(row["code_hash"], phone, typed):
            self._record_sign_in(self.user_for_phone(phone, create=False), "phone", "refused", ip)
            self.guesses.count(guess_limits)
            self._count_wrong_code(row)  # raises WrongSignInCode or SignInCodeLocked
        if not self.store.use_sign_in_code(row["id"], max_attempts=self.CODE_MAX_TRIES, now=self.clock()):
            raise SignInCodeExpired("code used or expired meanwhile")
        user = self.user_for_phone(phone)
        self._record_sign_in(user, "phone", "ok", ip)
        return user

    # -- the same codes for proving a phone number (bff/accounts/number_change.py) -------------------

    def send_proof_code(self, key: str, phone: str, message: str, *, ip: str | None, lifetime: float) -> None:
        """Text a code (`message` has `{code}`) to `phone`, kept hashed under `key` (never a phone
        number, so /login cannot use it); the phone's and the address's send caps apply."""
        self._enforce(self._code_limits(phone, ip), TooManySignInCodes)
        now = self.clock()
        code = self._new_code()
        self.store.add_sign_in_code(key, self._hash_code(key, code), ip=ip, expires_at=now + lifetime, now=now)
        self.sms.send(phone, message.format(code=code), purpose=SIGN_IN_PURPOSE)

    def check_proof_code(self, key: str, code: str) -> None:
        """Use up the newest live code kept under `key` if `code` is it; raises as
        `verify_sign_in_code` does (expired, locked, wrong with the tries left)."""
        row = self._live_code(key)
        typed = re.sub(r"[\s-]", "", code or "")
        if not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", typed):
            raise WrongSignInCode("malformed code typed")
        if not self._code_matches(row["code_hash"], key, typed):
            self._count_wrong_code(row)
        if not self.store.use_sign_in_code(row["id"], max_attempts=self.CODE_MAX_TRIES, now=self.clock()):
            raise SignInCodeExpired("code used or expired meanwhile")

    def _record_sign_in(self, user: User | None, method: str, result: str, ip: str | None) -> None:
        """The sign-in history shown to operators (method and result, never a code)."""
        if user is not None:
            self.store.record_sign_in(user.id, method=method, result=result, ip=ip, now=self.clock())

    @staticmethod
    def _new_code() -> str:
        return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"

    def _live_code(self, phone: str) -> dict:
        row = self.store.latest_sign_in_code(phone)
        if row is None or row["used_at"] is not None or row["expires_at"] <= self.clock():
            raise SignInCodeExpired("no live sign-in code for this phone")
        if row["attempts"] >= self.CODE_MAX_TRIES:
            raise SignInCodeLocked("sign-in code locked after too many wrong tries")
        return row

    def _count_wrong_code(self, row: dict) -> None:
        attempts = self.store.count_wrong_sign_in_code(row["id"], max_attempts=self.CODE_MAX_TRIES)
        tries_left = self.CODE_MAX_TRIES - attempts
        if tries_left <= 0:
            raise SignInCodeLocked("wrong sign-in code; no tries left")
        raise WrongSignInCode("wrong sign-in code", tries_left=tries_left)

    def _hash_code(self, phone: str, code: str, salt: str | None = None) -> str:
        """`salt$hex(HMAC-SHA256(key, salt:phone:code))`; a new random salt unless given."""
        salt = salt or secrets.token_hex(8)
        mac = hmac.new(self._code_key, f"{salt}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()
        return f"{salt}${mac}"

    def _code_matches(self, stored: str, phone: str, code: str) -> bool:
        salt, _, _ = stored.partition("$")
        return hmac.compare_digest(stored, self._hash_code(phone, code, salt))

    def _code_limits(self, phone: str, ip: str | None) -> list[tuple[str, int, float]]:
        """The address's cap first: a request refused for its address must not use up the phone's
        codes (one address over its cap could otherwise lock anyone out of signing in for a day)."""
        limits = [(f"sign-in-code:ip:{ip}", n, w) for n, w in self.CODE_LIMITS_PER_IP] if ip else []
        return limits + [(f"sign-in-code:phone:{phone}", n, w) for n, w in self.CODE_LIMITS_PER_PHONE]

    # -- operators ------------------------------------------------------------------------------

    def create_operator(self, login: str, password: str, *, role: str, phone: str | None = None) -> User:
        """A new operator of `role` (bff/accounts/roles.py) with an argon2id password hash; with
        `phone`, a customer of that number becomes the operator (keeping their devices). Admins and
        support staff need a phone (their sign-in code goes there). Raises OperatorSetupError."""
        login = _normalize_login(login)
        _check_role(role, phone)
        if not PASSWORD_MIN <= len(password or "") <= PASSWORD_MAX:
            raise _bad_password_length(password or "")
        if self.store.user_by_login(login):
            raise _login_taken(login)
        password_hash = self.hasher.hash(password)
        phone = self.normalize_phone(phone) if phone else None
        existing = self.store.user_by_phone(phone) if phone else None
        if existing:
            return self._promote(existing, login, password_hash, role)
        try:
            user_id = self.store.create_operator_user(login, password_hash, role=role, phone=phone,
                                                      now=self.clock())
        except LoginTaken:
            raise _login_taken(login) from None
        return self.user(user_id)

    def _promote(self, row: dict, login: str, password_hash: str, role: str) -> User:
        if row["login"]:
            raise OperatorSetupError("phone belongs to another operator",
                                     public_message="That phone number belongs to another operator.",
                                     next_step="Use another phone number, or none.")
        self.store.promote_to_operator(row["id"], login, password_hash, role=role)
        return self.user(row["id"])

    def authenticate_operator(self, login: str, password: str, *, ip: str | None = None) -> User:
        """The operator with this login and password; raises WrongPassword (the same for an
        unknown login) or TooManySignInTries."""
        login = (login or "").strip().casefold()
        # The address first: a request refused for its address must not use up the login's tries
        # (one address over its cap could otherwise lock an operator out).
        limits = [(f"password:ip:{ip}", n, w) for n, w in self.PASSWORD_LIMITS_PER_IP] if ip else []
        limits += [(f"password:login:{login}", n, w) for n, w in self.PASSWORD_LIMITS_PER_LOGIN]
        self._enforce(limits, TooManySignInTries)
        row = self.store.user_by_login(login) if login else None
        if not row or row["role"] != OPERATOR or not row["password_hash"] or row["disabled_at"]:
            self._verify_password(self._dummy(), password or "")  # same time as a real check
            raise WrongPassword("unknown operator login")
        if not self._verify_password(row["password_hash"], password or ""):
            self._record_sign_in(User.from_row(row), "password", "refused", ip)
            raise WrongPassword("wrong operator password")
        self._record_sign_in(User.from_row(row), "password", "ok", ip)
        if self.hasher.check_needs_rehash(row["password_hash"]):
            self.store.set_password_hash(row["id"], self.hasher.hash(password))
        return User.from_row(row)

    def _verify_password(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_hex(16))
        return self._dummy_hash

    # -- rate limits ----------------------------------------------------------------------------

    def hit_rate_limit(self, key: str, *, limit: int, window_seconds: float) -> bool:
        """Count one hit on `key` in its current fixed window; True when it is over `limit`."""
        count, _ = self._hit(key, window_seconds)
        return count > limit

    def rate_count(self, key: str, *, window_seconds: float) -> tuple[int, float]:
        """(hits on `key` in its current fixed window, seconds until that window ends); counts nothing."""
        now = self.clock()
        window_start = (now // window_seconds) * window_seconds
        count = self.store.rate_count(f"{key}|{window_seconds:g}s", window_start)
        return count, window_start + window_seconds - now

    def _hit(self, key: str, window_seconds: float) -> tuple[int, float]:
        """(hits in the current window, when that window ends)."""
        now = self.clock()
        window_start = (now // window_seconds) * window_seconds
        count = self.store.count_rate_hit(f"{key}|{window_seconds:g}s", window_start)
        return count, window_start + window_seconds

    def _enforce(self, limits, error_class) -> None:
        """Count a hit on each (key, limit, window) in order; raise `error_class(retry_after=...)` at
        the first that is over (the ones after it are not counted)."""
        for key, limit, window in limits:
            count, window_end = self._hit(key, window)
            if count > limit:
                raise error_class(f"rate limit {key}: {limit} per {window:g}s",
                                  retry_after=window_end - self.clock())

    def prune(self, *, older_than: float = 2 * 24 * 3600) -> int:
        """Forget expired codes and old rate counters (the worker may call this daily)."""
        before = self.clock() - older_than
        return self.store.prune_sign_in_codes(before=before) + self.store.prune_rate_counters(before=before)


def _normalize_login(login: str) -> str:
    login = (login or "").strip().casefold()
    if not _LOGIN.fullmatch(login):
        raise OperatorSetupError(
            "login must be 2-64 of a-z 0-9 . _ @ -",
            public_message="A login uses 2 to 64 letters, numbers, dots, dashes, _ or @.",
            next_step="Choose another login.")
    return login


def _check_role(role: str, phone: str | None) -> None:
    if role not in ROLES:
        raise OperatorSetupError(f"unknown role {role!r}", public_message="That role does not exist.",
                                 next_step=f"Choose one of {', '.join(ROLES)}.")
    if role in SECOND_FACTOR_ROLES and not phone:
        raise OperatorSetupError(f"role {role} needs a phone",
                                 public_message="Admins and support staff need a phone number.",
                                 next_step="Add their mobile number: their sign-in code is texted there.")


def _bad_password_length(password: str) -> OperatorSetupError:
    detail = f"password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters"
    if len(password) > PASSWORD_MAX:
        return OperatorSetupError(detail, public_message=f"The password must be at most {PASSWORD_MAX} characters.",
                                  next_step="Choose a shorter password.")
    return OperatorSetupError(detail, public_message=f"The password must be at least {PASSWORD_MIN} characters.",
                              next_step="Choose a longer password.")


def _login_taken(login: str) -> OperatorSetupError:
    return OperatorSetupError(f"login {login!r} is taken", public_message="That login is taken.",
                              next_step="Choose another login.")
