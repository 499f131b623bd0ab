"""The identity of an ingested message: the topic, partition and offset it was read at.

Every output the sealer writes names its input in the ``ketenhub_input`` header; this
module holds the one encoding of that header (``topic/partition/offset``) and its one parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

INPUT_HEADER = "ketenhub_input"


@dataclass(frozen=True, order=True)
class InputRef:
    """Where an ingested message was read: ``topic``, ``partition`` and ``offset``."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"

    def encode(self) -> bytes:
        """The header value naming this input."""
        return str(self).encode()

    @classmethod
    def decode(cls, value: bytes) -> InputRef | None:
        """The input a header value names, or None when it names none (damaged or foreign)."""
        topic, _, rest = value.decode(errors="replace").rpartition("/")
        topic, _, partition = topic.rpartition("/")
        if not (topic and partition.isdigit() and rest.isdigit()):
            return None
        if not (partition.isascii() and rest.isascii()):
            return None
        return cls(topic, int(partition), int(rest))


def input_of(headers: Sequence[tuple[str, bytes]]) -> InputRef | None:
    """The input an output record names, if any (the hub's own tag: the last one)."""
    found = [value for name, value in headers if name == INPUT_HEADER]
    return InputRef.decode(found[-1]) if found else None
