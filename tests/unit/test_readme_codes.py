"""The README lists the shipped code lists exactly as the hub enforces them."""

from __future__ import annotations

import re
from pathlib import Path

from ketenhub.config import load_codes

README = Path(__file__).parents[2] / "README.md"
_ROW = re.compile(r"^\s*\| `(?P<name>[a-z_]+)` \| (?P<codes>.+) \|\s*$")


def _listed() -> dict[str, set[str]]:
    """The code lists of the README's table of shipped code lists."""
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- code lists: ", 1)[1].split("\n\n", 2)[1]
    rows = (_ROW.match(line) for line in table.splitlines())
    return {m["name"]: set(re.findall(r"`([^`]+)`", m["codes"])) for m in rows if m is not None}


def test_the_readme_lists_every_shipped_code_list_and_code() -> None:
    """Each list and each code the hub accepts is in the README, and nothing else."""
    codes = load_codes()
    assert _listed() == {name: set(codes.allowed(name)) for name in codes.names()}
