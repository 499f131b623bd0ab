"""The hub's protection service (``/pseudonyms``, ``/encryptions``, ...), so partners never hold the hub's secrets.

A partner's client (``connectors.sdk.remote_protector``) asks the hub for the pseudonyms of
clear identifiers, for the data subject of a case, to encrypt a free text under a subject's
key (made when the subject is new), for the keyed id of a protected event and for a keyed
digest; and, before all of that, for a proof that it talks to the hub whose key it pinned.
The pseudonym secret and the subject keys never leave the hub.

Every call needs a partner token and counts against its rate limit, and is sealed into
access.log through ``ketenhub.web.reads`` like a read, before it is answered: the case where
it concerns one and the data subjects by pseudonym (so ``subject-report`` finds every call
about a person); the server's log names them only by a keyed reference
(``ketenhub.web.reads.subject_reference``), never by pseudonym. Clear identifiers and texts
are never logged, stored or answered back: a text holding a BSN, e-mail address or phone
number is refused (naming the kind, not the value).
"""

from __future__ import annotations

import base64
import functools
import uuid
from pathlib import Path as FilePath
from typing import Annotated

import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Request
from pydantic import Base64Bytes, BaseModel, Field, StringConstraints

from ketenhub.codec.single_object import decode_event
from ketenhub.core.identifier_form import canonical_identifier
from ketenhub.core.identifiers import is_pseudonym
from ketenhub.core.personal_data import find_personal_data
from ketenhub.core.processing import ReadOperation, subjects_in
from ketenhub.core.trust import fingerprint
from ketenhub.errors import EmptyIdentifier, KetenhubError
from ketenhub.hub_folder import HubFolder
from ketenhub.protection.hub_proof import CHALLENGE_BYTES, sign_proof
from ketenhub.web.auth import Caller, PartnerCaller
from ketenhub.web.context import WebContext, WebContextDep
from ketenhub.web.problems import (
    INVALID_EVENT,
    INVALID_REQUEST,
    PERSONAL_DATA_IN_TEXT,
    RATE_LIMITED,
    UNAUTHORIZED,
    Problem,
    ProblemType,
    problem_responses,
)
from ketenhub.web.reads import (  # noqa: F401 (the subject references live with the reads)
    SUBJECT_REFERENCE_PURPOSE,
    record_processing,
    subject_reference,
)

router = APIRouter(tags=["protection"])
log = structlog.get_logger("ketenhub.web.protection")
MAX_ITEMS = 100
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=256)]
CaseId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


class PseudonymRequest(BaseModel):
    """Clear identifiers of persons or addresses (never logged, never stored)."""

    identifiers: list[Identifier] = Field(min_length=1, max_length=MAX_ITEMS)


class PseudonymDocument(BaseModel):
    """The pseudonym of each identifier, in the order asked."""

    pseudonyms: list[str]


class CaseSubjectRequest(BaseModel):
    """Case ids whose texts are keyed to the case rather than to a person."""

    case_ids: list[CaseId] = Field(min_length=1, max_length=MAX_ITEMS)


class CaseSubjectDocument(BaseModel):
    """The data subject (a pseudonym) of each case, in the order asked."""

    subjects: list[str]


class EncryptionRequest(BaseModel):
    """A free text to encrypt under the key of ``subject`` (made when the subject is new)."""

    subject: str = Field(max_length=128, description="The pseudonym of the data subject.")
    associated: Base64Bytes = Field(
        description="Associated data, base64 (the SDK binds `EventType.field`)."
    )
    text: str = Field(min_length=1, max_length=65_536, description="The clear text.")


class EncryptedDocument(BaseModel):
    """The encrypted field, as it goes into an event (bytes in base64)."""

    subject: str
    nonce: str = Field(description="The AES-GCM nonce, base64.")
    ciphertext: str = Field(description="The AES-GCM ciphertext with its tag, base64.")


class EventIdRequest(BaseModel):
    """A protected event (Avro single-object bytes, base64) recorded by you."""

    event: Base64Bytes


class EventIdDocument(BaseModel):
    """The keyed deterministic id of the event."""

    event_id: uuid.UUID


class DigestRequest(BaseModel):
    """A partner-side hash of content to name (a file), never the content itself.

    The SDK sends an HMAC-SHA256 of the content under the caller's token, so the hub cannot
    test guesses of what the content holds.
    """

    purpose: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class DigestDocument(BaseModel):
    """The keyed digest (hex) naming the content."""

    digest: str


class HubProofRequest(BaseModel):
    """A fresh random challenge of 32 bytes, base64."""

    challenge: Base64Bytes


class HubProofDocument(BaseModel):
    """The hub's signature over the challenge, and its key's fingerprint (check it against your pin)."""

    fingerprint: str
    public_key: str = Field(description="The hub's Ed25519 public key (raw 32 bytes, base64).")
    signature: str = Field(description="Ed25519 signature over the challenge's domain, base64.")


_PROBLEMS = problem_responses(INVALID_REQUEST, UNAUTHORIZED, RATE_LIMITED)


@router.post(
    "/pseudonyms", response_model=PseudonymDocument, summary="Pseudonyms", responses=_PROBLEMS
)
async def pseudonyms(
    body: PseudonymRequest, caller: PartnerCaller, context: WebContextDep
) -> PseudonymDocument:
    """The pseudonym of each clear identifier, made with the hub's secret.

    Each identifier counts as one request against your token's rate limit, so guessing
    identifiers to unmask pseudonyms is as slow as asking for them one by one.
    """
    for index, identifier in enumerate(body.identifiers):
        if not canonical_identifier(identifier):
            raise Problem(INVALID_REQUEST, f"identifiers[{index}]: {EmptyIdentifier()}")
    _charge_items(context, caller, len(body.identifiers))
    backend = context.hub.backend  # its protector is opened and used on the hub's thread only
    found = await context.hub.call(
        lambda: [backend.protector.pseudonym(i) for i in body.identifiers]
    )
    await record_processing(context.hub, caller.reader, ReadOperation.PROTECT_PSEUDONYMS, found)
    _log_call(caller, "pseudonyms", len(found))
    return PseudonymDocument(pseudonyms=found)


@router.post(
    "/case-subjects",
    response_model=CaseSubjectDocument,
    summary="Data subjects of cases",
    responses=_PROBLEMS,
)
async def case_subjects(
    body: CaseSubjectRequest, caller: PartnerCaller, context: WebContextDep
) -> CaseSubjectDocument:
    """The data subject of each case's own texts (each case counts as one request)."""
    for index, case_id in enumerate(body.case_ids):
        _refuse_personal_data_in_case_id(INVALID_REQUEST, f"case_ids[{index}]", case_id)
    _charge_items(context, caller, len(body.case_ids))
    backend = context.hub.backend
    found = await context.hub.call(
        lambda: [backend.protector.case_subject(c) for c in body.case_ids]
    )
    for case_id, subject in zip(body.case_ids, found, strict=True):
        operation = ReadOperation.PROTECT_CASE_SUBJECTS
        await record_processing(context.hub, caller.reader, operation, [subject], case_id)
    _log_call(caller, "case-subjects", len(found))
    return CaseSubjectDocument(subjects=found)


@router.post(
    "/encryptions",
    response_model=EncryptedDocument,
    summary="Encrypt a free text",
    responses=problem_responses(INVALID_REQUEST, UNAUTHORIZED, PERSONAL_DATA_IN_TEXT, RATE_LIMITED),
)
async def encryptions(
    body: EncryptionRequest, caller: PartnerCaller, context: WebContextDep
) -> EncryptedDocument:
    """The text encrypted under the subject's key; the key is made when the subject is new.

    A subject that was erased gets no key again: its text is encrypted under a key thrown
    away at once (unreadable, as the erasure asks), and the answer is the same as for any
    other subject, so it does not tell that the person was ever known.
    """
    if not is_pseudonym(body.subject):
        raise Problem(INVALID_REQUEST, "subject: must be a pseudonym (ask /api/v1/pseudonyms)")
    kind = find_personal_data(body.text)
    if kind is not None:
        detail = (
            f"text: holds what looks like a {kind.description}; refer to people by their "
            "pseudonym (the value is not repeated here)"
        )
        raise Problem(PERSONAL_DATA_IN_TEXT, detail, extra={"kind": kind.value})
    backend = context.hub.backend  # an erased subject is answered like any other (see encrypt)
    field = await context.hub.call(
        lambda: backend.protector.encrypt(body.subject, body.text, body.associated)
    )
    operation = ReadOperation.PROTECT_ENCRYPT
    await record_processing(context.hub, caller.reader, operation, [body.subject])
    _log_call(caller, "encryptions", 1)
    return EncryptedDocument(
        subject=field.subject, nonce=_b64(field.nonce), ciphertext=_b64(field.ciphertext)
    )


@router.post(
    "/event-ids",
    response_model=EventIdDocument,
    summary="The keyed id of a protected event",
    responses=problem_responses(INVALID_REQUEST, UNAUTHORIZED, INVALID_EVENT, RATE_LIMITED),
)
async def event_ids(
    body: EventIdRequest, caller: PartnerCaller, context: WebContextDep
) -> EventIdDocument:
    """The deterministic id of your protected event: the same content gives the same id."""
    try:
        event = decode_event(body.event)
    except KetenhubError as exc:
        raise Problem(INVALID_EVENT, f"event: not a protected event: {exc}") from None
    if event.recorded_by != caller.partner.id:
        raise Problem(INVALID_EVENT, "event: recorded_by must be your own partner id")
    if event.case_ref:
        _refuse_personal_data_in_case_id(INVALID_EVENT, "event: its case id", event.case_ref)
    backend = context.hub.backend
    keyed = await context.hub.call(lambda: backend.protector.with_event_id(event))
    subjects = subjects_in(event.model_dump())
    operation = ReadOperation.PROTECT_EVENT_ID
    await record_processing(context.hub, caller.reader, operation, subjects, event.case_ref)
    _log_call(caller, "event-ids", 1)
    return EventIdDocument(event_id=keyed.event_id)


@router.post(
    "/digests", response_model=DigestDocument, summary="A keyed digest", responses=_PROBLEMS
)
async def digests(
    body: DigestRequest, caller: PartnerCaller, context: WebContextDep
) -> DigestDocument:
    """A keyed digest of a SHA-256, so a partner can name a file without revealing it."""
    backend = context.hub.backend
    purpose = f"remote-{body.purpose}"
    found = await context.hub.call(
        lambda: backend.protector.digest(purpose, bytes.fromhex(body.sha256))
    )
    await record_processing(context.hub, caller.reader, ReadOperation.PROTECT_DIGEST, [])
    _log_call(caller, "digests", 1)
    return DigestDocument(digest=found)


@router.post(
    "/hub-proofs",
    response_model=HubProofDocument,
    summary="Proof that this is the hub you pinned",
    responses=problem_responses(INVALID_REQUEST, RATE_LIMITED),
)
async def hub_proof(
    body: HubProofRequest, request: Request, context: WebContextDep
) -> HubProofDocument:
    """The hub signs your challenge with its key; check it before you send your token."""
    if len(body.challenge) != CHALLENGE_BYTES:
        raise Problem(INVALID_REQUEST, f"challenge: must be {CHALLENGE_BYTES} bytes")
    address = request.client.host if request.client is not None else "unknown"
    wait_s = context.token_limits.take(f"hub-proof:{address}")
    if wait_s:
        detail = f"too many proofs asked from your address; try again in {wait_s:.0f} s"
        raise Problem(RATE_LIMITED, detail, headers={"Retry-After": f"{wait_s:.0f}"})
    key = _signing_key(context.settings.data_dir)
    public = key.public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return HubProofDocument(
        fingerprint=fingerprint(public),
        public_key=_b64(raw),
        signature=_b64(sign_proof(key, body.challenge)),
    )


def _refuse_personal_data_in_case_id(kind: ProblemType, where: str, case_id: str) -> None:
    """Refuse a case id holding a BSN, e-mail address or phone number before it is recorded.

    The hub refuses such an event (``PERSONAL_DATA_IN_FIELD``), and the access record names
    cases by their id: a case id like this one must not get there.
    """
    found = find_personal_data(case_id)
    if found is not None:
        detail = (
            f"{where} holds what looks like a {found.description}; case ids are opaque "
            "(the value is not repeated here)"
        )
        raise Problem(kind, detail)


def _charge_items(context: WebContext, caller: Caller, items: int) -> None:
    """Count every item of a batch against the token's rate limit (the request itself took one).

    A batch larger than the token's burst could never fit: it is refused naming the most a
    batch may hold, rather than told to wait for a bucket that never holds enough.
    """
    if items <= 1:
        return
    burst = context.token_limits.burst
    if items > burst:
        detail = f"a batch of {items} items is more than this token may ask at once: send at most {burst}"
        raise Problem(INVALID_REQUEST, detail)
    wait_s = context.token_limits.take(caller.token_id, items - 1)
    if wait_s:
        detail = f"this token asked for too many items; try again in {wait_s:.0f} s"
        raise Problem(RATE_LIMITED, detail, headers={"Retry-After": f"{wait_s:.0f}"})


@functools.cache
def _signing_key(data_dir: FilePath) -> Ed25519PrivateKey:
    return HubFolder(data_dir).signing_key()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _log_call(caller: Caller, operation: str, items: int) -> None:
    log.info(
        "protection_call",
        partner=caller.partner.id,
        token_id=caller.token_id,
        operation=operation,
        items=items,
    )
