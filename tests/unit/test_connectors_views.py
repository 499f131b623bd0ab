"""Turning view and rejected records into typed values, and finding the work they hold for a partner."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from connectors.follow_up import open_actions, open_forwards
from connectors.sdk.errors import TransportError
from connectors.sdk.models import CaseRemoved, CaseView, Position, rejected_message, view_update
from connectors.sdk.transport import Backoff
from ketenhub.codec.single_object import encode_event
from ketenhub.codec.views import encode_view
from ketenhub.contract import models as m
from ketenhub.contract import view_records as v
from ketenhub.errors import CodecError

AT = Position(topic="view.police", partition=0, offset=7)
FORWARD = str(uuid.UUID(int=5))
T = dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC)


def action(kind: str, owner: str, result: m.ActionResult | None) -> v.Action:
    return v.Action(kind, owner, dt.date(2025, 3, 1), result, None if result is None else T, ())


def police_view(acknowledged: dict[str, dt.datetime]) -> CaseView:
    content = v.InvestigationView(
        phase="ACTION_PLAN",
        status=v.CaseStatus.OPEN,
        closed=None,
        signal=v.SignalSummary(
            T,
            m.Channel.POLICE,
            (),
            (),
            m.Location(municipality_code="GM1916", area_code="2260"),
            (),
        ),
        intake_outcome=None,
        severity_outcome=None,
        actions={
            "a1": action("CONTROL_VISIT", "police", None),
            "a2": action("STOP_TALK", "municipality", None),
            "a3": action("ADDRESS_CHECK", "police", m.ActionResult.COMPLETED),
        },
        measures=(),
        forwards={FORWARD: v.Forward(("police", "riec"), "ACTION_PLAN", T, acknowledged)},
        research_findings=None,
        victims={},
    )
    rendered = v.CaseView("case-1", ("ACTION_OWNER", "FORWARDED"), content)
    update = view_update("police", b"case-1", encode_view(rendered), AT)
    assert isinstance(update, CaseView)
    return update


def test_a_view_record_becomes_a_typed_case_view() -> None:
    """Case id, phase, status and reasons are fields; the rest of the rendering is kept as
    sections, and the typed record beside them."""
    view = police_view({})
    assert (view.case_id, view.phase, view.status) == ("case-1", "ACTION_PLAN", "OPEN")
    assert view.visible_because == ("ACTION_OWNER", "FORWARDED")
    assert set(view.sections) == {
        *("closed", "signal", "intake_outcome", "severity_outcome", "actions", "measures"),
        *("forwards", "research_findings", "victims"),
    }
    assert view.position == AT
    assert view.section("research_findings") == {} and view.section("referrals") == {}
    assert isinstance(view.record.content, v.InvestigationView)
    assert view.record.content.actions["a3"].result is m.ActionResult.COMPLETED


def test_a_care_view_has_no_phase_or_status() -> None:
    """Roles that do not see the phase get None, not an error."""
    rendered = v.CaseView("c", ("REFERRAL:r1",), v.CareView(victims={}, referrals={}))
    care = view_update("shop", b"c", encode_view(rendered), AT)
    assert isinstance(care, CaseView) and (care.phase, care.status) == (None, None)


def test_a_tombstone_becomes_a_removal() -> None:
    """A record without a value means the partner lost sight of the case."""
    assert view_update("police", b"case-1", None, AT) == CaseRemoved(
        partner="police", case_id="case-1", position=AT
    )


def an_event() -> bytes:
    """A well-formed event: single-object encoded, but not with a view schema."""
    return encode_event(
        m.CaseClosed(
            event_id=uuid.UUID(int=1),
            occurred_at=T,
            recorded_by="municipality",
            case_id="case-1",
            reason=m.CloseReason.FORWARDED,
        )
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (None, b"{}"),
        (b"case-1", b"not json"),
        (b"case-1", b'{"case_id": "case-1"}'),
        (b"case-1", an_event()),
    ],
)
def test_a_broken_view_record_is_a_codec_error(key: bytes | None, value: bytes) -> None:
    """A view record without a case key, or not a view record (JSON, an event), raises
    CodecError naming where it is."""
    with pytest.raises(CodecError, match=r"view\.police@7"):
        view_update("police", key, value, AT)


def test_a_rejected_record_gives_code_reason_event_and_origin() -> None:
    """The rejection headers and the CloudEvents headers name what was refused, why and where it came from."""
    headers = (
        ("ce_id", b"e-1"),
        ("ce_type", b"nl.ketenhub.signal-acknowledged"),
        ("ce_subject", b"case-1"),
        ("ketenhub_input", b"ingest.police/2/41"),
        ("ketenhub_rejection_code", b"MISSING_REFERENCE"),
        ("ketenhub_rejection_reason", b"no forward exists"),
    )
    rejected = rejected_message("police", b"\xc3\x01raw", headers, AT)
    assert (rejected.code, rejected.reason, rejected.event_id) == (
        "MISSING_REFERENCE",
        "no forward exists",
        "e-1",
    )
    assert (rejected.event_type, rejected.case_id, rejected.value) == (
        "SignalAcknowledged",
        "case-1",
        b"\xc3\x01raw",
    )
    assert rejected.source == Position(topic="ingest.police", partition=2, offset=41)


def test_open_forwards_are_those_addressed_and_not_acknowledged_by_the_partner() -> None:
    """A forward counts as open for a partner until that partner acknowledged it; others' acks do not count."""
    assert [f.forward_event_id for f in open_forwards([police_view({"riec": T})], "police")] == [
        uuid.UUID(int=5)
    ]
    assert open_forwards([police_view({"police": T})], "police") == []
    assert open_forwards([police_view({})], "heit") == []


def test_open_actions_are_the_partners_own_unfinished_actions() -> None:
    """Only actions the partner owns and that have no result are open."""
    assert [a.action_id for a in open_actions([police_view({})], "police")] == ["a1"]


def test_backoff_retries_transient_failures_then_gives_up() -> None:
    """A transient failure is retried; when it keeps failing, TransportError names the action and attempts."""
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TimeoutError("transient")
        return "sent"

    assert Backoff(attempts=3, first_delay_s=0).run(flaky, (TimeoutError,), "sending") == "sent"
    with pytest.raises(TransportError, match="sending failed after 2 attempts: TimeoutError"):
        Backoff(attempts=2, first_delay_s=0).run(
            lambda: (_ for _ in ()).throw(TimeoutError()), (TimeoutError,), "sending"
        )
