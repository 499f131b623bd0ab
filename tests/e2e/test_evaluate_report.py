"""The evaluation report as a council reads it: Dutch or English, key figures first, nothing recoverable.

Built from the demo's two years (and a three-year hub for the trend), as a user runs
`ketenhub evaluate`; the HTML is opened in a real headless Chromium (Debian's, driven by
Playwright) on screen and on A4, and screenshots of the first page and a part are saved in
tests/e2e/screenshots/ (not in version control) for a person to look at.
"""

from __future__ import annotations

import csv
import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketenhub.config.labels import labels_in
from ketenhub.contract.base import Event
from ketenhub.demo.loading import seal_as_it_happened
from ketenhub.demo.scenario import build_year
from ketenhub.runtime.embedded.hub import EmbeddedHub

KETENHUB = [sys.executable, "-m", "ketenhub"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
A4_PRINT_WIDTH = 695  # CSS pixels: 210 mm less the page's 13 mm margins on each side
PARTS_NL = [
    "1. Bewustwording en training",
    "2. Signaleringsstructuur",
    "3. Handhaving en barrières",
    "4. Ondersteuning van slachtoffers",
    "5. Samenwerking met partners",
]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ketenhub as a user would (no KETENHUB_ variables); fail the test when it fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    done = subprocess.run(
        [*KETENHUB, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"ketenhub {' '.join(args)}: {done.stderr}"
    return done


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's 2025 report against 2024 in Dutch (the default) and in English."""
    folder = tmp_path_factory.mktemp("report")
    run("demo", "--data-dir", str(folder / "hub"))
    built = {}
    for language in ("nl", "en"):
        out = folder / language
        args = ["--year", "2025", "--baseline", "2024", "--out", str(out)]
        extra = [] if language == "nl" else ["--language", "en"]
        run("evaluate", *args, *extra, "--data-dir", str(folder / "hub"))
        built[language] = out
    return built


@pytest.fixture(scope="module")
def trend(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trend 2023-2025 against the baseline 2023, from a hub holding those three years."""
    folder = tmp_path_factory.mktemp("trend")
    with EmbeddedHub(folder / "hub", create=True) as hub:
        messages = build_year(2023, protector=hub.protector, baseline=True)
        for year in (2024, 2025):
            messages += build_year(year, protector=hub.protector)
        seal_as_it_happened(hub, messages)
    run(
        "evaluate",
        "--years",
        "2023-2025",
        "--out",
        str(folder / "out"),
        "--data-dir",
        str(folder / "hub"),
    )
    return folder / "out"


def headings(page: str, level: int) -> list[str]:
    """The text of every heading of one level, in order."""
    found = re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", h)) for h in found]


def test_the_dutch_report_opens_with_key_figures_and_ends_with_provenance(
    reports: dict[str, Path],
) -> None:
    """Key figures, the plan's two questions, the five parts in the plan's words, provenance last."""
    page = (reports["nl"] / "report.html").read_text()
    assert headings(page, 1) == ["Jaarevaluatie aanpak mensenhandel 2025"]
    assert headings(page, 2) == [
        "Kerncijfers",
        "De twee vragen van het plan",
        *PARTS_NL,
        "Verantwoording",
    ]
    first_page = page.split('<section id="questions"')[0]
    assert headings(first_page, 3) == [p.split(". ", 1)[1] for p in PARTS_NL]
    assert first_page.count("<table") == 5 and "2024 (nulmeting)" in first_page
    assert "Verschil %" in first_page and ("\u25b2" in first_page or "\u25bc" in first_page)
    assert "Ontvangen signalen" in first_page and "hash" not in first_page.lower()
    assert "verzegelde records" in page.split('<section id="provenance"')[1]
    assert '<html lang="nl">' in page


def test_the_two_questions_are_answered_against_the_baseline(reports: dict[str, Path]) -> None:
    """Efficiency: lead time per phase, pickup per partner, actions on time; effectiveness too."""
    page = (reports["nl"] / "report.html").read_text()
    questions = page.split('<section id="questions"')[1].split('<section id="part-')[0]
    assert headings(questions, 3) == [
        "Doelmatigheid: hoe snel en hoe betrouwbaar werkt de keten?",
        "Effectiviteit: wat levert de aanpak op?",
    ]
    for shown in (
        "Mediane doorlooptijd (dagen): 3. Intern bronnenonderzoek",
        "Mediane oppaktijd (dagen): Politie (AVIM)",
        "Op tijd uitgevoerd (%): Totaal",
        "Signalen die tot een actie of maatregel leidden",
        "Geholpen slachtoffers: Opvang voor mannen",
    ):
        assert shown in questions, shown


def test_the_english_report_reads_english(reports: dict[str, Path]) -> None:
    """--language en: the same report with English words and labels."""
    page = (reports["en"] / "report.html").read_text()
    assert headings(page, 2)[:3] == [
        "Key figures",
        "The plan's two questions",
        "1. Awareness and training",
    ]
    assert headings(page, 2)[-1] == "Provenance"
    assert "Signals received, by channel" in page and "Internal route (municipal staff)" in page
    assert '<html lang="en">' in page and "Kerncijfers" not in page


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_code_shows_where_a_label_belongs(reports: dict[str, Path], language: str) -> None:
    """No code of any list (SOURCE_RESEARCH, FROM_18_TO_23, COUNTER_STAFF, ...) in the pages."""
    catalogue = labels_in(language)  # type: ignore[arg-type]
    codes = {c for name in catalogue.lists for c in catalogue.codes(name) if "_" in c}
    assert {"SOURCE_RESEARCH", "FROM_18_TO_23", "COUNTER_STAFF"} <= codes
    for name in ("report.html", "report.md"):
        text = (reports[language] / name).read_text()
        shown = sorted(c for c in codes if re.search(rf"(?<![A-Za-z_./]){c}(?![A-Za-z_])", text))
        assert shown == [], name


def test_markdown_renders_cleanly(reports: dict[str, Path]) -> None:
    """<5 stays <5, notes are plain text, an empty table says geen gegevens."""
    text = (reports["nl"] / "report.md").read_text()
    assert "&lt;" not in text and "| <5 |" in text
    assert not re.search(r"^\*[^*].*\*$", text, re.M)  # no note wrapped in emphasis
    assert "Signalen die in het jaar binnenkwamen. CSV: tables/signalling.by_channel.csv" in text


def published_csvs(out: Path) -> Iterator[tuple[str, list[str], list[dict[str, str]]]]:
    """Each published table: its key, its header and its rows."""
    for path in sorted((out / "tables").glob("*.csv")):
        with path.open() as stream:
            reader = csv.DictReader(stream)
            rows = list(reader)
        yield path.stem, list(reader.fieldnames or []), rows


HIDDEN = {"<5", "x", "n<5"}


def test_no_hidden_count_can_be_worked_out_from_a_total_or_another_cell(
    reports: dict[str, Path],
) -> None:
    """Every year column (and label group) hides no cell or at least two; a hidden year hides its change."""
    checked = 0
    for key, header, rows in published_csvs(reports["nl"]):
        dims = [h for h in header if not re.search(r" (\d{4}|change)$", h)]
        members = [r for r in rows if "all" not in [r[d] for d in dims]]
        counts = [h for h in header if re.search(r" \d{4}$", h) and not re.search(r"days|%", h)]
        for column in counts:  # medians and shares do not add up: only counts can be subtracted
            if not any(r[column] in ("<5", "x") for r in members):
                continue
            groups = [members] + [
                [r for r in members if r[d] == value]
                for d in (dims if len(dims) > 1 else [])
                for value in {r[d] for r in members}
            ]
            for group in groups:
                hidden = [r for r in group if r[column] in ("<5", "x")]
                assert len(hidden) != 1, (key, column, [r[d] for d in dims for r in hidden])
            checked += 1
        for row in rows:
            for measure in {h.rsplit(" ", 1)[0] for h in header if h.endswith(" change")}:
                years = [h for h in header if h.startswith(measure + " ") and h[-4:].isdigit()]
                if any(row[h] in HIDDEN for h in years):
                    assert row[f"{measure} change"] in HIDDEN, (key, measure, row)
    assert checked >= 5  # the demo has small counts to hide in many tables


def test_the_drilldown_keeps_every_hidden_value(reports: dict[str, Path]) -> None:
    """Cells hidden for their own sake or for another's have their exact value and events there."""
    with (reports["nl"] / "drilldown-internal.csv").open() as stream:
        drill = list(csv.DictReader(stream))
    secondary = [r for r in drill if r["published"] == "x"]
    primary = [r for r in drill if r["published"] == "<5"]
    assert secondary and primary
    assert all(r["value"] not in HIDDEN for r in secondary + primary)
    assert all(1 <= int(r["value"]) <= 4 and r["event_ids"] for r in primary)


def test_a_key_figure_never_shows_what_its_table_hides(reports: dict[str, Path]) -> None:
    """An indicator read from a cell its table hides is hidden on the first page too."""
    from ketenhub.cli.sources import EmbeddedSource
    from replay.pipeline import evaluate_source
    from replay.report import speech_in
    from replay.report_annual import published_tables
    from replay.report_tables import hidden_in, indicator_text

    with EmbeddedSource(reports["nl"].parent / "hub") as source:
        run = evaluate_source(source, 2025, 2024)
    shown = published_tables(run)
    hidden = hidden_in([shown], True, [2025, 2024])
    speech, tested = speech_in("nl"), 0
    for indicator in run.evaluation.indicators:
        if indicator.cell is None:
            continue
        key, labels, measure = indicator.cell
        for index, year in enumerate((2025, 2024)):
            if shown[key].cell_hidden(labels, f"{measure} {year}"):
                figure = indicator.figures[index]
                assert indicator_text(figure, hidden(indicator, index), 5, speech) in HIDDEN
                tested += 1
    assert tested > 0


def drilldown(out: Path) -> dict[tuple[str, str, str], dict[str, str]]:
    """The internal drill-down by (table, row, measure)."""
    with (out / "drilldown-internal.csv").open() as stream:
        return {(r["table"], r["row"], r["measure"]): r for r in csv.DictReader(stream)}


def sealed_events(hub: Path) -> list[Event]:
    """Every event sealed in the demo hub, read back through a verified replay."""
    from ketenhub.cli.sources import EmbeddedSource
    from replay.pipeline import Replay

    with EmbeddedSource(hub) as source:
        return [event for _, event in Replay(source).events()]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_victim_of_two_forms_and_signals_forwarded_at_intake_are_counted(
    reports: dict[str, Path], language: str
) -> None:
    """The demo's girl exploited sexually and criminally counts under both; forwards at intake stand apart."""
    from ketenhub.contract import models as m

    events = sealed_events(reports["nl"].parent / "hub")
    in_2025 = [e for e in events if e.occurred_at.year == 2025]
    two_forms = [
        e for e in in_2025 if isinstance(e, m.VictimIdentified) and e.other_exploitation_forms
    ]
    assert [(e.exploitation_form, e.other_exploitation_forms) for e in two_forms] == [
        ("SEXUAL", ["CRIMINAL"])
    ]
    drill = drilldown(reports[language])
    by_form = "victims.identified_by_exploitation_form"
    for form in ("SEXUAL", "CRIMINAL"):
        behind = drill[(by_form, form, "victims 2025")]["event_ids"].split()
        assert str(two_forms[0].event_id) in behind, form
    forwarded = {
        str(e.event_id)
        for e in in_2025
        if isinstance(e, m.IntakeAssessed) and e.outcome is m.IntakeOutcome.FORWARD
    }
    cell = drill[("signalling.funnel", "INTAKE", "forwarded at intake 2025")]
    assert forwarded and set(cell["event_ids"].split()) == forwarded
    assert int(cell["value"]) == len(forwarded)
    closed = drill[("signalling.funnel", "INTAKE", "closed here 2025")]["event_ids"].split()
    cases = {str(e.event_id): getattr(e, "case_id", None) for e in in_2025}
    assert not {cases[i] for i in closed} & {cases[i] for i in forwarded}
    page = (reports[language] / "report.html").read_text()
    heading = {"nl": "Doorgezet bij de intake", "en": "Forwarded at intake"}[language]
    kinds = {"nl": "Organisatie voor arbeidsrechten", "en": "Labour rights organisation"}
    assert heading in page and kinds[language] in page


def test_the_trend_report_compares_each_year_with_the_baseline_and_the_year_before(
    trend: Path,
) -> None:
    """2024 and 2025 each against 2023 and their previous year, with a trend chart per part."""
    page = (trend / "report.html").read_text()
    assert headings(page, 1) == ["Ontwikkeling aanpak mensenhandel 2023\u20132025"]
    assert headings(page, 2) == ["Kerncijfers", "De twee vragen van het plan", "Verantwoording"]
    with (trend / "tables" / "trend.indicators.csv").open() as stream:
        rows = {r["indicator"]: r for r in csv.DictReader(stream) if r["section"] == "signalling"}
    received = rows["signals_received"]
    assert 0 < int(received["2023"]) < int(received["2024"])
    table = page.split("<h3")[2]  # the signalling part's key figures over the years
    assert "t.o.v. nulmeting" in table and "t.o.v. vorig jaar" in table
    signals = re.search(
        r"Ontvangen signalen</th>(.*?)</tr>\s*<tr>(.*?)</tr>\s*<tr>(.*?)</tr>", page, re.S
    )
    assert signals is not None
    year_2025 = re.findall(r'<td class="n">(.*?)</td>', signals.group(3))
    assert year_2025[0] == "2025" and year_2025[2] != year_2025[3]  # against 2023, against 2024
    assert sorted(p.name for p in (trend / "charts").glob("*.svg")) == sorted(
        f"trend.{p}.svg"
        for p in ("awareness", "signalling", "enforcement", "victims", "collaboration")
    )


def test_building_a_trend_twice_gives_the_same_bytes(trend: Path, tmp_path: Path) -> None:
    """The trend report is as reproducible as the annual one."""
    hub = trend.parent / "hub"
    run(
        "evaluate", "--years", "2023-2025", "--out", str(tmp_path / "again"), "--data-dir", str(hub)
    )
    for path in sorted(p for p in trend.rglob("*") if p.is_file()):
        assert (tmp_path / "again" / path.relative_to(trend)).read_bytes() == path.read_bytes(), (
            path
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright (its own download does not work here)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make does when missing)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


TOO_WIDE = """() => [...document.querySelectorAll('table')]
  .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
            || t.scrollWidth > t.parentElement.clientWidth + 0.5)
  .map(t => t.closest('[id]').id)"""


@pytest.mark.parametrize(
    ("name", "width", "media"),
    [("screen", 1280, "screen"), ("laptop", 1024, "screen"), ("a4", A4_PRINT_WIDTH, "print")],
)
def test_no_table_is_wider_than_the_page(
    browser: object, reports: dict[str, Path], trend: Path, name: str, width: int, media: str
) -> None:
    """On screen and on A4 every table of the annual and the trend report fits the page."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    page = browser.new_page(viewport={"width": width, "height": 1200})
    page.emulate_media(media=media)  # type: ignore[arg-type]
    for report in (reports["nl"], reports["en"], trend):
        page.goto((report / "report.html").as_uri())
        assert page.evaluate(TOO_WIDE) == [], (report, name)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


def test_screenshots_of_the_first_page_and_a_part(
    browser: object, reports: dict[str, Path]
) -> None:
    """The first page and part 2 as a reader sees them (saved for a person to look at)."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    SCREENSHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1100, "height": 1500})
    page.goto((reports["nl"] / "report.html").as_uri())
    page.locator("#key-figures").screenshot(path=str(SCREENSHOTS / "first-page.png"))
    page.locator("#part-signalling").screenshot(path=str(SCREENSHOTS / "part-signalling.png"))
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_PRINT_WIDTH, "height": 1000})
    page.locator("#part-victims").screenshot(path=str(SCREENSHOTS / "part-victims-a4.png"))
    page.close()
    for shot in ("first-page.png", "part-signalling.png", "part-victims-a4.png"):
        assert (SCREENSHOTS / shot).stat().st_size > 10_000


def test_the_pdf_is_printed_on_a4_from_the_page(reports: dict[str, Path], tmp_path: Path) -> None:
    """--pdf prints report.pdf with Chromium; A4 pages, every part on a page of its own."""
    out = tmp_path / "pdf"
    hub = reports["nl"].parent / "hub"
    done = run(
        "evaluate",
        "--year",
        "2025",
        "--baseline",
        "2024",
        "--out",
        str(out),
        "--pdf",
        "--pdf-browser",
        CHROMIUM,
        "--data-dir",
        str(hub),
    )
    assert "printed" in done.stdout
    pdf = (out / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    sizes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert sizes and all(abs(float(w) - 595.9) < 2 and abs(float(h) - 842.9) < 2 for w, h in sizes)
    assert len(sizes) >= 8  # key figures, questions, five parts, provenance
    assert "report.pdf" not in (out / "SHA256SUMS").read_text()


def test_the_report_is_the_one_built_from_each_record_decoded(
    reports: dict[str, Path], tmp_path: Path
) -> None:
    """The evaluation replay builds (records checked where they are stored, events read by
    compiled readers) gives the same verification and the same report, byte for byte, as
    one built from every record decoded and every event decoded by the generic decoder."""
    from ketenhub.cli.sources import EmbeddedSource
    from ketenhub.codec.single_object import decode_event
    from ketenhub.core.sealing import decode_sealed
    from ketenhub.evaluation import evaluate, history_for
    from replay.pipeline import EvaluationRun, evaluate_source
    from replay.report import write_report
    from replay.verify import verify_source

    hub = reports["nl"].parent / "hub"
    with EmbeddedSource(hub) as source:
        run = evaluate_source(source, 2025, 2024)
        verified = verify_source(source)
        history = history_for(2025, 2024)
        for offset, value in source.records():
            history.add(decode_event(decode_sealed(value, offset).payload))
    assert run.provenance.verification == verified
    decoded = EvaluationRun(evaluate(history, 2025, 2024), run.provenance)
    assert decoded.evaluation == run.evaluation
    for language in ("nl", "en"):
        fast, slow = tmp_path / f"fast-{language}", tmp_path / f"slow-{language}"
        written = write_report(run, fast, language=language)
        write_report(decoded, slow, language=language)
        assert written
        for path in written:
            relative = path.relative_to(fast)
            assert path.read_bytes() == (slow / relative).read_bytes(), relative
