"""Partner tokens: shown once, stored hashed (0600), rotatable and revocable, also in a running server."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ketenhub.runtime.embedded.hub import create_hub
from ketenhub.web.tokens import TOKENS_FILE
from tests.web.conftest import WebHub


def ketenhub(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    return subprocess.run(
        [sys.executable, "-m", "ketenhub", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def hub_dir(tmp_path: Path) -> Path:
    data_dir = tmp_path / "hub"
    create_hub(data_dir)
    return data_dir


def _added(output: str) -> tuple[str, str]:
    header, secret = output.strip().splitlines()[-2:]
    return header.split()[1], secret


def test_a_token_is_shown_once_and_stored_only_as_a_digest(hub_dir: Path) -> None:
    """`token add` prints the token; the file (0600) holds its SHA-256, and `list` never shows it."""
    done = ketenhub(
        "partners", "token", "add", "police", "--label", "case-system", "--data-dir", str(hub_dir)
    )
    assert done.returncode == 0, done.stderr
    token_id, secret = _added(done.stdout)
    assert secret.startswith(f"khp_{token_id}_")
    stored = (hub_dir / TOKENS_FILE).read_text()
    assert secret not in stored
    assert secret.split("_", 2)[2] not in stored
    assert stat.S_IMODE((hub_dir / TOKENS_FILE).stat().st_mode) == 0o600
    listed = ketenhub("partners", "token", "list", "--data-dir", str(hub_dir))
    assert token_id in listed.stdout and "police" in listed.stdout and "active" in listed.stdout
    assert secret not in listed.stdout


def test_a_token_for_an_unknown_partner_is_refused(hub_dir: Path) -> None:
    """Only a partner of the registry gets a token; the error names the known ones."""
    done = ketenhub("partners", "token", "add", "nobody", "--data-dir", str(hub_dir))
    assert done.returncode == 1
    assert "unknown partner" in done.stderr and "police" in done.stderr
    assert not (hub_dir / TOKENS_FILE).exists()


@pytest.mark.parametrize(
    "label", ["beheer jan.synthetisch@example.org", "bel 06-12345678", "bsn 111222333"]
)
def test_a_token_label_holding_a_persons_contact_or_bsn_is_refused(
    hub_dir: Path, label: str
) -> None:
    """A label names a system, never a person: an e-mail address, phone number or BSN in it is refused, not repeated."""
    done = ketenhub(
        "partners", "token", "add", "police", "--label", label, "--data-dir", str(hub_dir)
    )
    assert done.returncode == 1, done.stdout
    assert "label" in done.stderr and "Traceback" not in done.stderr
    assert label.split()[-1] not in done.stderr + done.stdout
    assert not (hub_dir / TOKENS_FILE).exists()


def test_rotating_or_revoking_an_unknown_token_says_so(hub_dir: Path) -> None:
    """A token id that does not exist is an error with a hint, not a stack trace."""
    for action in ("rotate", "revoke"):
        done = ketenhub("partners", "token", action, "tok-000000000000", "--data-dir", str(hub_dir))
        assert done.returncode == 1
        assert "token list" in done.stderr and "Traceback" not in done.stderr


def test_rotation_and_revocation_take_effect_in_a_running_server(embedded_web_hub: WebHub) -> None:
    """The old secret stops at once after `rotate`, the new one works; after `revoke` none does."""
    data_dir = str(embedded_web_hub.data_dir)
    token_id, first = _added(
        ketenhub("partners", "token", "add", "police", "--data-dir", data_dir).stdout
    )
    with embedded_web_hub.client() as client:

        def status(token: str) -> int:
            response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
            return response.status_code

        assert status(first) == 200
        rotated = ketenhub("partners", "token", "rotate", token_id, "--data-dir", data_dir)
        _, second = _added(rotated.stdout)
        assert status(first) == 401
        assert status(second) == 200
        assert (
            ketenhub("partners", "token", "revoke", token_id, "--data-dir", data_dir).returncode
            == 0
        )
        assert status(second) == 401
        again = ketenhub("partners", "token", "rotate", token_id, "--data-dir", data_dir)
        assert again.returncode == 1 and "revoked" in again.stderr


def test_tokens_added_at_once_by_several_writers_are_all_kept(hub_dir: Path) -> None:
    """Two writers (separate stores, as two commands would be) adding at once lose no token."""
    from concurrent.futures import ThreadPoolExecutor

    from ketenhub.hub_folder import HubFolder
    from ketenhub.web.tokens import TokenStore

    registry = HubFolder(hub_dir).registry()

    def add_many(partner: str) -> list[str]:
        store = TokenStore(hub_dir)
        return [store.add(registry, partner).record.token_id for _ in range(15)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        added = [token_id for ids in pool.map(add_many, ["police", "heit"]) for token_id in ids]
    assert sorted(r.token_id for r in TokenStore(hub_dir).records()) == sorted(added)
    assert len(set(added)) == 30
