"""`ketenhub replay --as-of`: a case and a partner's view as known on a date, by sealing time."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from evaluation_story import Chronicle, at  # the hand-built history of the evaluation tests

from ketenhub.cli.sources import EmbeddedSource
from ketenhub.runtime.embedded.hub import EmbeddedHub
from replay.pipeline import Replay
from replay.time_travel import case_state, known_before, partner_view, sharing_in_force, snapshot

Run = Callable[..., subprocess.CompletedProcess[str]]  # the `ketenhub` fixture of conftest.py


def seal_at(folder: Path, moment: dt.datetime, events: list[Any]) -> None:
    """Publish ``events`` and seal them with the hub's clock standing at ``moment``."""
    with EmbeddedHub(folder, create=True, clock=lambda: moment) as hub:
        for event in events:
            hub.publish(event)
        stats = hub.run()
        assert stats.sealed == len(events), stats.rejections


@pytest.fixture(scope="module")
def hub_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """c1 opened and taken in on 1 March, assessed and shared with HEIT on 1 April, revoked on 1 May."""
    folder = tmp_path_factory.mktemp("travel") / "hub"
    s = Chronicle()
    seal_at(
        folder,
        at(2025, 3, 1, 12),
        [s.signal("c1", at(2025, 2, 27)), s.intake("c1", at(2025, 2, 28))],
    )
    seal_at(
        folder,
        at(2025, 4, 1, 12),
        [s.severity("c1", at(2025, 3, 30)), s.share("c1", "d1", at(2025, 3, 31), "heit")],
    )
    seal_at(folder, at(2025, 5, 1, 12), [s.revoke("c1", "d1", at(2025, 4, 30), "heit")])
    return folder


def replay_json(ketenhub: Run, hub_dir: Path, *args: str) -> dict[str, Any]:
    """Run ``ketenhub replay`` and parse its JSON."""
    done = ketenhub("replay", *args, "--data-dir", str(hub_dir))
    return dict(json.loads(done.stdout))


def test_a_case_before_a_later_event_does_not_show_it(ketenhub: Run, hub_dir: Path) -> None:
    """On 15 March c1 is in intake; its severity assessment, sealed on 1 April, is not there."""
    shown = replay_json(ketenhub, hub_dir, "--as-of", "2025-03-15", "--case", "c1")
    case = shown["case"]
    assert (shown["records_sealed_by_then"], case["phase"], case["severity"]) == (2, "INTAKE", None)
    assert [h["event_type"] for h in case["history"]] == ["SignalReceived", "IntakeAssessed"]


def test_a_case_after_the_later_event_shows_it(ketenhub: Run, hub_dir: Path) -> None:
    """On 2 April c1 is in severity and the decision to share it with HEIT is in force."""
    shown = replay_json(ketenhub, hub_dir, "--as-of", "2025-04-02", "--case", "c1")
    assert shown["case"]["phase"] == "SEVERITY"
    assert [(d["case_id"], d["partner"]) for d in shown["sharing_in_force"]] == [("c1", "heit")]


def test_a_partner_view_before_a_sharing_decision_does_not_contain_the_case(
    ketenhub: Run, hub_dir: Path
) -> None:
    """HEIT cannot see c1 on 15 March, can on 2 April, and cannot after the revocation of 1 May."""
    before = replay_json(ketenhub, hub_dir, "--as-of", "2025-03-15", "--partner", "heit")
    during = replay_json(ketenhub, hub_dir, "--as-of", "2025-04-02", "--partner", "heit")
    after = replay_json(ketenhub, hub_dir, "--as-of", "2025-05-02", "--partner", "heit")
    assert before["views"] == {} and before["sharing_in_force"] == []
    assert list(during["views"]) == ["c1"] and during["views"]["c1"]["visible_because"] == [
        "SHARED:d1"
    ]
    assert after["views"] == {} and after["sharing_in_force"] == []


def test_the_day_given_counts_up_to_its_end_in_utc(ketenhub: Run, hub_dir: Path) -> None:
    """--as-of 2025-04-01 includes what was sealed at noon that day; 11:59 UTC does not."""
    day = replay_json(ketenhub, hub_dir, "--as-of", "2025-04-01", "--case", "c1")
    morning = replay_json(ketenhub, hub_dir, "--as-of", "2025-04-01T13:59:00+02:00", "--case", "c1")
    assert (day["case"]["phase"], morning["case"]["phase"]) == ("SEVERITY", "INTAKE")


def test_a_partners_view_of_one_case_is_its_need_to_know_view(ketenhub: Run, hub_dir: Path) -> None:
    """HEIT's view of c1 on 2 April leaves out the reporter, as an inspection partner's view does."""
    shown = replay_json(
        ketenhub, hub_dir, "--as-of", "2025-04-02", "--case", "c1", "--partner", "heit"
    )
    assert "reported_by" not in shown["case"]["signal"] and "research" not in shown["case"]


def test_a_bad_date_is_one_clear_line(ketenhub: Run, hub_dir: Path) -> None:
    """An unreadable --as-of is refused with an example of what is expected."""
    done = ketenhub("replay", "--as-of", "1 April", "--data-dir", str(hub_dir), check=False)
    assert done.returncode == 1 and "2025-06-30" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_an_unknown_partner_is_refused(ketenhub: Run, hub_dir: Path) -> None:
    """A partner id not in the registry is named in the error."""
    done = ketenhub(
        "replay",
        "--as-of",
        "2025-04-02",
        "--partner",
        "nobody",
        "--data-dir",
        str(hub_dir),
        check=False,
    )
    assert done.returncode == 1 and "nobody" in done.stderr


def test_the_snapshot_functions_agree_with_the_command(hub_dir: Path) -> None:
    """The library gives the same answers: the prefix stops at the first record sealed later."""
    with EmbeddedSource(hub_dir) as source, EmbeddedHub(hub_dir) as hub:
        snap = snapshot(Replay(source).events(), known_before("2025-04-02"), hub.registry)
    assert snap.records == 4 and snap.last_sealed_at == at(2025, 4, 1, 12)
    assert case_state(snap, "c1") is not None and case_state(snap, "unknown") is None
    assert list(partner_view(snap, "heit")) == ["c1"]
    assert [d["decision_id"] for d in sharing_in_force(snap, partner="heit")] == ["d1"]
