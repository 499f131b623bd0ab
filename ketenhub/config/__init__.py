"""Configuration shipped with the hub: the default partner registry and code lists."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from ketenhub.core.codes import CodeLists, parse_codes
from ketenhub.core.partners import PartnerRegistry, parse_registry
from ketenhub.data_folder import CODES_FILE, REGISTRY_FILE
from ketenhub.errors import RegistryError


def load_registry(path: Path | None = None, *, codes_file: Path | None = None) -> PartnerRegistry:
    """Load the partner registry from ``path``, or the default one shipped with the hub.

    Its code lists come from ``codes_file``, else from ``codes.toml`` next to ``path``, when
    that file exists; else from the lists shipped with the hub.
    """
    if codes_file is None and path is not None:
        codes_file = path.with_name(CODES_FILE)
    codes = load_codes(codes_file)
    shipped = _shipped(REGISTRY_FILE)
    if path is None:
        return parse_registry(shipped, f"ketenhub/config/{REGISTRY_FILE} (default)", codes)
    purposes = tomllib.loads(shipped)["read_purposes"]  # a folder's registry may leave them out
    return parse_registry(_read(path, "partner registry"), str(path), codes, purposes)


def load_codes(path: Path | None = None) -> CodeLists:
    """Load code lists from ``path`` if that file exists, else the lists shipped with the hub."""
    if path is None or not path.exists():
        return parse_codes(_shipped(CODES_FILE), f"ketenhub/config/{CODES_FILE} (default)")
    return parse_codes(_read(path, "code lists"), str(path))


def _shipped(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"cannot read {what} {path}: {exc.strerror}"
        raise RegistryError(msg) from exc
