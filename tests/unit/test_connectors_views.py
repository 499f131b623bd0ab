"""Turning view and rejected records into typed values, and finding the work they hold for a partner."""

from __future__ import annotations

import json
import uuid

import pytest

from connectors.follow_up import open_actions, open_forwards
from connectors.sdk.errors import TransportError
from connectors.sdk.models import CaseRemoved, CaseView, Position, rejected_message, view_update
from connectors.sdk.transport import Backoff
from ketenhub.errors import CodecError

AT = Position(topic="view.police", partition=0, offset=7)
FORWARD = str(uuid.UUID(int=5))


def police_view(acknowledged: dict[str, str]) -> CaseView:
    rendered = {
        "case_id": "case-1",
        "phase": "ACTION_PLAN",
        "status": "OPEN",
        "closed": None,
        "visible_because": ["ACTION_OWNER", "FORWARDED"],
        "forwards": {
            FORWARD: {
                "to": ["police", "riec"],
                "reason": "ACTION_PLAN",
                "at": "t",
                "acknowledged": acknowledged,
            }
        },
        "actions": {
            "a1": {
                "kind": "CONTROL_VISIT",
                "owner": "police",
                "due_date": "2025-03-01",
                "result": None,
            },
            "a2": {
                "kind": "STOP_TALK",
                "owner": "municipality",
                "due_date": "2025-03-01",
                "result": None,
            },
            "a3": {
                "kind": "ADDRESS_CHECK",
                "owner": "police",
                "due_date": "2025-03-01",
                "result": "COMPLETED",
            },
        },
    }
    update = view_update("police", b"case-1", json.dumps(rendered).encode(), AT)
    assert isinstance(update, CaseView)
    return update


def test_a_view_record_becomes_a_typed_case_view() -> None:
    """Case id, phase, status and reasons are fields; the rest of the rendering is kept as sections."""
    view = police_view({})
    assert (view.case_id, view.phase, view.status) == ("case-1", "ACTION_PLAN", "OPEN")
    assert view.visible_because == ("ACTION_OWNER", "FORWARDED")
    assert set(view.sections) == {"closed", "forwards", "actions"} and view.position == AT
    assert view.section("signal") == {}


def test_a_care_view_has_no_phase_or_status() -> None:
    """Roles that do not see the phase get None, not an error."""
    care = view_update(
        "shop", b"c", b'{"case_id": "c", "visible_because": ["REFERRAL:r1"], "referrals": {}}', AT
    )
    assert isinstance(care, CaseView) and (care.phase, care.status) == (None, None)


def test_a_tombstone_becomes_a_removal() -> None:
    """A record without a value means the partner lost sight of the case."""
    assert view_update("police", b"case-1", None, AT) == CaseRemoved(
        partner="police", case_id="case-1", position=AT
    )


@pytest.mark.parametrize(("key", "value"), [(None, b"{}"), (b"case-1", b"not json")])
def test_a_broken_view_record_is_a_codec_error(key: bytes | None, value: bytes) -> None:
    """A view record without a case key, or not JSON, raises CodecError naming where it is."""
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
    assert [f.forward_event_id for f in open_forwards([police_view({"riec": "t"})], "police")] == [
        uuid.UUID(int=5)
    ]
    assert open_forwards([police_view({"police": "t"})], "police") == []
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
