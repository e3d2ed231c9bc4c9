"""Every change made from the console asks first: one confirmation step that works without JavaScript.

A fix's form posts to its URL; without `confirmed=yes` the view answers with a page that says
what will happen (and to whom) and posts the same fields again with `confirmed=yes`, or goes back.
"""
from __future__ import annotations

from flask import render_template, request


def confirmed() -> bool:
    """True when the operator already said yes to this POST."""
    return request.form.get("confirmed") == "yes"


def ask(question: str, consequence: str, *, yes_words: str, back_url: str, danger: bool = False,
        about: str | None = None):
    """The confirmation page for the current POST: its fields are posted again with confirmed=yes.
    `about` names what the change is about (a device and its owner), shown above the question."""
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name not in ("csrf_token", "confirmed")]
    return render_template("ops/confirm.html", question=question, consequence=consequence,
                           yes_words=yes_words, back_url=back_url, fields=fields,
                           action=request.path, danger=danger, about=about)
