"""Labels of the hub's codes in Dutch and English, for what people read (pages, report): one catalogue.

``labels.toml`` beside ``codes.toml`` holds one table per code list or enumeration: the lists
of ``codes.toml`` by their own names (``finding_codes``, ``indicators``, ...), the contract's
enumerations in snake_case (``channel``, ``exploitation_form``, ``age_group``, ...) and the
hub's own vocabularies (``phase``, ``role``, ``partner``, ``event_type``, ...). Each code reads
``CODE = { nl = "...", en = "..." }``; a plain ``CODE = "..."`` is a Dutch label only. A code
without a label reads as the code itself, so a new code never breaks a page; a test keeps
every code of the shipped lists labelled in both languages.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, get_args

from ketenhub.errors import RegistryError

LABELS_FILE = "labels.toml"
Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)


@dataclass(frozen=True)
class Labels:
    """Labels in one language, by list name, then by code."""

    lists: Mapping[str, Mapping[str, str]]

    def label(self, list_name: str, code: object) -> str:
        """The label of ``code`` in ``list_name``; the code itself when it has none."""
        text = "" if code is None else str(code)
        return self.lists.get(list_name, {}).get(text, text)

    def options(self, list_name: str, codes: Iterable[str]) -> list[tuple[str, str]]:
        """``(code, label)`` pairs for a choice among ``codes``, in the order given."""
        return [(code, self.label(list_name, code)) for code in codes]

    def codes(self, list_name: str) -> list[str]:
        """Every code that has a label in ``list_name``, in the file's order."""
        return list(self.lists.get(list_name, {}))


def parse_catalogue(text: str, source: str) -> dict[Language, Labels]:
    """Read a labels file into one ``Labels`` per language."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{source} is not valid TOML: {exc}"
        raise RegistryError(msg) from None
    lists: dict[Language, dict[str, dict[str, str]]] = {lang: {} for lang in LANGUAGES}
    for name, table in document.items():
        if not isinstance(table, dict):
            msg = f'{source}: [{name}] must be a table of CODE = {{ nl = "...", en = "..." }} lines'
            raise RegistryError(msg)
        for language in LANGUAGES:
            lists[language][name] = {}
        for code, entry in table.items():
            for language, text_of in _entry(source, name, code, entry).items():
                lists[language][name][code] = text_of
    return {language: Labels(found) for language, found in lists.items()}


def _entry(source: str, name: str, code: str, entry: object) -> dict[Language, str]:
    if isinstance(entry, str):
        return {"nl": entry}
    languages = set(LANGUAGES)
    if isinstance(entry, dict) and entry.keys() <= languages and all(map(_words, entry.values())):
        return {lang: entry[lang] for lang in LANGUAGES if lang in entry}
    msg = f'{source}: [{name}] {code} must be "label" or {{ nl = "...", en = "..." }}'
    raise RegistryError(msg)


def _words(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def parse_labels(text: str, source: str, language: Language = "nl") -> Labels:
    """Read a labels file and keep the labels of one language (Dutch unless asked)."""
    return parse_catalogue(text, source)[language]


@cache
def _shipped() -> dict[Language, Labels]:
    text = resources.files(__package__).joinpath(LABELS_FILE).read_text(encoding="utf-8")
    return parse_catalogue(text, f"ketenhub/config/{LABELS_FILE}")


def labels_in(language: Language) -> Labels:
    """The labels shipped with the hub in ``language`` (read once per process)."""
    return _shipped()[language]


def dutch_labels() -> Labels:
    """The Dutch labels shipped with the hub."""
    return labels_in("nl")


def label(code_list: str, code: object, language: Language = "nl") -> str:
    """The shipped label of ``code`` in ``code_list`` and ``language``; the code when it has none."""
    return labels_in(language).label(code_list, code)
