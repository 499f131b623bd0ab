"""Configuration shipped with the hub: the default partner registry."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ketenhub.core.partners import PartnerRegistry, parse_registry
from ketenhub.errors import RegistryError


def load_registry(path: Path | None = None) -> PartnerRegistry:
    """Load the partner registry from ``path``, or the default one shipped with the hub."""
    if path is None:
        text = resources.files(__package__).joinpath("partners.toml").read_text(encoding="utf-8")
        return parse_registry(text, "ketenhub/config/partners.toml (default)")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"cannot read partner registry {path}: {exc.strerror}"
        raise RegistryError(msg) from exc
    return parse_registry(text, str(path))
