"""SQL for moving a person to a new phone number (mixed into `Store`; bff/accounts/number_change.py).

A change is a row of `number_changes` (migration 9): `open` while its codes are out, then `done` or
`cancelled`. `old_phone` NULL means the person said they no longer have their old number: the change
then needs an operator (`by_operator_id`) instead of a code to the old number.
"""
from __future__ import annotations

from bff.db.transactions import first_row, now_or

_LIVE_OFFER_OR_MOVE = (
    "EXISTS (SELECT 1 FROM offers WHERE state = 'open' AND (owner_user_id = :u OR other_user_id = :u)) "
    "OR EXISTS (SELECT 1 FROM moves WHERE state IN ('requested', 'released') "
    "AND (from_user_id = :u OR to_user_id = :u))"
)


class NumberChangeQueries:
    """Queries of bff/accounts/number_change.py."""

    def add_number_change(self, user_id: int, *, old_phone: str | None, new_phone: str,
                          by_operator_id: int | None, expires_at: float, now: float | None = None) -> int:
        """A new open change; the person's earlier open change (if any) is cancelled: one at a time."""
        stamp = now_or(now)
        with self.transaction():
            self.db.execute("UPDATE number_changes SET state = 'cancelled', finished_at = ? "
                            "WHERE user_id = ? AND state = 'open'", [stamp, user_id])
            cursor = self.db.execute(
                "INSERT INTO number_changes (user_id, old_phone, new_phone, state, by_operator_id, "
                "created_at, expires_at) VALUES (?, ?, ?, 'open', ?, ?, ?)",
                [user_id, old_phone, new_phone, by_operator_id, stamp, expires_at])
        return cursor.lastrowid

    def number_change(self, change_id: int) -> dict | None:
        return first_row(self.query("SELECT * FROM number_changes WHERE id = ?", [change_id]))

    def open_number_change(self, user_id: int) -> dict | None:
        """The person's newest open change (expired or not: the caller decides)."""
        return first_row(self.query(
            "SELECT * FROM number_changes WHERE user_id = ? AND state = 'open' ORDER BY id DESC LIMIT 1",
            [user_id]))

    def mark_number_proven(self, change_id: int, which: str, *, now: float | None = None) -> None:
        """The code sent to the new (`which="new"`) or old number came back."""
        column = {"new": "new_proven_at", "old": "old_proven_at"}[which]
        self.db.execute(f"UPDATE number_changes SET {column} = COALESCE({column}, ?) WHERE id = ?",
                        [now_or(now), change_id])

    def vouch_number_change(self, change_id: int, operator_id: int) -> None:
        """An operator vouched for the person instead of the old number."""
        self.db.execute("UPDATE number_changes SET by_operator_id = ? WHERE id = ? AND state = 'open'",
                        [operator_id, change_id])

    def cancel_number_change(self, change_id: int, *, now: float | None = None) -> None:
        self.db.execute("UPDATE number_changes SET state = 'cancelled', finished_at = ? "
                        "WHERE id = ? AND state = 'open'", [now_or(now), change_id])

    def finish_number_change(self, change_id: int, *, user_id: int, old_phone: str | None, new_phone: str,
                             now: float | None = None) -> bool:
        """In the caller's transaction: the person's phone becomes `new_phone`, every open sign-in
        code of the old phone is spent, the change is done. False when it was no longer open."""
        stamp = now_or(now)
        done = self.db.execute("UPDATE number_changes SET state = 'done', finished_at = ? "
                               "WHERE id = ? AND state = 'open'", [stamp, change_id]).rowcount
        if not done:
            return False
        self.db.execute("UPDATE users SET phone = ? WHERE id = ?", [new_phone, user_id])
        if old_phone:
            self.spend_sign_in_codes(old_phone, now=stamp)
        return True

    def spend_sign_in_codes(self, phone: str, *, now: float | None = None) -> int:
        """Mark every unused sign-in code of the phone used: none of them signs in any more."""
        return self.db.execute("UPDATE sign_in_codes SET used_at = ? WHERE phone = ? AND used_at IS NULL",
                               [now_or(now), phone]).rowcount

    def user_has_belongings(self, user_id: int) -> bool:
        """True when the person is an operator or has anything bff keeps for them: a device, a live
        share (either side), a claim, an open offer or move. Their number cannot just be taken."""
        row = self.db.execute(
            "SELECT (SELECT role FROM users WHERE id = :u) = 'operator' "
            "OR EXISTS (SELECT 1 FROM devices JOIN shadow_customers ON devices.owner = shadow_customers.username "
            "WHERE shadow_customers.user_id = :u) "
            "OR EXISTS (SELECT 1 FROM shares WHERE ended_at IS NULL AND (user_id = :u OR owner_user_id = :u)) "
            "OR EXISTS (SELECT 1 FROM claims WHERE user_id = :u) "
            f"OR {_LIVE_OFFER_OR_MOVE}", {"u": user_id}).fetchone()
        return bool(row[0])

    def release_phone(self, user_id: int) -> None:
        """An empty account gives up its phone number (it cannot sign in any more)."""
        self.db.execute("UPDATE users SET phone = NULL WHERE id = ?", [user_id])
