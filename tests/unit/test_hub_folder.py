"""The composition root of a data folder: one layout, and the registry, keys and log it opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketenhub.config import load_registry
from ketenhub.core.checkpoints import public_key_to_pem
from ketenhub.data_folder import exposed_paths
from ketenhub.hub_folder import HubFolder, HubNotFound
from ketenhub.protection.key_files import KeyFileMissing
from ketenhub.runtime.embedded.hub import create_hub
from ketenhub.runtime.kafka.settings import KafkaSettings

SHIPPED = load_registry().codes.allowed("finding_codes")


def _own_codes(folder: Path) -> None:
    """Give the folder code lists whose finding codes hold only NO_FINDINGS."""
    shipped = (Path(__file__).parents[2] / "ketenhub" / "config" / "codes.toml").read_text()
    start = shipped.index("finding_codes = [")
    end = shipped.index("]", start) + 1
    (folder / "codes.toml").write_text(
        shipped[:start] + 'finding_codes = ["NO_FINDINGS"]' + shipped[end:]
    )


def test_create_hub_makes_exactly_the_files_the_layout_names(tmp_path: Path) -> None:
    """A new hub's log and key files are where ``HubFolder`` says, and nothing else is made."""
    folder = HubFolder(tmp_path / "hub")
    public_key = create_hub(folder.path)
    keys = folder.keys
    expected = {
        folder.log_file,
        folder.access_log_file,
        keys.folder,
        keys.signing_key_file,
        keys.public_key_file,
        keys.pseudonym_secret_file,
        keys.subject_keys_file,
    }
    made = {path for path in folder.path.rglob("*") if not path.name.endswith(("-wal", "-shm"))}
    assert made == expected
    assert public_key_to_pem(folder.public_key()) == public_key_to_pem(public_key)
    assert exposed_paths(folder.path) == []


def test_registry_takes_the_folders_code_lists_without_its_own_registry(tmp_path: Path) -> None:
    """A folder's codes.toml applies on either runtime even when the folder has no partners.toml."""
    _own_codes(tmp_path)
    embedded = HubFolder(tmp_path).registry()
    on_kafka = KafkaSettings(kafka_bootstrap="127.0.0.1:9", data_dir=tmp_path).hub_folder.registry()
    assert embedded.codes.allowed("finding_codes") == {"NO_FINDINGS"}
    assert on_kafka.codes.allowed("finding_codes") == {"NO_FINDINGS"}
    assert "NO_FINDINGS" in SHIPPED and len(SHIPPED) > 1  # the shipped lists tell them apart


def test_registry_falls_back_to_the_shipped_one(tmp_path: Path) -> None:
    """A folder without registry or code lists gets the ones shipped with the hub."""
    folder = HubFolder(tmp_path)
    assert folder.own_registry_file() is None
    assert folder.registry().codes.allowed("finding_codes") == SHIPPED


def test_a_folder_without_a_log_is_no_embedded_hub(tmp_path: Path) -> None:
    """``require_log`` names the folder and how to create a hub in it."""
    with pytest.raises(HubNotFound, match="ketenhub init --data-dir") as caught:
        HubFolder(tmp_path).require_log()
    assert caught.value.data_dir == tmp_path


def test_a_missing_key_file_is_never_made_anew(tmp_path: Path) -> None:
    """Opening the protector of a hub whose pseudonym secret is gone names that file."""
    folder = HubFolder(tmp_path / "hub")
    create_hub(folder.path)
    folder.keys.pseudonym_secret_file.unlink()
    with pytest.raises(KeyFileMissing, match=r"pseudonym\.secret"):
        folder.protector()
    assert not folder.keys.pseudonym_secret_file.exists()
