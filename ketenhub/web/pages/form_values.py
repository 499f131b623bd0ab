"""Reading a posted form: one text, a list, a yes/no; what a field missing or empty means."""

from __future__ import annotations

from starlette.datastructures import FormData


class FormIncomplete(Exception):
    """A required field of a form is missing; the message (Dutch) names it."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def text(form: FormData, name: str) -> str | None:
    """The trimmed text of a field, None when missing or empty."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def required(form: FormData, name: str, what: str) -> str:
    """The text of a required field; ``FormIncomplete`` naming ``what`` when it is empty."""
    value = text(form, name)
    if value is None:
        msg = f"Vul in: {what}."
        raise FormIncomplete(msg)
    return value


def texts(form: FormData, name: str) -> list[str]:
    """Every non-empty value of a field given more than once (checkboxes)."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def yes_no(form: FormData, name: str, what: str) -> bool:
    """A yes/no question answered ``ja`` or ``nee``; ``FormIncomplete`` when unanswered."""
    value = text(form, name)
    if value not in ("ja", "nee"):
        msg = f"Beantwoord de vraag: {what}"
        raise FormIncomplete(msg)
    return value == "ja"


def checked(form: FormData, name: str) -> bool:
    """Whether a checkbox was ticked."""
    return text(form, name) is not None
