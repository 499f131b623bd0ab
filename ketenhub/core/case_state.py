"""The state of one case, folded from its sealed events: phase, history, actions, victims, referrals.

Each section is a typed record (or a list or dict of them) of the view contract
(``ketenhub.contract.view_records``). A state also keeps the Avro encoding of its sections
(``section_bytes``) and their JSON text (``to_json``), so views and the stored state encode
only what the last event changed: each fold names the sections it writes
(``written_sections``), and ``apply`` forgets what was kept of them. Sections change only
through ``apply``, and their records never change (a fold puts a new record in the place of
one it changes), so a dict section's unchanged entries keep their encoding; history entries
never change once appended, so the history's encoding grows by the new ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ketenhub.codec.avro_nodes import StringNode, long_bytes
from ketenhub.codec.avro_records import ArrayNode, MapNode
from ketenhub.codec.views import (
    section_entry_writer,
    section_node,
    section_writer,
    view_field_writer,
)
from ketenhub.contract.base import Event
from ketenhub.contract.view_records import (
    Action,
    Closure,
    Forward,
    HistoryEntry,
    Intake,
    Measure,
    Meeting,
    Plan,
    Referral,
    Research,
    Severity,
    SharingDecision,
    Signal,
    Victim,
)
from ketenhub.core.case_folds import FOLD, written_sections
from ketenhub.core.phases import Phase
from ketenhub.errors import CorruptDatum

__all__ = ["SECTIONS", "CaseState", "written_sections"]

_Part = TypeVar("_Part")

# The sections of a case, in the order of the coordinator's view (which shows them all).
SECTIONS: tuple[str, ...] = ("closed", "signal", "intake", "severity", "research", "plan")
SECTIONS += ("actions", "measures", "forwards", "sharing", "victims", "referrals", "meetings")
SECTIONS += ("history",)
_MAP_KEY = StringNode()
_JSON_ORDER = tuple(sorted((*SECTIONS, "case_id", "last_sequence", "phase")))
_KEPT_TEXTS = frozenset(SECTIONS) - {"history"}  # the history's text grows by its new entries
_json_text = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
_LISTS = frozenset({"measures", "meetings", "history"})
_DICTS = frozenset({"actions", "forwards", "sharing", "victims", "referrals"})


@dataclass
class CaseState:
    """Everything known about one case, as typed sections."""

    case_id: str
    last_sequence: int = -1
    phase: str = Phase.RECEIVED.name
    closed: Closure | None = None
    signal: Signal | None = None
    intake: Intake | None = None
    severity: Severity | None = None
    research: Research | None = None
    plan: Plan | None = None
    actions: dict[str, Action] = field(default_factory=dict)
    measures: list[Measure] = field(default_factory=list)
    forwards: dict[str, Forward] = field(default_factory=dict)
    sharing: dict[str, SharingDecision] = field(default_factory=dict)
    victims: dict[str, Victim] = field(default_factory=dict)
    referrals: dict[str, Referral] = field(default_factory=dict)
    meetings: list[Meeting] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._encoded: dict[str, bytes] = {}  # Avro of sections unchanged since encoded
        self._parts: dict[str, tuple[object, bytes]] = {}  # view parts and their Avro, by key
        self._entries: dict[str, dict[str, tuple[object, bytes]]] = {}  # of dict sections
        self._texts: dict[str, str] = {}  # JSON text of sections, for ``to_json``
        self._history_of: list[HistoryEntry] = self.history  # the list _history_items encodes
        self._history_items: list[bytes] = []  # Avro of its first entries
        self._history_texts: list[str] = []  # JSON text of its first entries

    def section_bytes(self, name: str) -> bytes:
        """The Avro encoding of section ``name``, encoded again only after a fold wrote it."""
        if name == "history":
            return self._history_bytes()
        encoded = self._encoded.get(name)
        if encoded is None:
            value = getattr(self, name)
            if isinstance(section_node(name), MapNode) and isinstance(value, dict) and value:
                encoded = self._map_bytes(name, value)
            else:
                encoded = section_writer(name)(value)
            self._encoded[name] = encoded
        return encoded

    def _map_bytes(self, name: str, section: dict[str, object]) -> bytes:
        """A dict section's encoding, each entry encoded again only if a fold replaced it
        (entries are frozen records: a fold that changes one puts a new one in its place)."""
        before, after = self._entries.get(name, {}), {}
        key_of, write = _MAP_KEY.write, section_entry_writer(name)
        for key, entry in section.items():
            kept = before.get(key)
            after[key] = (
                kept
                if kept is not None and kept[0] is entry
                else (entry, key_of(key) + write(entry))
            )
        self._entries[name] = after
        return b"".join(
            (long_bytes(len(after)), *(encoded for _, encoded in after.values()), b"\x00")
        )

    def _history_changed(self) -> None:
        """Forget what was kept of the history if it is not the list it was kept for."""
        history = self.history
        if self._history_of is not history or len(self._history_items) > len(history):
            self._history_of, self._history_items = history, []
            self._history_texts = []
        elif len(self._history_texts) > len(history):
            self._history_texts = []

    def _history_bytes(self) -> bytes:
        self._history_changed()
        items = self._history_items
        if len(items) < len(self.history):
            write = section_entry_writer("history")
            items.extend(write(entry) for entry in self.history[len(items) :])
        if not items:
            return b"\x00"
        return b"".join((long_bytes(len(items)), *items, b"\x00"))

    def view_part(self, key: str, field: tuple[type, str], part: Callable[[], _Part]) -> _Part:
        """A record views derive from this state, made and encoded once until a fold writes
        the section it is made from (``key`` is that section's name, a slash and a variant,
        e.g. ``signal/own``); ``field`` is the role record and field it fills."""
        found = self._parts.get(key)
        if found is None:
            made = part()
            self._parts[key] = (made, view_field_writer(*field)(made))
            return made
        return found[0]  # type: ignore[return-value]  # stored by this method under this key

    def section_encodings(self) -> dict[int, bytes]:
        """The Avro encoding of each section and view part, by the ``id`` of its object."""
        known = {id(part): encoded for part, encoded in self._parts.values()}
        encoded = self._encoded
        for name in SECTIONS:
            value = getattr(self, name)
            if value is not None:
                known[id(value)] = encoded.get(name) or self.section_bytes(name)
        return known

    def to_json(self) -> bytes:
        """Serialise the state as JSON (for a changelog-backed table): sorted keys, no spaces,
        each section's text encoded again only after a fold wrote it."""
        texts = self._texts
        members = []
        for name in _JSON_ORDER:
            text = texts.get(name)
            if text is None:
                text = self._text(name)
                if name in _KEPT_TEXTS:
                    texts[name] = text
            members.append(f'"{name}":{text}')
        return f"{{{','.join(members)}}}".encode()

    def _text(self, name: str) -> str:
        """The JSON text of one member of ``to_json``."""
        if name == "history":
            self._history_changed()
            kept, node = self._history_texts, section_node("history")
            entry = node.items.document if isinstance(node, ArrayNode) else node.document
            kept.extend(_json_text(entry(item)) for item in self.history[len(kept) :])
            return f"[{','.join(kept)}]"
        value = getattr(self, name)
        if name in SECTIONS and value is not None:
            return _json_text(section_node(name).document(value))
        return _json_text(value)

    @classmethod
    def from_json(cls, data: bytes) -> CaseState:
        """Restore a state serialised by ``to_json``; raise CorruptDatum if it is not one."""
        try:
            document = json.loads(data)
            state = cls(str(document["case_id"]), int(document["last_sequence"]))
            state.phase = str(document["phase"])
            for name in SECTIONS:
                found = document.get(name)
                value = None if found is None else section_node(name).from_document(found)
                if name in _LISTS:
                    value = list(value) if isinstance(value, tuple) else []  # arrays read as tuples
                elif name in _DICTS and value is None:
                    value = {}
                setattr(state, name, value)
        except (ValueError, TypeError, KeyError) as exc:
            raise CorruptDatum(cls.__name__, f"{type(exc).__name__}: {exc}") from exc
        state._history_of = state.history
        return state

    def apply(self, sequence: int, event: Event, addressees: frozenset[str] = frozenset()) -> None:
        """Fold one sealed event into the state; ``addressees`` are the partners a forward reaches."""
        self.last_sequence = sequence
        self.history.append(
            HistoryEntry(
                sequence=sequence,
                event_type=event.EVENT_TYPE,
                event_id=event.event_id,
                occurred_at=event.occurred_at,
                recorded_by=event.recorded_by,
            )
        )
        fold = FOLD.of(event)
        if fold is not None:
            writes = written_sections(type(event))
            for name in writes:
                self._encoded.pop(name, None)
                self._texts.pop(name, None)
            if self._parts and any(k.split("/")[0] in writes for k in self._parts):
                self._parts = {
                    k: p for k, p in self._parts.items() if k.split("/")[0] not in writes
                }
            fold(event, self, addressees)
