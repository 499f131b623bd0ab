"""`ketenhub demo` seals and projects a synthetic year; rebuilt views equal the live ones."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ketenhub import topics
from ketenhub.codec.views import decode_view, view_document
from ketenhub.runtime.embedded.hub import EmbeddedHub


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo run shared by the tests of this module."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [sys.executable, "-m", "ketenhub", "demo", "--data-dir", str(folder / "hub")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (folder / "summary.txt").write_text(done.stdout)
    return folder


def test_the_summary_tells_what_happened(demo_dir: Path) -> None:
    """The summary reports sealed and rejected events with reasons, phases, partners, data and next steps."""
    summary = (demo_dir / "summary.txt").read_text()
    for expected in (
        "sealed 949",
        "rejected 10",
        "duplicates ignored 1",
        "hash chain intact",
        "by the phase they reached",
        "What each partner can see",
        "log.sqlite",
        "ketenhub view",
    ):
        assert expected in summary
    assert "NOT_AUTHORIZED" in summary and "UNKNOWN_SCHEMA" in summary


def test_rebuilding_every_view_from_offset_zero_equals_the_live_views(demo_dir: Path) -> None:
    """For every partner, views rebuilt from audit.log offset 0 are byte-equal to the compacted view topic."""
    with EmbeddedHub(demo_dir / "hub") as hub:
        rebuilt = hub.rebuilt_views()
        for partner in hub.registry.partners:
            assert rebuilt.views(partner.id) == hub.live_views(partner.id), partner.id
        assert hub.verify().records == hub.log.end_offset(topics.AUDIT_LOG) == 949


def test_every_partner_sees_what_its_role_allows(demo_dir: Path) -> None:
    """The coordinator sees every case; care partners see only referral sections; the anonymous channel nothing."""
    with EmbeddedHub(demo_dir / "hub") as hub:
        coordinator = hub.live_views("municipality")
        opened = {
            r.case_id
            for r in map(_sealed, hub.records(topics.AUDIT_LOG))
            if r.event_type == "SignalReceived"
        }
        assert set(coordinator) == opened
        for care in (
            "shop",
            "leger-des-heils",
            "kessler-perspektief",
            "comensha",
            "vluchtelingenwerk",
        ):
            views = [view_document(decode_view(v)) for v in hub.live_views(care).values()]
            assert views, care
            assert all(
                set(v) == {"case_id", "visible_because", "victims", "referrals"} for v in views
            )
        assert hub.live_views("meld-misdaad-anoniem") == {}


def test_rejected_messages_are_kept_with_reasons(demo_dir: Path) -> None:
    """Each refused message sits in its partner's rejected topic with a code and a reason."""
    with EmbeddedHub(demo_dir / "hub") as hub:
        codes: Counter[str] = Counter()
        for partner in hub.registry.partners:
            for record in hub.records(topics.rejected(partner.id)):
                headers = dict(record.headers)
                codes[headers["ketenhub_rejection_code"].decode()] += 1
                assert headers["ketenhub_rejection_reason"]
        assert sum(codes.values()) == 10 and codes["NOT_AUTHORIZED"] == 2


def _sealed(record: object) -> object:
    from ketenhub.core.sealing import decode_sealed

    return decode_sealed(record.value, record.offset)  # type: ignore[attr-defined]
