"""The register of processing lists every event field with its kind, the roles that see it and its retention."""

from __future__ import annotations

from ketenhub.config import load_registry
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.contract.schemas import catalogue
from ketenhub.core.data_inventory import InventoryRow, inventory, markdown
from ketenhub.core.data_kinds import DataKind, field_entries
from ketenhub.core.partners import Role
from ketenhub.core.retention import RetentionPeriod, RetentionPeriods

REGISTRY = load_registry()
ROWS = inventory(REGISTRY)


def row(event_type: str, path: str) -> InventoryRow:
    """The register's row of one field."""
    (found,) = [r for r in ROWS if r.event_type == event_type and r.path == path]
    return found


def test_every_field_of_every_event_type_is_listed_once() -> None:
    """The register has one row per field of the newest version of each of the event types."""
    expected = {
        (name, entry.path)
        for name, model in EVENT_MODELS.items()
        for entry in field_entries(catalogue().latest(model.SCHEMA_NAME).source)
    }
    listed = [(r.event_type, r.path) for r in ROWS]
    assert sorted(listed) == sorted(expected)
    assert row("ReferralMade", "interpreter_needed").version == 2


def test_kinds_come_from_the_schemas() -> None:
    """Pseudonyms, encrypted texts and a victim's attributes are listed with their kind."""
    assert row("SignalReceived", "persons").kind is DataKind.PSEUDONYM
    assert row("SignalReceived", "free_text").kind is DataKind.ENCRYPTED_TEXT
    assert row("SignalReceived", "free_text.subject").kind is DataKind.PSEUDONYM
    assert row("VictimIdentified", "gender").kind is DataKind.PERSON_ATTRIBUTE
    assert row("SignalReceived", "location").kind is DataKind.NESTED
    assert row("CampaignHeld", "reach").kind is DataKind.NONE


def test_who_sees_a_field_follows_the_need_to_know_rules() -> None:
    """Free text only the coordinator; the signal's persons not care or municipal staff; the
    victim of a referral the care partner; the anonymous channel nothing."""
    assert row("SignalReceived", "free_text").seen_by == (Role.COORDINATOR,)
    assert row("SourceResearchCompleted", "summary").seen_by == (Role.COORDINATOR,)
    persons = row("SignalReceived", "persons").seen_by
    assert persons == (Role.COORDINATOR, Role.POLICE, Role.INSPECTION, Role.RIEC)
    assert row("SignalReceived", "reporter_role").seen_by == (Role.COORDINATOR,)
    assert row("ReferralMade", "victim").seen_by == (Role.COORDINATOR, Role.CARE)
    assert Role.CARE in row("VictimIdentified", "age_group").seen_by  # type: ignore[operator]
    assert row("SharingDecided", "purpose").seen_by == (Role.COORDINATOR,)
    assert all(Role.ANONYMOUS_CHANNEL not in (r.seen_by or ()) for r in ROWS)
    staff = {(r.event_type, r.path) for r in ROWS if Role.MUNICIPAL_STAFF in (r.seen_by or ())}
    assert staff == {
        ("SignalReceived", "occurred_at"),
        ("SignalReceived", "case_id"),
        ("CaseClosed", "occurred_at"),
        ("CaseClosed", "case_id"),
        ("CaseClosed", "reason"),
    }
    assert row("ControlVisitLogged", "address").seen_by is None  # no case view
    care = {r.event_type for r in ROWS if Role.CARE in (r.seen_by or ())}
    assert care == {
        "VictimIdentified",
        "ReferralMade",
        "ReferralAccepted",
        "ReferralDeclined",
        "CareStarted",
        "CareEnded",
    }


def test_retention_categories_per_event_type() -> None:
    """Case events follow their case, referrals and victims their own category, control visits theirs."""
    assert row("SignalReceived", "persons").retention == "its case's categories"
    assert row("ReferralMade", "victim").retention.startswith("victims_and_referrals")
    assert row("ControlVisitLogged", "address").retention == "control_day_findings"
    assert row("CampaignHeld", "reach").retention == "no personal data"
    assert row("EvaluationFindingRecorded", "summary").retention.startswith("no category")


def test_the_markdown_shows_the_registry_periods_in_force() -> None:
    """A registry's own period and reason appear in the register, next to every field's row."""
    periods = RetentionPeriods(
        cases_with_measures=RetentionPeriod(days=4321, reason="A synthetic reason for a test")
    )
    text = markdown(REGISTRY.model_copy(update={"retention": periods}))
    assert "| `cases_with_measures` | 4321 | A synthetic reason for a test |" in text
    assert "| `signals_closed_at_intake` | 365 |" in text
    assert "| SignalReceived v2 | `free_text` | `encrypted_text` | COORDINATOR |" in text
    assert "| SealedRecord | `payload` | `sealed_event` |" in text
    assert "| CareView | `content.victims` | `pseudonym` |" in text
