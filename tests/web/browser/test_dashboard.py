"""The analyst dashboard in a real browser: every figure equals the evaluation's published figure."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ketenhub.cli.sources import EmbeddedSource
from ketenhub.evaluation import EvaluationSettings, publish
from ketenhub.web.pages.dashboard import DASHBOARD_TABLES
from replay.pipeline import evaluate_source
from tests.web.browser.conftest import PagesHub, Screen, make_pages_hub

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
    demo_hub: PagesHub, screens: Callable[..., Screen]
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

    screen.page.get_by_role("link", name=f"Jaarverslag {YEAR} opbouwen").click()
    expect(screen.page.get_by_role("heading", level=1)).to_contain_text(str(YEAR))
    expect(screen.page.locator("table[data-table]")).to_have_count(len(evaluation.tables))
    screen.shot("jaarverslag")


def test_dashboard_is_for_the_coordinator_only(
    demo_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """A partner's user finds no dashboard (404), not even the annual report."""
    screen = screens(demo_hub)
    screen.sign_in(demo_hub.user("police"))
    for path in ("/dashboard", "/dashboard/jaarverslag"):
        response = screen.page.goto(f"{demo_hub.url}{path}")
        assert response is not None and response.status == 404
