"""Naming a data subject on the command line: one pseudonym or one identifier, never both or none."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ketenhub.cli.subject_options import named_subject, subject_options
from ketenhub.protection.keystore import SqliteKeyStore
from ketenhub.protection.protector import KeyStoreProtector

PSEUDONYM = "psn-" + "0" * 32


def command(protector: KeyStoreProtector, *, required: bool) -> click.Command:
    """A command that prints the pseudonym the pair names (or "-" for none)."""

    @click.command()
    @subject_options("The person's pseudonym.")
    def show(subject: str | None, by_identifier: bool) -> None:
        named = named_subject(subject, by_identifier, required=required)
        click.echo("-" if named is None else named.pseudonym(protector.pseudonym))

    return show


@pytest.fixture
def protector(tmp_path: Path) -> KeyStoreProtector:
    """The hub's real protector over a fresh secret and key store."""
    found = KeyStoreProtector(os.urandom(32), SqliteKeyStore(tmp_path / "subjects.sqlite"))
    yield found  # type: ignore[misc]  # a generator fixture
    found.close()


def test_the_helper_refuses_none_both_a_non_pseudonym_and_an_empty_identifier(
    protector: KeyStoreProtector,
) -> None:
    """Neither given (when required), both given, a clear value as --subject and an identifier with
    nothing visible after folding are usage errors (exit 2) that never repeat the value; a
    pseudonym or an identifier names the person, the identifier as the hub pseudonymises it."""
    runner, required = CliRunner(), command(protector, required=True)
    neither = runner.invoke(required, [])
    assert neither.exit_code == 2 and "--subject PSEUDONYM or --identifier" in neither.output
    both = runner.invoke(required, ["--subject", PSEUDONYM, "--identifier"], input="Testpersoon\n")
    assert both.exit_code == 2 and "not both" in both.output
    clear = runner.invoke(required, ["--subject", "Testpersoon Alfa"])
    assert clear.exit_code == 2 and "must be a pseudonym" in clear.output
    assert "Testpersoon Alfa" not in clear.output
    empty = runner.invoke(required, ["--identifier"], input="\u200b \u00a0\t\n")
    assert empty.exit_code == 2 and "--identifier" in empty.output
    assert "nothing visible" in empty.output

    by_pseudonym = runner.invoke(required, ["--subject", PSEUDONYM])
    assert by_pseudonym.exit_code == 0 and by_pseudonym.output == f"{PSEUDONYM}\n"
    by_identifier = runner.invoke(required, ["--identifier"], input="Testpersoon  Alfa\n")
    assert by_identifier.output == protector.pseudonym("Testpersoon Alfa") + "\n"
    assert "Testpersoon" not in by_identifier.output
    optional = runner.invoke(command(protector, required=False), [])
    assert optional.exit_code == 0 and optional.output == "-\n"
