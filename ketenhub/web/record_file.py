"""A private JSON file of records in the data folder, shared by the web tier and the commands.

The users and the tokens of the pages and the API each live in one such file: read again
whenever it changed on disk, replaced atomically (written beside it, synced, renamed) with
mode 0600, and changed only under an exclusive lock that every process takes, so two
commands, or a command and the server, never lose each other's change.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from ketenhub.data_folder import PRIVATE_FILE

R = TypeVar("R")


class RecordFile(Generic[R]):
    """Records by id, kept in one private JSON file; subclasses say how it is parsed and written."""

    LOCK_FILE: ClassVar[str]  # beside the file: the lock every process takes to change it
    ENSURE_ASCII: ClassVar[bool] = True  # as json.dumps writes the file

    def __init__(self, path: Path) -> None:
        self.path = path
        self._records: dict[str, R] = {}
        self._seen: tuple[int, ...] | None = None
        self._lock = threading.RLock()  # a store may be used from several threads of a server

    def _parse(self, path: Path) -> dict[str, R]:
        raise NotImplementedError

    def _document(self) -> dict[str, Any]:
        raise NotImplementedError

    @contextmanager
    def _editing(self) -> Iterator[None]:
        """Hold this process's and every other process's hands off the file while it changes."""
        with self._lock:
            fd = os.open(self.path.with_name(self.LOCK_FILE), os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._seen = None  # read it afresh under the lock
                self._reload()
                yield
            finally:
                os.close(fd)

    def _reload(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._records, self._seen = {}, None
            return
        seen = (stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)
        if seen == self._seen:
            return
        self._records = self._parse(self.path)
        self._seen = seen

    def _save(self) -> None:
        document = self._document()
        data = json.dumps(document, indent=2, ensure_ascii=self.ENSURE_ASCII).encode() + b"\n"
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        try:
            os.fchmod(fd, PRIVATE_FILE)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        temporary.replace(self.path)
        self._seen = None
