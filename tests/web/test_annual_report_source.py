"""The web tier's annual report reads the same verified history as `ketenhub evaluate`, on both backends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from ketenhub.cli.sources import EmbeddedSource
from ketenhub.web.backend import Backend
from ketenhub.web.pages.annual_report import build_report
from replay.pipeline import evaluate_source
from replay.report import speech_in
from replay.report_annual import annual_document
from replay.report_pages import html_page
from replay.sources import SealedLogSource
from tests.web.conftest import WebHub, signal_fields, wait_for_decision, web_settings

YEAR, BASELINE = 2025, 2024


@contextmanager
def backend_of(hub: WebHub) -> Iterator[Backend]:
    """A second backend over the served hub, as the web tier opens it."""
    if hub.backend == "embedded":
        from ketenhub.web.embedded_backend import EmbeddedBackend

        yield EmbeddedBackend(hub.data_dir, writer_wait_s=0, run_pipeline=False)
        return
    from ketenhub.web.kafka_backend import KafkaBackend

    yield KafkaBackend(hub.harness.settings)


@contextmanager
def command_source(hub: WebHub) -> Iterator[SealedLogSource]:
    """The source `ketenhub evaluate` reads for this hub (its own reader implementation)."""
    if hub.backend == "embedded":
        with EmbeddedSource(hub.data_dir) as source:
            yield source
        return
    from replay.kafka_source import KafkaSource

    settings, names = hub.harness.settings, hub.harness.names
    yield KafkaSource(
        settings.kafka_bootstrap,
        settings.hub_folder.keys.public_key_file,
        audit_topic=names.audit_log,
        checkpoint_topic=names.checkpoints,
        client_config={
            k: v for k, v in settings.client_config().items() if k != "bootstrap_servers"
        },
    )


def test_the_report_is_built_from_the_verified_history_as_the_command_builds_it(
    web_hub: WebHub,
) -> None:
    """Two signals sealed: the page's report is verified and equals the one built from the command's source."""
    with web_hub.client("municipality") as client:
        for case_id in ("zaak-verslag-1", "zaak-verslag-2"):
            response = client.post("/api/v1/events", json=signal_fields(case_id))
            assert response.status_code == 202, response.text
            assert wait_for_decision(client, response.json()["event_id"])["status"] == "sealed"
    _wait_until_signed(web_hub)  # the hub signs its idle checkpoint on its own time
    with backend_of(web_hub) as backend:
        report = build_report(backend, web_settings(web_hub.data_dir), YEAR, BASELINE)
    assert f"<h1>Jaarevaluatie aanpak mensenhandel {YEAR}</h1>" in report
    assert 'class="unverified"' not in report
    with command_source(web_hub) as source:
        run = evaluate_source(source, YEAR, BASELINE)
    verification = run.provenance.verification
    assert run.provenance.verified and verification is not None and verification.end_offset >= 2
    assert report == html_page(annual_document(run, speech_in("nl"), read=_no_findings))


def _wait_until_signed(hub: WebHub, timeout_s: float = 60.0) -> None:
    """Wait until a signed checkpoint covers every sealed record: with nothing more to seal,
    the history stays as it is, so the page and the command read the same one."""
    deadline = time.monotonic() + timeout_s
    while True:
        with command_source(hub) as source:
            verification = evaluate_source(source, YEAR, BASELINE).provenance.verification
        signed = verification is not None and verification.unsigned_tail == 0
        if signed and verification is not None and verification.end_offset >= 2:
            return
        assert time.monotonic() < deadline, f"the hub signed no checkpoint over {verification}"
        time.sleep(0.2)


def _no_findings(field: object) -> str:
    raise AssertionError("the hub holds no findings to decrypt")
