"""A message refused for a clear identifier keeps no bytes in rejected.<partner>, yet the hub still
knows after a restart that it refused it: the same message again is not refused a second time,
while a changed one is; the mark it keeps reveals nothing without the hub's key."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.contract import models as m
from ketenhub.core.admission import content_digest
from ketenhub.core.refusal_marks import MARK_HEADER
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.embedded.sqlite_log import SqliteTopicLog
from ketenhub.topic_log import LogRecord, read_all
from tests.unit.synthetic import Story

Run = Callable[..., subprocess.CompletedProcess[str]]
CLEAR_NAMES = ("Testpersoon Mike November", "Testpersoon Oscar Papa")  # synthetic


def refused(folder: Path) -> list[LogRecord]:
    """The records of rejected.municipal-staff."""
    log = SqliteTopicLog(folder / "log.sqlite")
    try:
        return list(read_all(log, "rejected.municipal-staff"))
    finally:
        log.close()


def clear_named_signal(name: str) -> m.SignalReceived:
    """A signal naming a person by a clear name where a pseudonym belongs (one event id)."""
    return Story().signal("case-mark-0001", persons=[name])


def publish_and_run(folder: Path, event: m.SignalReceived, *extra: tuple[str, bytes]) -> int:
    """Publish ``event`` as its partner's own system would (no SDK checks) in a fresh hub
    process state, run the hub, and return how many messages it refused."""
    with EmbeddedHub(folder) as hub:
        partner = hub.registry.get(event.recorded_by)
        headers = (*build_headers(event, partner.urn), *extra)
        hub.publish_raw(partner.id, encode_event(event), headers)
        return hub.run().rejected


def test_the_same_withheld_refusal_after_a_restart_is_not_refused_twice(
    ketenhub: Run, tmp_path: Path
) -> None:
    folder = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(folder))
    first = clear_named_signal(CLEAR_NAMES[0])
    assert publish_and_run(folder, first) == 1
    (record,) = refused(folder)
    assert record.value is None  # withheld: the hub keeps none of the bytes it refused to store

    # A new hub instance restores its sealer from the log: the same message is recognised.
    assert publish_and_run(folder, first) == 0
    assert len(refused(folder)) == 1

    # The same event id with other content is a new message, refused on its own.
    changed = first.model_copy(update={"persons": [CLEAR_NAMES[1]]})
    assert publish_and_run(folder, changed) == 1
    assert len(refused(folder)) == 2
    assert ketenhub("verify", "--views", "--trust-on-first-use", "--data-dir", str(folder))


def test_a_refusal_mark_is_keyed_and_a_partner_cannot_set_one(
    ketenhub: Run, tmp_path: Path
) -> None:
    event = clear_named_signal(CLEAR_NAMES[0])
    marks = []
    for name in ("one", "two"):
        folder = tmp_path / name
        ketenhub("init", "--data-dir", str(folder))
        forged = (MARK_HEADER, b"00" * 32)  # a partner's own header must not reach the hub's
        assert publish_and_run(folder, event, forged) == 1
        (record,) = refused(folder)
        values = [value for header, value in record.headers if header == MARK_HEADER]
        assert len(values) == 1 and values[0] != forged[1]
        marks.append(bytes.fromhex(values[0].decode()))
    assert marks[0] != marks[1]  # another hub key: another mark for the very same message

    digest = content_digest(event)
    plain = event.event_id.bytes + digest
    unkeyed = {hashlib.sha256(plain).digest(), hashlib.sha256(digest).digest(), digest}
    assert not unkeyed & set(marks)
    for name in CLEAR_NAMES:
        assert name.encode() not in b"".join(
            v for r in refused(tmp_path / "one") for _, v in r.headers
        )
