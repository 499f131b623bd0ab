"""Codes on the connectors' command line: ``--help`` lists the closed vocabulary, and a code
outside the hub's own lists is refused before anything is recorded, naming the valid ones."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from connectors.sdk.client import PartnerClient
from connectors.sdk.errors import InputRefused
from ketenhub.config import load_registry


@cache
def _shipped(list_name: str) -> tuple[str, ...]:
    return tuple(sorted(load_registry().codes.allowed(list_name)))


def codes_help(list_name: str, text: str) -> str:
    """``text`` followed by the codes of ``list_name`` as shipped (a hub's own codes.toml may
    change them: ``ketenhub codes`` shows the lists in force)."""
    return f"{text} One of: {', '.join(_shipped(list_name))}."


def checked_codes(
    client: PartnerClient, list_name: str, codes: Iterable[str], where: str
) -> list[str]:
    """``codes`` as spelled in the hub's list ``list_name`` (matched ignoring case); a refusal
    naming the unknown ones and the valid ones when any is not in the list."""
    allowed = client.registry.codes.allowed(list_name)
    spelled = {code.casefold(): code for code in allowed}
    given = [code.strip() for code in codes]
    unknown = [str(n) for n, code in enumerate(given, 1) if code.casefold() not in spelled]
    if unknown:
        # The value is not repeated: whatever was typed there may be personal data.
        raise InputRefused(
            where=where,
            detail=f"code number {', '.join(unknown)} of {len(given)} given is not in the hub's "
            f"{list_name.replace('_', ' ')} (valid: {', '.join(sorted(allowed))})",
        )
    return [spelled[code.casefold()] for code in given]
