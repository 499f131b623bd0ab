"""`ketenhub verify --views` rebuilds views and rejections from audit.log and names each that differs."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from synthetic import Story  # shared synthetic events of the unit tests

from ketenhub import topics
from ketenhub.core.input_ref import INPUT_HEADER
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.embedded.runner import read_all
from ketenhub.runtime.embedded.sqlite_log import SqliteTopicLog


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    """A hub with signals by the municipality's staff, one rejected message, key copied outside."""
    data_dir = tmp_path / "hub"
    story = Story()
    with EmbeddedHub(data_dir, create=True) as opened:
        for n in range(3):
            opened.publish(story.signal(case=f"case-{n}"))
        opened.publish_raw("police", b"not an event", ())
        stats = opened.run()
        assert stats.sealed == 3 and stats.rejected == 1
    shutil.copy(data_dir / "keys" / "hub-signing-key.pub.pem", tmp_path / "trusted.pub.pem")
    return data_dir


def verify_views(ketenhub, data_dir: Path):  # type: ignore[no-untyped-def]
    """Run verify --views with the pinned key."""
    pin = str(data_dir.parent / "trusted.pub.pem")
    return ketenhub(
        "verify", "--views", "--data-dir", str(data_dir), "--trusted-key", pin, check=False
    )


def test_untouched_views_and_rejections_match(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """An untouched hub's views and rejections equal their rebuild: exit 0."""
    done = verify_views(ketenhub, hub)
    assert done.returncode == 0, done.stderr
    assert (
        "equal their rebuild from audit.log" in done.stdout and "1 record(s) match" in done.stdout
    )


@pytest.mark.parametrize("well_formed", [False, True], ids=["garbage", "a-valid-view-record"])
def test_a_forged_view_giving_police_a_case_is_found(
    ketenhub, hub: Path, well_formed: bool
) -> None:  # type: ignore[no-untyped-def]
    """A view appended to view.police for a case never shared with the police is named, be it
    garbage or a well-formed view record (the coordinator's, copied)."""
    with EmbeddedHub(hub) as opened:
        copied = opened.live_views(opened.registry.partners[0].id)["case-1"]
    forged = copied if well_formed else b'{"case_id": "case-1"}'
    with SqliteTopicLog(hub / "log.sqlite") as log:
        log.append(topics.view("police"), forged, key=b"case-1")
    done = verify_views(ketenhub, hub)
    assert done.returncode == 1
    assert (
        "view.police case case-1: the view exists but audit.log gives this partner no reason"
        in done.stderr
    )


def test_a_deleted_view_is_found(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """A tombstone hiding the coordinator's view of a case is named as a missing view."""
    with EmbeddedHub(hub) as opened:
        coordinator = opened.registry.partners[0].id
        assert "case-2" in opened.live_views(coordinator)
        opened.log.append(topics.view(coordinator), None, key=b"case-2")
    done = verify_views(ketenhub, hub)
    assert done.returncode == 1
    assert f"view.{coordinator} case case-2: the view is missing" in done.stderr


def test_a_forged_rejection_of_a_sealed_input_is_found(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """A rejected record pointing at an input that was sealed, and one rejecting an input twice, are named."""
    with SqliteTopicLog(hub / "log.sqlite") as log:
        sealed = next(read_all(log, topics.AUDIT_LOG))
        origin = dict(sealed.headers)[INPUT_HEADER]
        partner = origin.decode().split("/")[0].removeprefix("ingest.")
        log.append(topics.rejected(partner), b"x", headers=((INPUT_HEADER, origin),))
        first = next(read_all(log, topics.rejected("police")))
        log.append(topics.rejected("police"), first.value, headers=first.headers)
    done = verify_views(ketenhub, hub)
    assert done.returncode == 1
    assert "was sealed into audit.log, yet it is listed as rejected" in done.stderr
    assert (
        "rejected.police offset 1 (input ingest.police/0/0): the input is rejected twice"
        in done.stderr
    )
