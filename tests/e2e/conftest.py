"""Fixtures for end-to-end tests: the ketenhub command run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

KETENHUB = [sys.executable, "-m", "ketenhub"]
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def ketenhub(tmp_path: Path) -> Run:
    """Run ``ketenhub ARGS`` in a temporary working directory and return the finished process."""

    def run(
        *args: str, input_text: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
        done = subprocess.run(
            [*KETENHUB, *args],
            cwd=tmp_path,
            env=env,
            input=input_text,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and done.returncode != 0:
            pytest.fail(
                f"ketenhub {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    return run
