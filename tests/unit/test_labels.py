"""The labels catalogue: every code the hub knows has a Dutch and an English label."""

from __future__ import annotations

import enum
import re

import pytest

from ketenhub.config import load_codes, load_registry
from ketenhub.config.labels import LANGUAGES, Language, label, labels_in, parse_catalogue
from ketenhub.contract import models
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.core.partners import Role
from ketenhub.core.phases import Phase
from ketenhub.core.rejection import RejectionCode
from ketenhub.errors import RegistryError


def contract_enums() -> dict[str, type[enum.Enum]]:
    """Every enumeration of the Avro contract, by its list name (snake_case of the class)."""
    found = {}
    for name, obj in vars(models).items():
        if (
            isinstance(obj, type)
            and issubclass(obj, enum.Enum)
            and obj.__module__ == models.__name__
        ):
            found[re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()] = obj
    return found


def every_code() -> dict[str, list[str]]:
    """Each code list the hub uses and its codes."""
    codes = load_codes()
    lists = {name: list(getattr(codes, name)) for name in type(codes).model_fields}
    lists |= {name: [e.value for e in kind] for name, kind in contract_enums().items()}
    lists["phase"] = [p.name for p in Phase]
    lists["role"] = [r.value for r in Role]
    lists["partner"] = [p.id for p in load_registry().partners]
    lists["event_type"] = sorted(EVENT_MODELS)
    lists["rejection_code"] = [c.value for c in RejectionCode]
    lists["month"] = [f"{m:02d}" for m in range(1, 13)]
    return lists


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_code_has_a_label_in_both_languages(language: Language) -> None:
    """No code of codes.toml, the contract's enumerations or the hub's vocabularies reads as itself."""
    labels = labels_in(language)
    missing = [
        f"{name}.{code}"
        for name, codes in every_code().items()
        for code in codes
        if code not in labels.lists.get(name, {})
    ]
    assert missing == []


def test_the_code_lists_of_codes_toml_are_all_covered() -> None:
    """The catalogue names each list of codes.toml (a new list there fails here)."""
    codes = load_codes()
    assert set(type(codes).model_fields) <= set(labels_in("nl").lists)
    assert len(contract_enums()) >= 20


def test_a_label_reads_in_the_language_asked() -> None:
    """The same code reads Dutch or English; an unknown code reads as itself."""
    assert label("phase", "SOURCE_RESEARCH") == "3. Intern bronnenonderzoek"
    assert label("phase", "SOURCE_RESEARCH", "en") == "3. Source research"
    assert label("age_group", "FROM_18_TO_23", "nl") == "18 tot en met 23"
    assert label("audience", "COUNTER_STAFF", "nl") == "Baliemedewerkers"
    assert label("channel", "NOT_A_CODE", "en") == "NOT_A_CODE"


def test_labels_differ_between_the_languages_where_words_differ() -> None:
    """Most labels are translated, not copied (names and law citations may read the same)."""
    nl, en = labels_in("nl"), labels_in("en")
    pairs = [
        (nl.label(name, code), en.label(name, code))
        for name, codes in every_code().items()
        for code in codes
    ]
    assert sum(a != b for a, b in pairs) > 0.8 * len(pairs)


def test_a_malformed_entry_is_refused_naming_the_list_and_code() -> None:
    """A label that is neither text nor a table of languages stops with the place named."""
    with pytest.raises(RegistryError, match=r"\[phase\] INTAKE"):
        parse_catalogue('[phase]\nINTAKE = { nl = "Intake", fr = "Accueil" }\n', "t.toml")
    with pytest.raises(RegistryError, match=r"\[phase\] INTAKE"):
        parse_catalogue('[phase]\nINTAKE = { nl = "" }\n', "t.toml")


def test_a_plain_label_is_dutch_only() -> None:
    """``CODE = "label"`` gives a Dutch label; English then reads the code."""
    parsed = parse_catalogue('[phase]\nINTAKE = "Intake"\n', "t.toml")
    assert parsed["nl"].label("phase", "INTAKE") == "Intake"
    assert parsed["en"].label("phase", "INTAKE") == "INTAKE"
