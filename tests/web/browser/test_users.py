"""The pages' users: argon2id hashes in a private file, no way in with a wrong or disabled login."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from ketenhub.cli.main import cli
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.hub import create_hub
from ketenhub.web.users import USERS_FILE, UserError, UserStore

PASSWORD = "een-lang-proefwachtwoord"


@pytest.fixture
def hub_dir(tmp_path: Path) -> Path:
    """A fresh embedded hub's data folder."""
    create_hub(tmp_path / "hub")
    return tmp_path / "hub"


def test_users_add_keeps_an_argon2id_hash_in_a_private_file(hub_dir: Path) -> None:
    """`ketenhub users add` reads the password from standard input and stores only its argon2id hash, 0600."""
    result = CliRunner().invoke(
        cli,
        ["users", "add", "--partner", "police", "--name", "agent-1", "--data-dir", str(hub_dir)],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    path = hub_dir / USERS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = path.read_text()
    assert PASSWORD not in stored and "$argon2id$" in stored
    user = UserStore(hub_dir).authenticate("agent-1", PASSWORD)
    assert user is not None and user.partner == "police" and user.user_id.startswith("usr-")


def test_wrong_password_unknown_name_and_disabled_user_do_not_sign_in(hub_dir: Path) -> None:
    """A wrong password, an unknown name and a disabled user all get None; a short password is refused."""
    store = UserStore(hub_dir)
    registry = HubFolder(hub_dir).registry()
    store.add(registry, "shop", "zorg-1", PASSWORD)
    assert store.authenticate("zorg-1", PASSWORD + "x") is None
    assert store.authenticate("niemand", PASSWORD) is None
    store.disable("zorg-1")
    assert store.authenticate("zorg-1", PASSWORD) is None
    with pytest.raises(UserError, match="12"):
        store.add(registry, "shop", "zorg-2", "kort")
    with pytest.raises(UserError, match="already"):
        store.add(registry, "shop", "zorg-1", PASSWORD)


def test_users_added_and_disabled_at_once_by_several_writers_are_all_kept(hub_dir: Path) -> None:
    """Two commands changing the users at once (adding, disabling) lose neither change."""
    from concurrent.futures import ThreadPoolExecutor

    registry = HubFolder(hub_dir).registry()
    for n in range(6):
        UserStore(hub_dir).add(registry, "police", f"vertrekt-{n}", PASSWORD)

    def add_many(_: int) -> list[str]:
        store = UserStore(hub_dir)  # a store of its own, as another command has
        return [store.add(registry, "heit", f"nieuw-{n}", PASSWORD).name for n in range(6)]

    def disable_many(_: int) -> list[str]:
        store = UserStore(hub_dir)
        return [store.disable(f"vertrekt-{n}").name for n in range(6)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        added, disabled = pool.submit(add_many, 0), pool.submit(disable_many, 0)
        added_names, disabled_names = added.result(), disabled.result()
    records = {r.name: r for r in UserStore(hub_dir).records()}
    assert set(added_names) <= set(records), "every user added is kept"
    assert all(not records[name].active for name in disabled_names), "every disabling is kept"
