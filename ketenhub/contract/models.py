"""Typed models of the event contract, generated from schemas/avro: do not edit.

Regenerate with ``python -m ketenhub.contract.codegen``.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import ClassVar
from uuid import UUID

from pydantic import Field, StrictBool

from ketenhub.contract.base import AvroInt, ContractModel, Event


class ActionResult(enum.StrEnum):
    """How a planned action ended."""

    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class PlannedAction(ContractModel):
    """One action of a plan, with its owner partner and due date."""

    action_id: str = Field(description="Identifier of the action, unique within the case.")
    kind: str = Field(description="Action code, e.g. CONTROL_VISIT, STOP_TALK, ADDRESS_CHECK.")
    owner: str = Field(description="Partner id responsible for the action.")
    due_date: dt.date = Field(description="Date the action is due.")


class PermitType(enum.StrEnum):
    """Kind of permit screened under the Bibob act."""

    SEX_ESTABLISHMENT = "SEX_ESTABLISHMENT"
    ESCORT = "ESCORT"
    HOSPITALITY = "HOSPITALITY"
    HOUSING_CONVERSION = "HOUSING_CONVERSION"


class BibobOutcome(enum.StrEnum):
    """Outcome of a Bibob screening."""

    NO_RISK = "NO_RISK"
    MINOR_RISK = "MINOR_RISK"
    SERIOUS_RISK = "SERIOUS_RISK"


class CampaignChannel(enum.StrEnum):
    """Channel of an awareness campaign."""

    SOCIAL_MEDIA = "SOCIAL_MEDIA"
    PRINT = "PRINT"
    EVENT = "EVENT"
    WEBSITE = "WEBSITE"
    SCHOOL_VISIT = "SCHOOL_VISIT"


class TargetGroup(enum.StrEnum):
    """Target group of an awareness campaign."""

    GENERAL_PUBLIC = "GENERAL_PUBLIC"
    YOUTH = "YOUTH"
    PARENTS = "PARENTS"
    HOSPITALITY = "HOSPITALITY"
    TEMP_AGENCIES = "TEMP_AGENCIES"
    CLEANING = "CLEANING"
    SEX_WORK = "SEX_WORK"
    SCHOOLS = "SCHOOLS"


class CareOutcome(enum.StrEnum):
    """How care ended."""

    COMPLETED = "COMPLETED"
    DROPPED_OUT = "DROPPED_OUT"
    TRANSFERRED = "TRANSFERRED"
    RETURNED_TO_EXPLOITATION = "RETURNED_TO_EXPLOITATION"


class CloseReason(enum.StrEnum):
    """Why a case was closed."""

    NOT_TRAFFICKING = "NOT_TRAFFICKING"
    NOT_MUNICIPAL_TASK = "NOT_MUNICIPAL_TASK"
    OUTSIDE_MUNICIPALITY = "OUTSIDE_MUNICIPALITY"
    NOT_SEVERE = "NOT_SEVERE"
    STORED_FOR_FUTURE_USE = "STORED_FOR_FUTURE_USE"
    FORWARDED = "FORWARDED"
    ACTIONS_COMPLETED = "ACTIONS_COMPLETED"


class ControlDayKind(enum.StrEnum):
    """Kind of control day."""

    INTEGRAL = "INTEGRAL"
    PROSTITUTION = "PROSTITUTION"
    ADDRESS_CHECK = "ADDRESS_CHECK"
    HOUSING_FRAUD = "HOUSING_FRAUD"


class EncryptedField(ContractModel):
    """A field with personal data, encrypted with AES-256-GCM under the key of one data subject (crypto-shredding erases the key)."""

    subject: str = Field(description="Pseudonym of the data subject whose key encrypts this field.")
    nonce: bytes = Field(description="12-byte AES-GCM nonce.")
    ciphertext: bytes = Field(description="AES-GCM ciphertext with tag.")


class PlannedAddress(ContractModel):
    """An address planned for a visit on a control day: a pseudonym for matching visits, its display form encrypted under the control day's key, and its area."""

    address: str = Field(description="The address as pseudonym (as ControlVisitLogged.address).")
    display: EncryptedField = Field(description="The address as the team reads it, encrypted under the key of the control day (erased when the day is closed).")
    area_code: str = Field(description="District or four-digit postcode area of the address.")


class EvaluationPart(enum.StrEnum):
    """The part of the annual evaluation (the policy plan's five ambitions)."""

    AWARENESS = "AWARENESS"
    SIGNALLING = "SIGNALLING"
    ENFORCEMENT = "ENFORCEMENT"
    VICTIM_SUPPORT = "VICTIM_SUPPORT"
    COLLABORATION = "COLLABORATION"


class FindingSource(enum.StrEnum):
    """The role of the source of a qualitative finding (never a name)."""

    COORDINATOR = "COORDINATOR"
    CARE_COORDINATOR = "CARE_COORDINATOR"
    RSIV_CHAIN_DIRECTOR = "RSIV_CHAIN_DIRECTOR"
    RIEC = "RIEC"
    POLICE = "POLICE"
    ENFORCEMENT = "ENFORCEMENT"
    CARE_PARTNER = "CARE_PARTNER"
    OTHER = "OTHER"


class IntakeOutcome(enum.StrEnum):
    """Outcome of the intake phase."""

    ACCEPT = "ACCEPT"
    FORWARD = "FORWARD"
    CLOSE = "CLOSE"


class MeasureType(enum.StrEnum):
    """Administrative measure (bestuurlijke maatregel)."""

    PENALTY_ORDER = "PENALTY_ORDER"
    ADMINISTRATIVE_FINE = "ADMINISTRATIVE_FINE"
    PREMISES_CLOSURE = "PREMISES_CLOSURE"
    PERMIT_REVOKED = "PERMIT_REVOKED"
    PERMIT_REFUSED = "PERMIT_REFUSED"
    STOP_TALK = "STOP_TALK"
    BRP_DEREGISTRATION = "BRP_DEREGISTRATION"
    ADDRESS_INVESTIGATION = "ADDRESS_INVESTIGATION"
    CRIMINAL_REFERRAL = "CRIMINAL_REFERRAL"


class MeetingType(enum.StrEnum):
    """Kind of collaboration meeting."""

    ONDERMIJNINGSOVERLEG = "ONDERMIJNINGSOVERLEG"
    MENSENHANDELTAFEL = "MENSENHANDELTAFEL"
    JOSO = "JOSO"


class PermitDecision(enum.StrEnum):
    """Decision on a permit."""

    GRANTED = "GRANTED"
    GRANTED_WITH_CONDITIONS = "GRANTED_WITH_CONDITIONS"
    REFUSED = "REFUSED"
    REVOKED = "REVOKED"


class DeclineReason(enum.StrEnum):
    """Why a provider declined a referral."""

    NO_CAPACITY = "NO_CAPACITY"
    NOT_IN_TARGET_GROUP = "NOT_IN_TARGET_GROUP"
    CLIENT_REFUSED = "CLIENT_REFUSED"
    CLIENT_UNREACHABLE = "CLIENT_UNREACHABLE"
    OTHER = "OTHER"


class CareType(enum.StrEnum):
    """Type of care a victim is referred to."""

    CARE_COORDINATION = "CARE_COORDINATION"
    SHELTER_WOMEN = "SHELTER_WOMEN"
    SHELTER_MEN = "SHELTER_MEN"
    CAREER_SWITCH = "CAREER_SWITCH"
    SPECIALISED_GUIDANCE = "SPECIALISED_GUIDANCE"
    NATIONAL_REGISTRATION = "NATIONAL_REGISTRATION"
    SPECIALISED_SHELTER = "SPECIALISED_SHELTER"
    BUDDY = "BUDDY"
    MEDICAL = "MEDICAL"


class Urgency(enum.StrEnum):
    """Urgency of a referral."""

    ROUTINE = "ROUTINE"
    URGENT = "URGENT"
    IMMEDIATE = "IMMEDIATE"


class SeverityOutcome(enum.StrEnum):
    """Outcome of the severity phase."""

    INVESTIGATE = "INVESTIGATE"
    CLOSE = "CLOSE"
    STORE_FOR_FUTURE_USE = "STORE_FOR_FUTURE_USE"


class ForwardReason(enum.StrEnum):
    """Why a signal is forwarded to a partner. CARE is kept so that earlier records stay readable; the hub refuses it, since care is arranged by referral."""

    CRIMINAL_INVESTIGATION = "CRIMINAL_INVESTIGATION"
    INTEGRAL_APPROACH = "INTEGRAL_APPROACH"
    INSPECTION = "INSPECTION"
    CARE = "CARE"
    OTHER_MUNICIPALITY = "OTHER_MUNICIPALITY"


class Channel(enum.StrEnum):
    """How a signal reached the hub."""

    INTERNAL_ROUTE = "INTERNAL_ROUTE"
    EXTERNAL_ROUTE = "EXTERNAL_ROUTE"
    WEBSITE = "WEBSITE"
    ANONYMOUS_TIP = "ANONYMOUS_TIP"
    POLICE = "POLICE"
    PARTNER = "PARTNER"


class ReporterRole(enum.StrEnum):
    """The role of whoever reported a signal; never a person's identity."""

    COUNTER_STAFF = "COUNTER_STAFF"
    ENFORCER = "ENFORCER"
    AREA_MANAGER = "AREA_MANAGER"
    CASEWORKER_EDUCATION = "CASEWORKER_EDUCATION"
    CASEWORKER_WMO = "CASEWORKER_WMO"
    CASEWORKER_YOUTH = "CASEWORKER_YOUTH"
    CASEWORKER_PARTICIPATION = "CASEWORKER_PARTICIPATION"
    PERMIT_OFFICER = "PERMIT_OFFICER"
    EXTERNAL_PROFESSIONAL = "EXTERNAL_PROFESSIONAL"
    BUSINESS = "BUSINESS"
    CITIZEN = "CITIZEN"
    POLICE_OFFICER = "POLICE_OFFICER"
    PARTNER_ORGANISATION = "PARTNER_ORGANISATION"


class SourceOrganisationKind(enum.StrEnum):
    """The kind of outside organisation, not a hub partner, that reported a signal on the external route; never its name."""

    LABOUR_RIGHTS_ORGANISATION = "LABOUR_RIGHTS_ORGANISATION"
    SCHOOL = "SCHOOL"
    HOUSING_CORPORATION = "HOUSING_CORPORATION"
    HEALTHCARE_PROVIDER = "HEALTHCARE_PROVIDER"
    YOUTH_CARE = "YOUTH_CARE"
    SOCIAL_WORK = "SOCIAL_WORK"
    SEX_WORK_SUPPORT = "SEX_WORK_SUPPORT"
    EMPLOYER = "EMPLOYER"
    TEMPORARY_EMPLOYMENT_AGENCY = "TEMPORARY_EMPLOYMENT_AGENCY"
    COMMUNITY_ORGANISATION = "COMMUNITY_ORGANISATION"
    OTHER = "OTHER"


class ExploitationForm(enum.StrEnum):
    """Form of exploitation (uitbuitingsvorm)."""

    SEXUAL = "SEXUAL"
    CRIMINAL = "CRIMINAL"
    LABOUR = "LABOUR"
    ORGAN_REMOVAL = "ORGAN_REMOVAL"
    FORCED_MARRIAGE = "FORCED_MARRIAGE"
    ILLEGAL_ADOPTION = "ILLEGAL_ADOPTION"
    SURROGACY = "SURROGACY"


class Location(ContractModel):
    """Where something happened, coarse enough to identify nobody."""

    municipality_code: str = Field(description="CBS municipality code, e.g. GM1916.")
    area_code: str = Field(description="District or four-digit postcode area; never a full address.")


class Register(enum.StrEnum):
    """Public registers and databases consulted in source research."""

    BRP = "BRP"
    RNI = "RNI"
    KVK = "KVK"
    BAG = "BAG"
    KADASTER = "KADASTER"
    RDW = "RDW"
    SUWINET = "SUWINET"
    OPEN_SOURCES = "OPEN_SOURCES"


class Audience(enum.StrEnum):
    """Who a training reached: an internal role or an external sector."""

    COUNTER_STAFF = "COUNTER_STAFF"
    ENFORCER = "ENFORCER"
    AREA_MANAGER = "AREA_MANAGER"
    CASEWORKER = "CASEWORKER"
    PERMIT_OFFICER = "PERMIT_OFFICER"
    HOSPITALITY = "HOSPITALITY"
    TEMP_AGENCIES = "TEMP_AGENCIES"
    CLEANING = "CLEANING"
    SEX_WORK = "SEX_WORK"
    SCHOOLS = "SCHOOLS"
    HEALTHCARE = "HEALTHCARE"


class AudienceKind(enum.StrEnum):
    """Whether a training reached internal staff or an external sector."""

    INTERNAL_ROLE = "INTERNAL_ROLE"
    EXTERNAL_SECTOR = "EXTERNAL_SECTOR"


class AgeGroup(enum.StrEnum):
    """Age group of a victim."""

    UNDER_18 = "UNDER_18"
    FROM_18_TO_23 = "FROM_18_TO_23"
    FROM_24_TO_44 = "FROM_24_TO_44"
    FROM_45 = "FROM_45"


class Gender(enum.StrEnum):
    """Gender of a victim as registered."""

    FEMALE = "FEMALE"
    MALE = "MALE"
    X = "X"
    UNKNOWN = "UNKNOWN"


class ResidenceStatus(enum.StrEnum):
    """Residence status of a victim."""

    DUTCH = "DUTCH"
    EU_CITIZEN = "EU_CITIZEN"
    THIRD_COUNTRY_LEGAL = "THIRD_COUNTRY_LEGAL"
    UNDOCUMENTED = "UNDOCUMENTED"
    UNKNOWN = "UNKNOWN"


class ActionCompleted(Event):
    """Phase 5: one planned action ended."""

    EVENT_TYPE: ClassVar[str] = "ActionCompleted"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.ActionCompleted"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.action-completed"

    case_id: str = Field(description="Opaque case identifier (never a name or BSN).")
    action_id: str = Field(description="The action of the plan.")
    result: ActionResult = Field(description="Completed or cancelled.")
    finding_codes: list[str] = Field(description="Finding codes reported back by the owner.")


class ActionPlanAdopted(Event):
    """Phase 4: a plan of action with owners and due dates was adopted."""

    EVENT_TYPE: ClassVar[str] = "ActionPlanAdopted"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.ActionPlanAdopted"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.action-plan-adopted"

    case_id: str = Field(description="Opaque case identifier (never a name or BSN).")
    actions: list[PlannedAction] = Field(description="The planned actions.")
    forward_to_police: StrictBool = Field(description="Whether the case is also forwarded to the police.")
    escalate_to_riec: StrictBool = Field(description="Whether RIEC is asked to take the case up integrally.")


class BibobScreeningCompleted(Event):
    """A Bibob screening of a permit application was completed."""

    EVENT_TYPE: ClassVar[str] = "BibobScreeningCompleted"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.BibobScreeningCompleted"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.bibob-screening-completed"

    case_id: str | None = Field(None, description="Opaque case identifier, where the event belongs to a case.")
    screening_id: str = Field(description="Identifier of the screening.")
    permit_type: PermitType = Field(description="Kind of permit.")
    outcome: BibobOutcome = Field(description="Risk outcome.")
    applicant: str | None = Field(None, description="Applicant as pseudonym.")


class CampaignHeld(Event):
    """A public awareness campaign was held."""

    EVENT_TYPE: ClassVar[str] = "CampaignHeld"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.CampaignHeld"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.campaign-held"

    campaign_id: str = Field(description="Identifier of the campaign.")
    channel: CampaignChannel = Field(description="Channel.")
    target_group: TargetGroup = Field(description="Target group.")
    reach: AvroInt = Field(description="Estimated number of people reached.")


class CareEnded(Event):
    """Care ended."""

    EVENT_TYPE: ClassVar[str] = "CareEnded"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.CareEnded"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.care-ended"

    case_id: str | None = Field(None, description="Opaque case identifier, where the event belongs to a case.")
    referral_id: str = Field(description="The referral.")
    outcome: CareOutcome = Field(description="How it ended.")


class CareStarted(Event):
    """Care started after an accepted referral."""

    EVENT_TYPE: ClassVar[str] = "CareStarted"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.CareStarted"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.care-started"

    case_id: str | None = Field(None, description="Opaque case identifier, where the event belongs to a case.")
    referral_id: str = Field(description="The referral.")


class CaseClosed(Event):
    """A case was closed."""

    EVENT_TYPE: ClassVar[str] = "CaseClosed"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.CaseClosed"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.case-closed"

    case_id: str = Field(description="Opaque case identifier (never a name or BSN).")
    reason: CloseReason = Field(description="Why.")


class ControlDayClosed(Event):
    """A control day was closed."""

    EVENT_TYPE: ClassVar[str] = "ControlDayClosed"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.ControlDayClosed"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.control-day-closed"

    control_day_id: str = Field(description="The control day.")


class ControlDayPlanned(Event):
    """An integral control day was planned."""

    EVENT_TYPE: ClassVar[str] = "ControlDayPlanned"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.ControlDayPlanned"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.control-day-planned"

    control_day_id: str = Field(description="Identifier of the control day.")
    day: dt.date = Field(description="The date of the control day.")
    kind: ControlDayKind = Field(description="Kind of control.")
    participants: list[str] = Field(description="Partner ids taking part.")
    planned_addresses: list[PlannedAddress] = Field([], description="Addresses planned for a visit (added in v2).")


class ControlVisitLogged(Event):
    """A visit on a control day was logged with its findings."""

    EVENT_TYPE: ClassVar[str] = "ControlVisitLogged"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.ControlVisitLogged"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.control-visit-logged"

    control_day_id: str = Field(description="The control day.")
    visit_id: str = Field(description="Identifier of the visit.")
    address: str = Field(description="Visited address as pseudonym.")
    area_code: str = Field(description="District or four-digit postcode area.")
    finding_codes: list[str] = Field(description="Finding codes, e.g. NO_PERMIT, OVERCROWDING, UNDERPAYMENT_SUSPECTED.")
    people_encountered: AvroInt = Field(description="Number of people encountered.")
    signals_raised: list[str] = Field(description="Case ids of new signals raised by the visit.")
    note: EncryptedField | None = Field(None, description="The team's note on the visit, encrypted under the key of the visited address (added in v2).")


class EvaluationFindingRecorded(Event):
    """The coordinator recorded a finding for the annual evaluation from a qualitative source, such as an interview with a chain partner."""

    EVENT_TYPE: ClassVar[str] = "EvaluationFindingRecorded"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.EvaluationFindingRecorded"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.evaluation-finding-recorded"

    finding_id: str = Field(description="Identifier of the finding.")
    part: EvaluationPart = Field(description="The part of the evaluation the finding belongs to.")
    source_role: FindingSource = Field(description="Who the finding comes from, by role.")
    held_on: dt.date = Field(description="The date of the interview or other source.")
    summary: EncryptedField = Field(description="What the source said, in short; encrypted.")


class IntakeAssessed(Event):
    """Phase 1 (intake): the three intake questions were answered."""

    EVENT_TYPE: ClassVar[str] = "IntakeAssessed"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.IntakeAssessed"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.intake-assessed"

    case_id: str = Field(description="Opaque case identifier (never a name or BSN).")
    is_undermining_crime: StrictBool = Field(description="Is it undermining crime such as trafficking?")
    is_municipal_task: StrictBool = Field(description="Is it a municipal task or power?")
    is_within_municipality: StrictBool = Field(description="Does it happen inside the municipality?")
    outcome: IntakeOutcome = Field(description="Accept, forward to a named partner, or close.")
    forward_to: str | None = Field(None, description="Partner id the signal goes to when the outcome is FORWARD.")
    rationale: EncryptedField | None = Field(None, description="Motivation, encrypted.")


class MeasureImposed(Event):
    """An administrative measure was imposed, in a case or after a control visit."""

    EVENT_TYPE: ClassVar[str] = "MeasureImposed"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.MeasureImposed"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.measure-imposed"

    case_id: str | None = Field(None, description="Opaque case identifier, where the event belongs to a case.")
    measure_id: str = Field(description="Identifier of the measure.")
    measure: MeasureType = Field(description="The measure.")
    legal_basis: str = Field(description="Article the measure rests on, e.g. Gemeentewet 174.")
    control_visit_id: str | None = Field(None, description="The control visit that led to it, if any.")


class MeetingHeld(Event):
    """A collaboration meeting was held."""

    EVENT_TYPE: ClassVar[str] = "MeetingHeld"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.MeetingHeld"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.meeting-held"

    meeting_id: str = Field(description="Identifier of the meeting.")
    meeting_type: MeetingType = Field(description="Kind of meeting.")
    cases_discussed: list[str] = Field(description="Case ids discussed.")


class PermitDecided(Event):
    """A permit was decided after screening."""

    EVENT_TYPE: ClassVar[str] = "PermitDecided"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.PermitDecided"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.permit-decided"

    case_id: str | None = Field(None, description="Opaque case identifier, where the event belongs to a case.")
    screening_id: str = Field(description="The screening the decision follows.")
    permit_type: PermitType = Field(description="Kind of permit.")
    decision: PermitDecision = Field(description="The decision.")


class ReferralAccepted(Event):
    """The addressed provider accepted a referral."""

    EVENT_TYPE: ClassVar[str] = "ReferralAccepted"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.ReferralAccepted"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.referral-accepted"

    case_id: str | None = Field(None, description="Opaque case identifier, where the event belongs to a case.")
    referral_id: str = Field(description="The referral.")


class ReferralDeclined(Event):
    """The addressed provider declined a referral."""

    EVENT_TYPE: ClassVar[str] = "ReferralDeclined"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.ReferralDeclined"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.referral-declined"

    case_id: str | None = Field(None, description="Opaque case identifier, where the event belongs to a case.")
    referral_id: str = Field(description="The referral.")
    reason: DeclineReason = Field(description="Why.")


class ReferralMade(Event):
    """A victim was referred to a care provider."""

    EVENT_TYPE: ClassVar[str] = "ReferralMade"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.ReferralMade"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.referral-made"

    case_id: str | None = Field(None, description="Opaque case identifier, where the event belongs to a case.")
    referral_id: str = Field(description="Identifier of the referral.")
    victim: str = Field(description="Victim as pseudonym.")
    provider: str = Field(description="Partner id of the care provider.")
    care_type: CareType = Field(description="Type of care.")
    urgency: Urgency = Field(description="Urgency.")
    interpreter_needed: StrictBool = Field(False, description="Whether the victim needs an interpreter (added in v2).")


class SeverityAssessed(Event):
    """Phase 2 (severity): is the signal concrete and weighty enough?"""

    EVENT_TYPE: ClassVar[str] = "SeverityAssessed"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.SeverityAssessed"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.severity-assessed"

    case_id: str = Field(description="Opaque case identifier (never a name or BSN).")
    outcome: SeverityOutcome = Field(description="Investigate, close, or store for future use.")
    rationale: EncryptedField | None = Field(None, description="Motivation, encrypted.")


class SharingDecided(Event):
    """A decision to share a case with a named partner for a stated purpose (need-to-know)."""

    EVENT_TYPE: ClassVar[str] = "SharingDecided"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.SharingDecided"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.sharing-decided"

    case_id: str = Field(description="Opaque case identifier (never a name or BSN).")
    decision_id: str = Field(description="Identifier of the decision.")
    partner: str = Field(description="Partner id the case is shared with.")
    purpose: str = Field(description="Purpose of sharing, e.g. JOINT_CONTROL, CRIMINAL_INVESTIGATION, CARE.")
    legal_basis: str = Field(description="Legal basis, e.g. Wpg art. 20, AVG art. 6(1)(e).")
    meeting_id: str | None = Field(None, description="The meeting that decided it, if any.")


class SharingRevoked(Event):
    """A sharing decision was revoked; the partner loses sight of the case from now on."""

    EVENT_TYPE: ClassVar[str] = "SharingRevoked"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.SharingRevoked"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.sharing-revoked"

    case_id: str = Field(description="Opaque case identifier (never a name or BSN).")
    decision_id: str = Field(description="The decision revoked.")
    partner: str = Field(description="Partner id the sharing was with.")
    purpose: str = Field(description="Purpose of the original sharing.")
    legal_basis: str = Field(description="Legal basis of the revocation.")
    meeting_id: str | None = Field(None, description="The meeting that decided it, if any.")


class SignalAcknowledged(Event):
    """The receiving partner picked a forwarded signal up."""

    EVENT_TYPE: ClassVar[str] = "SignalAcknowledged"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.SignalAcknowledged"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.signal-acknowledged"

    case_id: str = Field(description="Opaque case identifier (never a name or BSN).")
    forward_event_id: UUID = Field(description="Event id of the SignalForwarded being acknowledged.")


class SignalForwarded(Event):
    """A signal was forwarded to a named partner."""

    EVENT_TYPE: ClassVar[str] = "SignalForwarded"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.SignalForwarded"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.signal-forwarded"

    case_id: str = Field(description="Opaque case identifier (never a name or BSN).")
    to_partner: str = Field(description="Partner id of the receiver.")
    reason: ForwardReason = Field(description="Why it was forwarded.")


class SignalReceived(Event):
    """A suspicion of trafficking reached the hub (phase 0: a case is opened)."""

    EVENT_TYPE: ClassVar[str] = "SignalReceived"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.SignalReceived"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.signal-received"

    case_id: str = Field(description="Opaque case identifier (never a name or BSN).")
    channel: Channel = Field(description="How the signal arrived.")
    reporter_role: ReporterRole | None = Field(None, description="Role of the reporter; null for anonymous tips, whose reporter never exists in the system.")
    source_organisation: SourceOrganisationKind | None = Field(None, description="Kind of outside organisation that reported the signal (added in v2): only on the external route, e.g. LABOUR_RIGHTS_ORGANISATION for FairWork; null when not recorded.")
    exploitation_forms: list[ExploitationForm] = Field(description="Suspected forms of exploitation.")
    indicators: list[str] = Field(description="Indicator codes from the signalling card, e.g. NO_ID_PAPERS, LIVES_AT_WORK.")
    location: Location = Field(description="Where the suspected exploitation takes place.")
    persons: list[str] = Field(description="Persons involved, as keyed-HMAC pseudonyms.")
    free_text: EncryptedField | None = Field(None, description="The reporter's description, encrypted per data subject.")


class SourceResearchCompleted(Event):
    """Phase 3 (internal source research) was completed."""

    EVENT_TYPE: ClassVar[str] = "SourceResearchCompleted"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.SourceResearchCompleted"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.source-research-completed"

    case_id: str = Field(description="Opaque case identifier (never a name or BSN).")
    registers_consulted: list[Register] = Field(description="Registers consulted.")
    finding_codes: list[str] = Field(description="Finding codes, e.g. OVERCROWDED_ADDRESS, NO_REGISTRATION.")
    summary: EncryptedField | None = Field(None, description="Research summary, encrypted.")


class StopTalkHeld(Event):
    """The mayor held a stop talk (stopgesprek) with an employer."""

    EVENT_TYPE: ClassVar[str] = "StopTalkHeld"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.StopTalkHeld"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.stop-talk-held"

    case_id: str | None = Field(None, description="Opaque case identifier, where the event belongs to a case.")
    employer: str = Field(description="Employer as pseudonym.")
    sector: Audience = Field(description="Sector of the employer.")


class TrainingCompleted(Event):
    """A training on trafficking signals was completed."""

    EVENT_TYPE: ClassVar[str] = "TrainingCompleted"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.TrainingCompleted"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.training-completed"

    training_id: str = Field(description="Identifier of the training.")
    audience_kind: AudienceKind = Field(description="Internal role or external sector.")
    audience: Audience = Field(description="Which role or sector.")
    participants: AvroInt = Field(description="Number of participants.")
    provider: str = Field(description="Who gave the training.")


class VictimIdentified(Event):
    """A (possible) victim was identified."""

    EVENT_TYPE: ClassVar[str] = "VictimIdentified"
    SCHEMA_NAME: ClassVar[str] = "nl.ketenhub.events.VictimIdentified"
    CLOUDEVENT_TYPE: ClassVar[str] = "nl.ketenhub.victim-identified"

    case_id: str | None = Field(None, description="Opaque case identifier, where the event belongs to a case.")
    victim: str = Field(description="Victim as pseudonym.")
    age_group: AgeGroup = Field(description="Age group.")
    gender: Gender = Field(description="Gender.")
    exploitation_form: ExploitationForm = Field(description="Main form of exploitation.")
    other_exploitation_forms: list[ExploitationForm] = Field([], description="Other forms of exploitation the victim suffered besides the main form, each once (added in v2); the evaluation counts a victim under each of their forms.")
    residence_status: ResidenceStatus = Field(description="Residence status.")


EVENT_MODELS: dict[str, type[Event]] = {
    'ActionCompleted': ActionCompleted,
    'ActionPlanAdopted': ActionPlanAdopted,
    'BibobScreeningCompleted': BibobScreeningCompleted,
    'CampaignHeld': CampaignHeld,
    'CareEnded': CareEnded,
    'CareStarted': CareStarted,
    'CaseClosed': CaseClosed,
    'ControlDayClosed': ControlDayClosed,
    'ControlDayPlanned': ControlDayPlanned,
    'ControlVisitLogged': ControlVisitLogged,
    'EvaluationFindingRecorded': EvaluationFindingRecorded,
    'IntakeAssessed': IntakeAssessed,
    'MeasureImposed': MeasureImposed,
    'MeetingHeld': MeetingHeld,
    'PermitDecided': PermitDecided,
    'ReferralAccepted': ReferralAccepted,
    'ReferralDeclined': ReferralDeclined,
    'ReferralMade': ReferralMade,
    'SeverityAssessed': SeverityAssessed,
    'SharingDecided': SharingDecided,
    'SharingRevoked': SharingRevoked,
    'SignalAcknowledged': SignalAcknowledged,
    'SignalForwarded': SignalForwarded,
    'SignalReceived': SignalReceived,
    'SourceResearchCompleted': SourceResearchCompleted,
    'StopTalkHeld': StopTalkHeld,
    'TrainingCompleted': TrainingCompleted,
    'VictimIdentified': VictimIdentified,
}
