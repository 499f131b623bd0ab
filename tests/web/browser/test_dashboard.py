"""The analyst dashboard in a real browser: every figure equals the evaluation's published figure."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ketenhub.cli.sources import EmbeddedSource
from ketenhub.evaluation import EvaluationSettings, publish
from ketenhub.hub_folder import HubFolder
from ketenhub.web.pages.dashboard import DASHBOARD_TABLES
from replay.pipeline import evaluate_source
from tests.web.browser.conftest import PagesHub, Screen, make_pages_hub
from tests.web.conftest import signal_fields

YEAR, BASELINE = 2025, 2024


@pytest.fixture
def demo_hub(tmp_path: Path) -> Iterator[PagesHub]:
    """The demo year (2025) in a fresh hub, served for the pages."""
    data_dir = tmp_path / "demo"
    subprocess.run(
        [sys.executable, "-m", "ketenhub", "demo", "--data-dir", str(data_dir)],
        check=True,
        capture_output=True,
    )
    yield from make_pages_hub(data_dir)


def test_dashboard_figures_equal_the_evaluations(
    demo_hub: PagesHub, screens: Callable[..., Screen], tmp_path: Path
) -> None:
    """Each cell of each dashboard table is the text the evaluation publishes, small counts hidden alike."""
    screen = screens(demo_hub)
    screen.sign_in(demo_hub.user("municipality", "analist"))
    screen.goto(f"/dashboard?jaar={YEAR}&nulmeting={BASELINE}")
    expect(screen.page.get_by_role("heading", level=1)).to_have_text(
        f"Dashboard mensenhandel {YEAR}"
    )
    screen.shot("dashboard")

    with EmbeddedSource(demo_hub.web.data_dir) as source:
        evaluation = evaluate_source(source, YEAR, BASELINE).evaluation
    min_count = EvaluationSettings().min_count
    compared = hidden = 0
    for key in DASHBOARD_TABLES:
        table = evaluation.table(key)
        published = publish(table, min_count)
        shown = screen.page.locator(f"table[data-table='{key}'] tbody tr")
        expect(shown).to_have_count(len(table.rows))
        for r, row in enumerate(table.rows):
            cells = shown.nth(r).locator("td").all_inner_texts()
            expected = [published.text(r, m) for m in range(len(row.figures))]
            assert cells == expected, f"{key} row {row.labels}"
            compared += len(cells)
            hidden += sum(1 for m in range(len(row.figures)) if published.is_hidden(r, m))
    assert compared > 100 and hidden > 0, "the demo year has figures, some of them hidden"
    assert "<5" in screen.page.locator("main").inner_text()

    with screen.page.expect_navigation() as navigation:
        screen.page.get_by_role("link", name=f"Jaarverslag {YEAR} opbouwen").click()
    response = navigation.value
    assert response is not None and response.status == 200
    expect(screen.page.get_by_role("heading", level=1)).to_contain_text(str(YEAR))
    expect(screen.page.locator("table").first).to_be_visible()
    screen.shot("jaarverslag")
    assert response.text() == _report_of_the_command(demo_hub.web.data_dir, tmp_path), (
        "the page serves the very report `ketenhub evaluate` writes from the same log"
    )


def _report_of_the_command(data_dir: Path, tmp_path: Path) -> str:
    """The report.html that `ketenhub evaluate` writes for the demo year."""
    out = tmp_path / "evaluation"
    years = ["--year", str(YEAR), "--baseline", str(BASELINE)]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ketenhub",
            "evaluate",
            *years,
            "--out",
            str(out),
            "--data-dir",
            str(data_dir),
        ],
        check=True,
        capture_output=True,
    )
    return (out / "report.html").read_text(encoding="utf-8")


def test_the_report_is_refused_when_the_history_does_not_verify(
    pages_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """One altered byte in audit.log: no report, a plain message naming the fault and what to do."""
    pages_hub.publish("municipality", signal_fields("zaak-verslag-1"))
    screen = screens(pages_hub)
    screen.sign_in(pages_hub.user("municipality", "analist"))
    log_file = HubFolder(pages_hub.web.data_dir).require_log()
    with sqlite3.connect(log_file) as db:
        ((offset, value),) = db.execute(
            "SELECT offset, value FROM records WHERE topic = 'audit.log' ORDER BY offset LIMIT 1"
        ).fetchall()
        altered = value.replace(b"2264", b"2265")
        assert altered != value
        db.execute(
            "UPDATE records SET value = ? WHERE topic = 'audit.log' AND offset = ?",
            (altered, offset),
        )
    response = screen.page.goto(f"{pages_hub.url}/dashboard/jaarverslag?jaar={YEAR}")
    assert response is not None and response.status == 409
    message = screen.page.locator("main").inner_text()
    assert f"Het jaarverslag {YEAR} is niet gemaakt" in message
    assert "verification failed" not in message and "ketenhub verify" in message
    screen.shot("niet-geverifieerd")


def test_dashboard_is_for_the_coordinator_only(
    demo_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """A partner's user finds no dashboard (404), not even the annual report."""
    screen = screens(demo_hub)
    screen.sign_in(demo_hub.user("police"))
    for path in ("/dashboard", "/dashboard/jaarverslag"):
        response = screen.page.goto(f"{demo_hub.url}{path}")
        assert response is not None and response.status == 404
