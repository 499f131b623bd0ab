"""`ketenhub demo` ends by saying how to open the web app on the demo data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_the_demo_ends_with_how_to_open_the_web_app(tmp_path: Path) -> None:
    """Its last lines name `ketenhub web` on the demo folder, the address, the docs and a token."""
    data_dir = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    done = subprocess.run(
        [sys.executable, "-m", "ketenhub", "demo", "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    tail = "\n".join(done.stdout.strip().splitlines()[-4:])
    assert f"ketenhub web --data-dir {data_dir}" in tail
    assert "http://127.0.0.1:8080/" in tail and "/api/v1/docs" in tail
    assert f"ketenhub partners token add police --data-dir {data_dir}" in tail
