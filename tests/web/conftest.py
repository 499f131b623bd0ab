"""Fixtures for the web tier: a hub served over HTTP on 127.0.0.1, with partner tokens.

``web_hub`` serves a fresh embedded hub (its pipeline run by the web tier, as `ketenhub web`
does) with ``ServerThread``; ``WebHub.token(partner)`` makes a token as `ketenhub partners
token add` does, and ``WebHub.client(partner)`` an httpx client that sends it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from ketenhub.runtime.embedded.hub import create_hub
from ketenhub.web.server import ServerThread, build_app
from ketenhub.web.settings import WebSettings
from ketenhub.web.tokens import TokenStore

Settings = Callable[..., WebSettings]


def web_settings(data_dir: Path, **overrides: object) -> WebSettings:
    """Settings of a test server: limits high enough for tests unless overridden."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "web_token_burst": 10_000,
        "web_report_burst": 1_000,
        "web_stream_poll_s": 0.05,
        "writer_wait_s": 60,
    }
    return WebSettings(**(values | overrides))  # type: ignore[arg-type]


@dataclass
class WebHub:
    """A hub served over HTTP, and the tokens made for it."""

    data_dir: Path
    url: str
    backend: str
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, partner: str, label: str = "test") -> str:
        """A new token of ``partner`` (also kept as its default token)."""
        from ketenhub.hub_folder import HubFolder

        issued = TokenStore(self.data_dir).add(HubFolder(self.data_dir).registry(), partner, label)
        self.tokens.setdefault(partner, issued.token)
        return issued.token

    def client(self, partner: str | None = None, **kwargs: object) -> httpx.Client:
        """An httpx client of the server, sending ``partner``'s default token if a partner is named."""
        headers = {}
        if partner is not None:
            token = self.tokens.get(partner) or self.token(partner)
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def embedded_web_hub(tmp_path: Path) -> Iterator[WebHub]:
    """A fresh embedded hub served by the web tier on a free loopback port."""
    data_dir = tmp_path / "hub"
    create_hub(data_dir)
    app = build_app(data_dir, web_settings(data_dir))
    with ServerThread(app) as server:
        yield WebHub(data_dir, server.url, "embedded")
