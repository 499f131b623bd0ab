"""`ketenhub data-inventory` prints the register of processing with the data folder's own periods."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import ketenhub.config

Run = Callable[..., subprocess.CompletedProcess[str]]
SHIPPED_REGISTRY = Path(ketenhub.config.__file__).with_name("partners.toml")


def shipped(name: str) -> str:
    """The text of the registry shipped with the hub."""
    return SHIPPED_REGISTRY.with_name(name).read_text(encoding="utf-8")


def test_the_register_uses_the_folders_registry(ketenhub: Run, tmp_path: Path) -> None:
    """A period changed in the data folder's partners.toml is the one printed; --out writes a file."""
    folder = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(folder))
    (folder / "partners.toml").write_text(
        shipped("partners.toml")
        + '\n[retention.control_day_findings]\ndays = 400\nreason = "Synthetic local rule"\n',
        encoding="utf-8",
    )
    shown = ketenhub("data-inventory", "--data-dir", str(folder)).stdout
    assert "| `control_day_findings` | 400 | Synthetic local rule |" in shown
    assert (
        "| ControlVisitLogged v2 | `address` | `pseudonym` | no case view; the day's team and the "
        "coordinator in the field app while the day is open | control_day_findings |" in shown
    )
    assert (
        "| SignalReceived v2 | `persons` | `pseudonym` | COORDINATOR, POLICE, INSPECTION, RIEC |"
        in shown
    )
    out = tmp_path / "register.md"
    done = ketenhub("data-inventory", "--data-dir", str(folder), "--out", str(out))
    assert out.read_text(encoding="utf-8") == shown
    assert str(out) in done.stdout


def test_a_bad_period_or_target_is_one_clear_line(ketenhub: Run, tmp_path: Path) -> None:
    """A period of zero days is refused naming the setting; an unwritable file names the file."""
    folder = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(folder))
    (folder / "partners.toml").write_text(
        shipped("partners.toml")
        + '\n[retention.cases_with_measures]\ndays = 0\nreason = "Synthetic"\n',
        encoding="utf-8",
    )
    done = ketenhub("data-inventory", "--data-dir", str(folder), check=False)
    assert done.returncode == 1
    assert "retention.cases_with_measures.days" in done.stderr
    assert "Traceback" not in done.stderr
    (folder / "partners.toml").unlink()
    done = ketenhub(
        "data-inventory",
        "--data-dir",
        str(folder),
        "--out",
        str(tmp_path / "no" / "x.md"),
        check=False,
    )
    assert done.returncode == 1
    assert "cannot write the register" in done.stderr
