"""Every event type is placed in each fold of the vocabulary, on purpose: handled, or named as not concerned."""

from __future__ import annotations

from ketenhub.contract.models import EVENT_MODELS
from ketenhub.core import case_state, ledger, validation

EVERY_TYPE = frozenset(EVENT_MODELS)

# Types that leave no fact later events refer to: awareness figures, and decisions nothing cites.
NOT_IN_LEDGER = frozenset({"CampaignHeld", "TrainingCompleted", "PermitDecided", "StopTalkHeld"})
# Types that are no part of a case's view: awareness, permits and Bibob screenings, control days
# and their visits, and stop talks with employers (not folded into the case state).
NOT_IN_CASE_VIEWS = frozenset(
    {
        "CampaignHeld",
        "TrainingCompleted",
        "PermitDecided",
        "BibobScreeningCompleted",
        "ControlDayPlanned",
        "ControlVisitLogged",
        "ControlDayClosed",
        "StopTalkHeld",
    }
)


def handled(table: dict[type, object]) -> frozenset[str]:
    return frozenset(t.__name__ for t in table)


def test_every_event_type_has_a_validation_rule() -> None:
    """A new event type cannot reach the log unchecked: validation names a rule for each."""
    assert handled(validation._RULES) == EVERY_TYPE


def test_every_event_type_is_in_the_ledger_or_named_as_not_concerned() -> None:
    """The ledger folds every type except the ones that leave no fact to refer to."""
    assert handled(ledger._APPLY) | NOT_IN_LEDGER == EVERY_TYPE
    assert not handled(ledger._APPLY) & NOT_IN_LEDGER


def test_every_event_type_is_in_the_case_views_or_named_as_not_concerned() -> None:
    """The case-state fold covers every type except the ones that are no part of a case view."""
    assert handled(case_state._FOLD) | NOT_IN_CASE_VIEWS == EVERY_TYPE
    assert not handled(case_state._FOLD) & NOT_IN_CASE_VIEWS
