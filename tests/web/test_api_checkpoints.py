"""Checkpoints over HTTP: a witness checks signatures and consistency proofs without reading audit.log."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub.core.checkpoints import ChainedCheckpoint, Checkpoint, verify_checkpoint
from ketenhub.core.merkle import verify_consistency
from ketenhub.core.trust import fingerprint
from ketenhub.core.witnessing import Witness, extensions
from ketenhub.hub_folder import HubFolder
from tests.web.conftest import WebHub, signal_fields, wait_for_decision, wait_until


def _checkpoint(document: dict[str, Any]) -> ChainedCheckpoint:
    return ChainedCheckpoint(
        Checkpoint(
            tree_size=document["tree_size"],
            root=bytes.fromhex(document["root"]),
            signed_at_us=document["signed_at_us"],
            key_id=document["key_id"],
            signature=bytes.fromhex(document["signature"]),
        ),
        previous_tree_size=document["previous_tree_size"],
        consistency_proof=tuple(bytes.fromhex(node) for node in document["consistency_proof"]),
    )


def _seal_signals(hub: WebHub, count: int, first: int = 0) -> None:
    with hub.client("municipal-staff") as staff:
        for n in range(first, first + count):
            accepted = staff.post("/api/v1/events", json=signal_fields(f"case-cp-{n:04d}"))
            assert wait_for_decision(staff, accepted.json()["event_id"])["status"] == "sealed"


def _latest(hub: WebHub) -> dict[str, Any] | None:
    with hub.client("police") as police:
        response = police.get("/api/v1/checkpoints/latest")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_before_the_first_checkpoint_latest_is_404(embedded_web_hub: WebHub) -> None:
    """A hub that sealed nothing has signed nothing: 404 problem; the list is empty."""
    assert _latest(embedded_web_hub) is None
    with embedded_web_hub.client("police") as police:
        assert police.get("/api/v1/checkpoints").json() == {"checkpoints": [], "next": None}


def test_a_witness_follows_the_checkpoints_with_their_proofs(web_hub: WebHub) -> None:
    """Each checkpoint is signed by the folder's key and proven to extend the one before; proofs verify."""
    _seal_signals(web_hub, 3)
    wait_until(
        lambda: (_latest(web_hub) or {}).get("tree_size") == 3, "a checkpoint over 3 records"
    )
    first = _latest(web_hub)
    assert first is not None
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(first["public_key"]))
    assert first["fingerprint"] == fingerprint(HubFolder(web_hub.data_dir).public_key())
    assert fingerprint(key) == first["fingerprint"]
    verify_checkpoint(_checkpoint(first).checkpoint, key)
    _seal_signals(web_hub, 2, first=3)
    wait_until(
        lambda: (_latest(web_hub) or {}).get("tree_size") == 5, "a checkpoint over 5 records"
    )
    with web_hub.client("police") as police:
        records = police.get("/api/v1/checkpoints", params={"from_offset": first["offset"]}).json()
        newer = [(c["offset"], _checkpoint(c)) for c in records["checkpoints"]]
        witness = Witness(_checkpoint(first).checkpoint, key, first["offset"])
        proven = list(extensions(witness, iter(newer)))
        assert proven[-1].checkpoint.tree_size == 5
        proof = police.get("/api/v1/consistency-proofs", params={"old_size": 3, "new_size": 5})
    assert proof.status_code == 200
    body = proof.json()
    newest = _latest(web_hub)
    assert newest is not None
    verify_consistency(
        3,
        5,
        bytes.fromhex(first["root"]),
        bytes.fromhex(newest["root"]),
        [bytes.fromhex(node) for node in body["proof"]],
    )


def test_checkpoints_page_and_proof_sizes_are_checked(web_hub: WebHub) -> None:
    """limit=1 pages through every checkpoint in order; a size beyond the log or reversed is a 400."""
    _seal_signals(web_hub, 2)
    wait_until(
        lambda: (_latest(web_hub) or {}).get("tree_size") == 2, "a checkpoint over 2 records"
    )
    with web_hub.client("police") as police:
        every = police.get("/api/v1/checkpoints").json()["checkpoints"]
        paged: list[dict[str, Any]] = []
        url: str | None = "/api/v1/checkpoints?limit=1"
        while url is not None:
            page = police.get(url).json()
            paged += page["checkpoints"]
            url = page["next"]
        assert paged == every and [c["offset"] for c in every] == list(range(len(every)))
        for params in (
            {"old_size": 0, "new_size": 3},
            {"old_size": 2, "new_size": 1},
            {"old_size": -1, "new_size": 1},
        ):
            response = police.get("/api/v1/consistency-proofs", params=params)
            assert response.status_code == 400, params
