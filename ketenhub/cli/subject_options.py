"""Naming one data subject on the command line: ``--subject PSEUDONYM`` or ``--identifier``.

A clear identifier (e.g. a BSN) is read from a hidden prompt, or from the first line of
standard input when piped, so that it stays out of shell history; the hub's protector
pseudonymises it on the spot, and it is never stored, logged or shown. ``subject_options``
adds the pair to a command, ``named_subject`` checks what was given before the hub is opened,
and ``NamedSubject.pseudonym`` reads and pseudonymises the identifier once it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from ketenhub.core.identifiers import PSEUDONYM_FORMAT, is_pseudonym
from ketenhub.errors import EmptyIdentifier

F = TypeVar("F", bound=Callable[..., Any])
IDENTIFIER_HELP = (
    "Read the person's clear identifier (e.g. a BSN) from a hidden prompt or standard input; "
    "it is pseudonymised on the spot and never stored, logged or shown."
)


def subject_options(subject_help: str, identifier_help: str = IDENTIFIER_HELP) -> Callable[[F], F]:
    """Add ``--subject PSEUDONYM`` and the ``--identifier`` flag (parameters ``subject``, ``by_identifier``)."""

    def decorate(command: F) -> F:
        with_identifier = click.option(
            "--identifier", "by_identifier", is_flag=True, help=identifier_help
        )(command)
        return click.option("--subject", metavar="PSEUDONYM", help=subject_help)(with_identifier)

    return decorate


def read_identifier() -> str:
    """A clear identifier from a hidden prompt, or the first line of standard input when piped."""
    stdin = click.get_text_stream("stdin")
    if not stdin.isatty():
        return stdin.readline().strip()
    return str(click.prompt("Identifier", hide_input=True, err=True)).strip()


@dataclass(frozen=True)
class NamedSubject:
    """A data subject as the command line named it: by pseudonym, or by an identifier to read."""

    given: str | None  # the pseudonym given; None: read a clear identifier

    def pseudonym(self, pseudonymise: Callable[[str], str]) -> str:
        """The subject's pseudonym: the one given, or the identifier read and pseudonymised.

        An identifier with nothing visible left after folding (only spaces or invisible
        characters) is a usage error: it would name everyone sent without one.
        """
        if self.given is not None:
            return self.given
        try:
            return pseudonymise(read_identifier())
        except EmptyIdentifier as exc:
            msg = f"--identifier: {exc}; type the person's identifier"
            raise click.UsageError(msg) from None


def named_subject(
    subject: str | None,
    by_identifier: bool,
    *,
    required: bool = True,
    subject_name: str = "--subject",
) -> NamedSubject | None:
    """Check the pair before the hub is opened; None when neither was given (and none is required).

    Both given, neither given when ``required``, or a ``subject`` that is not a pseudonym is a
    usage error (``subject_name`` is how the command calls its pseudonym: an option or argument).
    """
    if subject is not None and by_identifier:
        msg = f"name the person once: {subject_name} PSEUDONYM or --identifier, not both"
        raise click.UsageError(msg)
    if subject is None and not by_identifier:
        if required:
            msg = f"name the person: {subject_name} PSEUDONYM or --identifier"
            raise click.UsageError(msg)
        return None
    if subject is not None and not is_pseudonym(subject):
        msg = (
            f"{subject_name} must be a pseudonym ({PSEUDONYM_FORMAT}); for a clear identifier "
            "use --identifier"
        )
        raise click.UsageError(msg)
    return NamedSubject(subject)
