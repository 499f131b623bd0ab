"""Every table, dimension, measure and indicator of the evaluation has words in Dutch and English."""

from __future__ import annotations

import pytest

from ketenhub.config.labels import labels_in
from ketenhub.evaluation import PARTS, evaluate_events
from ketenhub.evaluation.indicators import SECTIONS, SPECS
from ketenhub.evaluation.wording import Language, words

LANGUAGES: tuple[Language, ...] = ("nl", "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_table_dimension_and_measure_is_worded(language: Language) -> None:
    """No key of an evaluation table reads as itself in the report."""
    said = words(language)
    missing = []
    for table in evaluate_events([], 2025).tables:
        if said.table_title(table.key) == table.key or not said.table_note(table.key):
            missing.append(table.key)
        missing += [f"dim {d}" for d in table.dims if not said.has("dims", d)]
        missing += [f"measure {m}" for m in table.measures if not said.has("measures", m)]
    missing += [f"part {p.key}" for p in PARTS if not said.has("parts", p.key)]
    missing += [f"section {s}" for s in SECTIONS if not said.has("sections", s)]
    missing += [f"indicator {s.key}" for s in SPECS if not said.has("indicators", s.key)]
    assert missing == []


def test_every_dimension_names_a_code_list_of_the_labels_catalogue() -> None:
    """Row codes are labelled from the one catalogue the web pages use too."""
    said, catalogue = words("nl"), labels_in("nl")
    for table in evaluate_events([], 2025).tables:
        for dim in table.dims:
            codes = said.codes_of(dim)
            assert codes is None or codes in catalogue.lists, (table.key, dim)
    for spec in SPECS:
        assert not spec.code_list or spec.code_list in catalogue.lists, spec.key


def test_the_parts_carry_the_policy_plans_own_words() -> None:
    """The five parts read as the plan names them."""
    assert [words("nl").part(p.key) for p in PARTS] == [
        "Bewustwording en training",
        "Signaleringsstructuur",
        "Handhaving en barrières",
        "Ondersteuning van slachtoffers",
        "Samenwerking met partners",
    ]


def test_placeholders_are_filled_and_unknown_ones_left_alone() -> None:
    """The bottleneck title names its days; a missing key reads as itself."""
    nl = words("nl")
    assert "meer dan 14 dagen" in nl.table_title("victims.bottlenecks", days=14)
    assert nl.measure("care started late") == "Zorg gestart na meer dan {days} dagen"
    assert nl.measure("no such measure") == "no such measure"
