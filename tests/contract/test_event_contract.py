"""The .avsc files are the single source of truth: the typed models agree with them exactly."""

from __future__ import annotations

import random

import pytest

from ketenhub.codec.single_object import decode_event, encode_datum, encode_event
from ketenhub.contract.codegen import MODELS_PATH, cloudevent_type, generate
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.contract.schemas import EVENT_NAMESPACE, catalogue
from tests.contract.avro_samples import sample

EVENT_TYPES = catalogue().names(EVENT_NAMESPACE)
ALL_VERSIONS = [
    v for name in EVENT_TYPES for v in catalogue().versions(f"{EVENT_NAMESPACE}.{name}")
]
CATALOGUE_OF_DESIGN = {
    "SignalReceived",
    "IntakeAssessed",
    "SeverityAssessed",
    "SourceResearchCompleted",
    "ActionPlanAdopted",
    "ActionCompleted",
    "MeasureImposed",
    "SignalForwarded",
    "SignalAcknowledged",
    "CaseClosed",
    "SharingDecided",
    "SharingRevoked",
    "BibobScreeningCompleted",
    "PermitDecided",
    "StopTalkHeld",
    "ControlDayPlanned",
    "ControlVisitLogged",
    "ControlDayClosed",
    "VictimIdentified",
    "ReferralMade",
    "ReferralAccepted",
    "ReferralDeclined",
    "CareStarted",
    "CareEnded",
    "TrainingCompleted",
    "CampaignHeld",
    "MeetingHeld",
    "EvaluationFindingRecorded",  # a qualitative finding for the annual evaluation
}


def test_the_generated_models_are_up_to_date() -> None:
    """models.py is exactly what the generator makes from schemas/avro (run codegen after a schema change)."""
    assert MODELS_PATH.read_text(encoding="utf-8") == generate(catalogue())


def test_the_contract_covers_the_whole_catalogue() -> None:
    """Every event type of the design has a schema and a model, and nothing else sneaks in."""
    assert set(EVENT_TYPES) == CATALOGUE_OF_DESIGN
    assert set(EVENT_MODELS) == CATALOGUE_OF_DESIGN


@pytest.mark.parametrize("name", EVENT_TYPES)
def test_model_fields_are_the_newest_schema_fields(name: str) -> None:
    """A model has exactly the fields of its newest schema, in order, required where the schema has no default."""
    schema = catalogue().latest(f"{EVENT_NAMESPACE}.{name}").source
    model = EVENT_MODELS[name]
    assert list(model.model_fields) == [f["name"] for f in schema["fields"]]
    for field in schema["fields"]:
        assert model.model_fields[field["name"]].is_required() == ("default" not in field), field[
            "name"
        ]
    assert cloudevent_type(name) == model.CLOUDEVENT_TYPE


@pytest.mark.parametrize("name", EVENT_TYPES)
def test_generated_instances_round_trip(name: str) -> None:
    """Random datums of every event type survive model -> Avro bytes -> model unchanged."""
    rng = random.Random(name)
    version = catalogue().latest(f"{EVENT_NAMESPACE}.{name}")
    for _ in range(25):
        event = EVENT_MODELS[name].model_validate(sample(version.source, rng))
        assert decode_event(encode_event(event)) == event


@pytest.mark.parametrize("version", ALL_VERSIONS, ids=lambda v: v.path.name)
def test_every_version_decodes_into_the_newest_model(version: object) -> None:
    """Bytes written with any released version decode into the newest model (new fields take defaults)."""
    rng = random.Random(version.path.name)  # type: ignore[attr-defined]
    for _ in range(10):
        datum = sample(version.source, rng)  # type: ignore[attr-defined]
        event = decode_event(encode_datum(version, datum))  # type: ignore[arg-type]
        assert str(event.event_id) == datum["event_id"]
        assert event.recorded_by == datum["recorded_by"]
