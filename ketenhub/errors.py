"""The exceptions of Ketenhub, one tree rooted at ``KetenhubError``.

    KetenhubError
    ├── ContractError              the event contract (schemas, models) is inconsistent
    ├── CodecError                 bytes that cannot become an event
    │   ├── NotSingleObjectEncoded
    │   ├── UnknownSchemaFingerprint
    │   ├── CorruptDatum
    │   └── InvalidCloudEventHeaders
    ├── RegistryError              the partner registry is invalid or does not know a partner
    ├── PrivacyError               pseudonymisation or field encryption failed
    │   ├── SubjectKeyErased       the subject's key was deleted (crypto-shredded)
    │   └── EmptyIdentifier        an identifier with nothing visible (it would be everyone's)
    ├── IntegrityError             the audit log or a proof does not hold
    │   ├── ChainBroken
    │   ├── CheckpointInvalid
    │   └── ProofInvalid
    ├── LogError                   the durable topic log failed (edge)
    └── ScenarioError              the synthetic demo scenario could not be built

Each exception carries the values it is about as attributes, and its message names the
thing, the value and the rule broken, so that a partner's engineer can act on it. Refused
events are not exceptions: they are ``Rejection`` values routed to ``rejected.<partner>``.
"""

from __future__ import annotations


class KetenhubError(Exception):
    """Root of every error Ketenhub raises on purpose."""


class ContractError(KetenhubError):
    """The event contract itself is inconsistent (a schema file, a model, a catalogue entry)."""


class CodecError(KetenhubError):
    """Bytes or headers that cannot be turned into an event."""


class NotSingleObjectEncoded(CodecError):
    """The value does not start with the Avro single-object marker C3 01."""

    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix
        super().__init__(
            f"value is not Avro single-object encoded: expected marker c301 and an 8-byte "
            f"fingerprint, got {len(prefix)} byte(s) starting {prefix[:2].hex() or '(empty)'}"
        )


class UnknownSchemaFingerprint(CodecError):
    """The value names a writer schema this hub does not know."""

    def __init__(self, fingerprint: bytes) -> None:
        self.fingerprint = fingerprint
        super().__init__(
            f"unknown schema fingerprint {fingerprint.hex()}: the writer schema is not in "
            "schemas/avro; publish with a released schema version"
        )


class CorruptDatum(CodecError):
    """The Avro datum after the header is truncated or does not match its writer schema."""

    def __init__(self, event_type: str, detail: str) -> None:
        self.event_type = event_type
        self.detail = detail
        super().__init__(f"cannot decode {event_type} datum: {detail}")


class InvalidCloudEventHeaders(CodecError):
    """CloudEvents headers are missing, malformed or disagree with the event."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"invalid CloudEvents headers: {detail}")


class RegistryError(KetenhubError):
    """The partner registry is invalid, or a partner is not in it."""


class PrivacyError(KetenhubError):
    """Pseudonymisation or field encryption failed."""


class SubjectKeyErased(PrivacyError):
    """The data subject's key was deleted (crypto-shredding); its fields are unreadable."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(f"the key of data subject {subject} was erased; its fields are unreadable")


class EmptyIdentifier(PrivacyError):
    """An identifier to pseudonymise holds nothing visible: every such one would be one person."""

    def __init__(self) -> None:
        super().__init__(
            "an identifier has nothing visible (only spaces or invisible characters): leave it "
            "out instead, for every such identifier would be one and the same person"
        )


class IntegrityError(KetenhubError):
    """The audit log, a checkpoint or a proof does not hold."""


class ChainBroken(IntegrityError):
    """A sealed record does not link to its predecessor or does not match its own hash."""

    def __init__(self, offset: int, detail: str, *, log: str = "audit.log") -> None:
        self.offset = offset
        self.detail = detail
        self.log = log
        super().__init__(f"{log} offset {offset}: {detail}")


class CheckpointInvalid(IntegrityError):
    """A signed checkpoint does not match the log or its signature does not verify."""

    def __init__(self, tree_size: int, detail: str, *, log: str = "audit.log") -> None:
        self.tree_size = tree_size
        self.detail = detail
        self.log = log
        over = "" if log == "audit.log" else f"{log} "  # audit.log's messages stay as they were
        super().__init__(f"{over}checkpoint at tree size {tree_size}: {detail}")


class ProofInvalid(IntegrityError):
    """An inclusion or consistency proof does not verify."""


class LogError(KetenhubError):
    """The durable topic log could not be read or written."""


class ScenarioError(KetenhubError):
    """The synthetic demo scenario could not be built."""
