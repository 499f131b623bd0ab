"""Importing a drop folder of tip files: all of a file or (after a crash) the rest of it, never twice.

A file is checked completely before any tip of it is sent: a bad file is refused with a
``.reason.txt`` in ``refused/``, beside a copy without reporter data (see ``refusal``), and
nothing of it is published. A good file's tips are published one by one, each with a keyed
event id of its protected content, and each receipt is appended to the ledger
(``.ketenhub/ledger.jsonl``), which names files by a keyed digest: no id, digest or ledger
line is an unkeyed function of the file, whose stripped reporter fields a brute-force search
over phone numbers could otherwise recover.
When every tip is stored the file is marked done and deleted: its clear content (persons,
description, any stripped reporter field) is never kept once the hub holds the protected
events. A crash mid-file leaves the file in the folder; the next run skips the rows the
ledger records and re-sends at most the one in flight, whose deterministic id makes the
hub ignore it as a duplicate.

What is dropped is not trusted to be a finished, plain file: a symbolic link is refused
without reading what it points to, a file larger than ``MAX_TIP_FILE_BYTES`` is refused by
its size, a file that changes while it is read or imported is never deleted (the next run
imports it again; tips already sent keep their keyed ids, so the hub ignores them), and the
connector's own ``refused/`` and ``.ketenhub/`` are never written through a link. A writer
should drop a file under another name (a leading dot or another suffix) and rename it into
place when it is complete: a file read while its writer has paused is taken as it is then.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from connectors.anonymous_tips.refusal import NOT_KEPT, sanitised_copy
from connectors.anonymous_tips.tip_format import Tip, TipFile, parse_tip_file
from connectors.sdk.client import PartnerClient
from connectors.sdk.errors import EventRefused, InputRefused
from connectors.sdk.models import Receipt
from ketenhub.contract.models import Channel, Location, SignalReceived
from ketenhub.core.identifiers import is_pseudonym
from ketenhub.core.keyed_ids import PLACEHOLDER_EVENT_ID
from ketenhub.core.personal_data import find_personal_data
from ketenhub.core.privacy import associated_data
from ketenhub.data_folder import (
    PRIVATE_FILE,
    PRIVATE_FOLDER,
    create_private_file,
    create_private_folder,
)

TIP_FILES = (".json", ".csv")
STATE_DIR, REFUSED_DIR = ".ketenhub", "refused"
FILE_DIGEST_PURPOSE = "anonymous-tip-file"
MAX_TIP_FILE_BYTES = 16 * 1024 * 1024


@dataclass
class FileOutcome:
    """What happened to one file: imported (tips sent now / earlier), refused, or finished."""

    name: str
    status: str
    sent: int = 0
    resumed_after: int = 0
    tips: int = 0
    stripped_fields: list[str] = field(default_factory=list)
    stripped_values: int = 0
    redactions: int = 0
    reason: str = ""
    receipts: list[Receipt] = field(default_factory=list)


class Ledger:
    """The append-only record of tips sent and files done, in ``.ketenhub/ledger.jsonl``."""

    def __init__(self, folder: Path) -> None:
        self.path = private_folder(folder / STATE_DIR) / "ledger.jsonl"
        if self.path.is_symlink():
            raise InputRefused(where=str(self.path), detail="is a symbolic link: remove it")
        create_private_file(self.path)
        self.path.chmod(PRIVATE_FILE)
        self.done: set[str] = set()
        self.sent: dict[str, int] = {}
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        """Read the entries; a last line cut short by a crash is dropped (its tip is sent again)."""
        text = self.path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        for number, line in enumerate(lines, start=1):
            try:
                self._take(json.loads(line))
            except (ValueError, KeyError):
                if number < len(lines) or line.endswith("\n"):
                    raise InputRefused(
                        where=str(self.path), detail=f"line {number} is damaged"
                    ) from None
                with self.path.open("r+", encoding="utf-8") as ledger:
                    ledger.truncate(len(text.encode()) - len(line.encode()))

    def _take(self, entry: dict[str, object]) -> None:
        digest = str(entry["digest"])
        if entry.get("done"):
            self.done.add(digest)
        elif isinstance(entry.get("row"), int):
            self.sent[digest] = max(self.sent.get(digest, 0), int(str(entry["row"])))

    def append(self, entry: dict[str, object], *, durable: bool = False) -> None:
        """Append one entry (fsync'ed when ``durable``)."""
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, sort_keys=True) + "\n")
            out.flush()
            if durable:
                os.fsync(out.fileno())
        self._take(entry)


def signal_of(tip: Tip, client: PartnerClient) -> SignalReceived:
    """The SignalReceived of one tip: identifiers pseudonymised, the description encrypted.

    Its event id is keyed over the protected event, so a re-run sends the same id and the
    hub ignores the duplicate.
    """
    protector = client.protector
    persons = [p if is_pseudonym(p) else protector.pseudonym(p) for p in tip.persons]
    free_text = None
    if tip.description:
        subject = persons[0] if persons else protector.case_subject(tip.case_id)
        free_text = protector.encrypt(
            subject, tip.description, associated_data(SignalReceived.EVENT_TYPE, "free_text")
        )
    signal = SignalReceived(
        event_id=PLACEHOLDER_EVENT_ID,
        occurred_at=tip.received_utc,
        recorded_by=client.partner.id,
        case_id=tip.case_id,
        channel=Channel.ANONYMOUS_TIP,
        reporter_role=None,
        exploitation_forms=tip.exploitation_forms,
        indicators=tip.indicators,
        location=Location(
            municipality_code=tip.municipality_code or client.registry.municipality_code,
            area_code=tip.area_code,
        ),
        persons=persons,
        free_text=free_text,
    )
    keyed = protector.with_event_id(signal)
    assert isinstance(keyed, SignalReceived)
    return keyed


def pending_files(folder: Path) -> list[Path]:
    """The tip files waiting in the drop folder, by name (links too: they are refused, never followed)."""
    return sorted(
        p
        for p in folder.iterdir()
        if (p.is_symlink() or p.is_file())
        and p.suffix.lower() in TIP_FILES
        and not p.name.startswith(".")
    )


def import_folder(
    client: PartnerClient, folder: Path, *, after_send: Callable[[int], None] = lambda _: None
) -> list[FileOutcome]:
    """Import every tip file in ``folder``; ``after_send`` is called with each row sent (for progress)."""
    if not folder.is_dir():
        raise InputRefused(where=str(folder), detail="is not a folder")
    ledger = Ledger(folder)
    if (folder / REFUSED_DIR).is_symlink():  # stop before any file, not at the first refusal
        private_folder(folder / REFUSED_DIR)
    return [_import_file(client, ledger, path, after_send) for path in pending_files(folder)]


def shown_name(name: str, digest: str) -> str:
    """The file's name as the connector shows and keeps it: its own, unless that holds personal data.

    A file named after a reporter's phone number or a person's BSN is named ``tip-file-<keyed
    digest>`` instead, in output, in the ledger and in ``refused/``.
    """
    if find_personal_data(name) is None and name.isprintable():
        return name
    suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in TIP_FILES else ""
    return f"tip-file-{digest[:16]}{suffix}"


@dataclass(frozen=True)
class _Read:
    """A tip file's bytes, and what the file was (inode, size, change time) when they were read."""

    data: bytes
    seen: tuple[int, int, int]


def _identity(status: os.stat_result) -> tuple[int, int, int]:
    return (status.st_ino, status.st_size, status.st_mtime_ns)


def _read_tip_file(path: Path) -> _Read | str | None:
    """The file's bytes; why it is refused unread (a link, not a plain file, too large); None while it changes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return "is a symbolic link (or cannot be opened): drop the file itself"
    with os.fdopen(fd, "rb") as file:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            return "is not a plain file"
        if before.st_size > MAX_TIP_FILE_BYTES:
            return f"is larger than {MAX_TIP_FILE_BYTES} bytes: split it into smaller files"
        data = file.read(MAX_TIP_FILE_BYTES + 1)
        after = os.fstat(fd)
    if _identity(before) != _identity(after) or len(data) != after.st_size:
        return None
    return _Read(data, _identity(after))


def _unchanged(path: Path, read: _Read) -> bool:
    """Whether the file in the folder is still the one whose bytes were read."""
    try:
        return _identity(path.lstat()) == read.seen
    except FileNotFoundError:
        return False


def _import_file(
    client: PartnerClient, ledger: Ledger, path: Path, after_send: Callable[[int], None]
) -> FileOutcome:
    read = _read_tip_file(path)
    if not isinstance(read, _Read):
        return _not_read(client, path, read)
    data = read.data
    digest = client.protector.digest(FILE_DIGEST_PURPOSE, data)
    name = shown_name(path.name, digest)
    log = structlog.get_logger("connectors").bind(file_digest=digest[:16])
    if digest in ledger.done:
        if _unchanged(path, read):
            path.unlink()
        log.info("tip_file_already_imported")
        return FileOutcome(name, "already imported")
    try:
        parsed = parse_tip_file(name, data)
    except InputRefused as exc:
        if not _unchanged(path, read):
            return FileOutcome(name, "changed while read")
        _refuse(path, name, data, exc)
        log.warning("tip_file_refused")
        return FileOutcome(name, "refused", reason=str(exc))
    outcome = _outcome(name, parsed, ledger.sent.get(digest, 0))
    events = [signal_of(tip, client) for tip in parsed.tips]
    try:
        for event in events:
            client.check(event)  # refuse the whole file before anything of it is sent
    except EventRefused as exc:
        if not _unchanged(path, read):
            return FileOutcome(name, "changed while read")
        problem = InputRefused(where=name, detail=f"{exc}; nothing of the file was published")
        _refuse(path, name, data, problem)
        log.warning("tip_file_refused")
        return FileOutcome(name, "refused", reason=str(problem))
    for row, event in enumerate(events, start=1):
        if row <= outcome.resumed_after:
            continue
        outcome.receipts.append(client.publish(event))
        ledger.append({"digest": digest, "row": row})
        outcome.sent += 1
        after_send(row)
    ledger.append(
        {"digest": digest, "done": True, "file": name, "tips": len(events), "at": _now()},
        durable=True,
    )
    if not _unchanged(path, read):  # its writer went on: what it added goes with the next run
        log.warning("tip_file_changed_while_imported", tips=len(events))
        outcome.status = "changed while imported"
        return outcome
    path.unlink()
    log.info(
        "tip_file_imported", tips=len(events), sent=outcome.sent, stripped=parsed.stripped_values
    )
    return outcome


def _not_read(client: PartnerClient, path: Path, refusal: str | None) -> FileOutcome:
    """A file not read as tips: refused (its link removed, its reason kept) or left to settle."""
    name = shown_name(path.name, client.protector.digest(FILE_DIGEST_PURPOSE, path.name.encode()))
    if refusal is None:
        return FileOutcome(name, "changed while read")
    problem = InputRefused(where=name, detail=refusal)
    target = private_folder(path.parent / REFUSED_DIR)
    name = _unused_name(target, name)
    write_private(target / f"{name}.reason.txt", f"{problem}\n{NOT_KEPT}\n".encode())
    path.unlink()  # a link goes, never what it points to; a giant or a device is not kept
    structlog.get_logger("connectors").warning("tip_file_refused")
    return FileOutcome(name, "refused", reason=str(problem))


def _outcome(name: str, parsed: TipFile, resumed_after: int) -> FileOutcome:
    return FileOutcome(
        name,
        "resumed" if resumed_after else "imported",
        resumed_after=resumed_after,
        tips=len(parsed.tips),
        stripped_fields=sorted(parsed.stripped_fields),
        stripped_values=parsed.stripped_values,
        redactions=parsed.redactions,
    )


def _refuse(path: Path, name: str, data: bytes, problem: InputRefused) -> None:
    """Keep the reason (field names and rules, never values) and a copy without reporter data."""
    target = private_folder(path.parent / REFUSED_DIR)
    name = _unused_name(target, name)
    copy = sanitised_copy(name, data)
    reason = str(problem) if copy is not None else f"{problem}\n{NOT_KEPT}"
    write_private(target / f"{name}.reason.txt", (reason + "\n").encode())
    if copy is not None:
        write_private(target / name, copy)
    path.unlink()


def _unused_name(folder: Path, name: str) -> str:
    """``name``, or ``name`` numbered (``tips-2.json``) when an earlier refusal holds it."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, number = name, 1
    while (folder / candidate).exists() or (folder / f"{candidate}.reason.txt").exists():
        number += 1
        candidate = f"{stem}-{number}{suffix}"
    return candidate


def private_folder(folder: Path) -> Path:
    """``folder``, created readable by its owner only (0700), and tightened if it existed.

    A link in its place is refused: the connector's state and refusals are never written,
    nor any folder's mode changed, through a link someone dropped.
    """
    if folder.is_symlink():
        detail = "is a symbolic link: remove it, the connector makes this folder itself"
        raise InputRefused(where=str(folder), detail=detail)
    create_private_folder(folder)
    folder.chmod(PRIVATE_FOLDER)
    return folder


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a file readable by its owner only (0600), never through a link."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(fd, PRIVATE_FILE)
        out.write(data)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
