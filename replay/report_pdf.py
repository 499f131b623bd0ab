"""The report as a PDF on A4: the HTML page printed by a headless Chromium, nothing fetched.

The page carries its own print styles (A4, each part on a new page, no table split over two
pages) and loads nothing from elsewhere; the browser runs with networking features off. A PDF
holds the moment it was printed, so it is not among the files ``SHA256SUMS`` lists: the HTML
it was printed from is.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ketenhub.errors import KetenhubError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)
TIMEOUT_S = 180


class PdfNotPrinted(KetenhubError):
    """The report could not be printed to PDF."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"cannot print the report to PDF: {detail}")


def find_browser(given: str | None = None) -> str:
    """The Chromium to print with: ``given`` (a path or name), else the first one on the PATH."""
    for name in (given,) if given else BROWSERS:
        found = shutil.which(name) if name else None
        if found:
            return found
    wanted = given or " or ".join(BROWSERS)
    msg = f"no browser {wanted} found; install Chromium (apt-get install chromium) or name one with --pdf-browser"
    raise PdfNotPrinted(msg)


def print_pdf(page: Path, pdf: Path, browser: str | None = None) -> Path:
    """Print the HTML ``page`` to ``pdf`` (A4, as its print styles lay it out); return ``pdf``."""
    command = [
        find_browser(browser),
        *BROWSER_FLAGS,
        f"--print-to-pdf={pdf.resolve()}",
        page.resolve().as_uri(),
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        msg = f"{command[0]} did not finish: {exc}"
        raise PdfNotPrinted(msg) from exc
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        msg = f"{command[0]} exited {done.returncode}: {last}"
        raise PdfNotPrinted(msg)
    return pdf
