"""The cases of the demo year that reach a plan of action, with their victims and care."""

from __future__ import annotations

from ketenhub.contract.models import (
    AgeGroup,
    Audience,
    CareOutcome,
    CareType,
    DeclineReason,
    ExploitationForm,
    Gender,
    MeasureType,
    ResidenceStatus,
    Urgency,
)
from ketenhub.demo.caseload import one, researched
from ketenhub.demo.plans import Plan
from ketenhub.demo.script import Fault
from ketenhub.demo.signals import (
    ANONYMOUS,
    EXTERNAL,
    POLICE,
    SCHOOL_WORKER,
    STAFF,
    WEB,
    YOUTH_WORKER,
    partner,
)
from ketenhub.demo.victims import Care, Victim

S, L, C = ExploitationForm.SEXUAL, ExploitationForm.LABOUR, ExploitationForm.CRIMINAL
FM = ExploitationForm.FORCED_MARRIAGE
F, M = Gender.FEMALE, Gender.MALE
DUTCH, EU = ResidenceStatus.DUTCH, ResidenceStatus.EU_CITIZEN
THIRD_COUNTRY = ResidenceStatus.THIRD_COUNTRY_LEGAL
YOUNG, ADULT = AgeGroup.FROM_18_TO_23, AgeGroup.FROM_24_TO_44
CT, DONE, D = CareType, CareOutcome.COMPLETED, DeclineReason
URGENT, IMMEDIATE = Urgency.URGENT, Urgency.IMMEDIATE
ME = MeasureType
RETURNING = "returning-victim"  # identified in January, in care, and identified again in autumn

# fmt: off
_LABOUR_CONTROL = Plan(
    (("CONTROL_VISIT", "enforcement"), ("LABOUR_INSPECTION", "nla"),
     ("ADDRESS_CHECK", "municipality")),
    measures=((ME.PENALTY_ORDER, "municipality"), (ME.BRP_DEREGISTRATION, "municipality")))
_YOUTH = Plan(
    (("CRIMINAL_INVESTIGATION", "police"), ("PROSTITUTION_CONTROL", "heit"),
     ("SCHOOL_CONSULTATION", "municipality")),
    forward_to_police=True, measures=((ME.PREMISES_CLOSURE, "municipality"),))
_INTEGRAL = Plan(
    (("INTEGRAL_ANALYSIS", "riec"), ("CONTROL_VISIT", "enforcement"),
     ("PERMIT_REVIEW", "municipality")),
    escalate_to_riec=True,
    measures=((ME.PERMIT_REVOKED, "municipality"), (ME.ADMINISTRATIVE_FINE, "enforcement")))
_STOP_TALK = Plan(
    (("LABOUR_INSPECTION", "nla"), ("STOP_TALK", "municipality")), stop_talk=Audience.HOSPITALITY,
    measures=((ME.STOP_TALK, "municipality"), (ME.ADMINISTRATIVE_FINE, "nla")))
_CRIMINAL = Plan(
    (("CRIMINAL_INVESTIGATION", "police"), ("INTEGRAL_ANALYSIS", "riec"),
     ("SCHOOL_CONSULTATION", "municipality"), ("ADDRESS_CHECK", "enforcement")),
    forward_to_police=True, escalate_to_riec=True, cancelled=(3,),
    measures=((ME.CRIMINAL_REFERRAL, "municipality"),))
_INSPECTION = Plan((("CONTROL_VISIT", "enforcement"), ("LABOUR_INSPECTION", "nla")),
                   measures=((ME.PENALTY_ORDER, "enforcement"),))
_PROSTITUTION = Plan((("PROSTITUTION_CONTROL", "heit"), ("CRIMINAL_INVESTIGATION", "police")),
                     forward_to_police=True)
_HOUSING = Plan((("ADDRESS_CHECK", "municipality"), ("CONTROL_VISIT", "enforcement")),
                measures=((ME.BRP_DEREGISTRATION, "municipality"),
                          (ME.PENALTY_ORDER, "municipality")))
_CARE_FIRST = Plan((("PROSTITUTION_CONTROL", "heit"), ("ADDRESS_CHECK", "municipality")))
_SCHOOL = Plan((("SCHOOL_CONSULTATION", "municipality"), ("CRIMINAL_INVESTIGATION", "police")),
               forward_to_police=True)
_CLEANING = Plan((("LABOUR_INSPECTION", "nla"), ("CONTROL_VISIT", "enforcement")),
                 measures=((ME.ADMINISTRATIVE_FINE, "nla"),))
_POLICE_CASE = Plan((("CRIMINAL_INVESTIGATION", "police"), ("ADDRESS_CHECK", "enforcement")),
                    forward_to_police=True)

WITH_PLANS = (
    one(((1, 13), (2, 20)), STAFF, (L,), researched(_LABOUR_CONTROL, Victim(
        ADULT, M, L, EU, "municipality", (
            Care("kessler-perspektief", CT.SHELTER_MEN, outcome=CareOutcome.TRANSFERRED),
            Care("vluchtelingenwerk", CT.BUDDY, declined=D.NOT_IN_TARGET_GROUP))))),
    one(((2, 3), (3, 10)), YOUTH_WORKER, (S,), researched(_YOUTH, Victim(
        AgeGroup.UNDER_18, F, S, DUTCH, "municipality", (
            Care("shop", CT.CARE_COORDINATION, urgency=URGENT, outcome=DONE,
                 fault=Fault.WRONG_PROVIDER),
            Care("leger-des-heils", CT.SPECIALISED_GUIDANCE, made_by="shop", outcome=DONE))))),
    one(((1, 20), (3, 31)), partner("riec"), (S, L), researched(_INTEGRAL, Victim(
        ADULT, F, S, EU, "police", (
            Care("comensha", CT.NATIONAL_REGISTRATION, made_by="police", outcome=DONE),
            Care("shop", CT.SHELTER_WOMEN, made_by="police")),
        fault=Fault.REFERRAL_BEFORE_IDENTIFICATION))),
    one(((3, 1), (4, 30)), partner("nla"), (L,), researched(_STOP_TALK, Victim(
        YOUNG, M, L, THIRD_COUNTRY, "municipality", (
            Care("vluchtelingenwerk", CT.BUDDY, outcome=DONE),
            Care("comensha", CT.NATIONAL_REGISTRATION, made_by="shop"))))),
    one(((4, 1), (5, 15)), POLICE, (S, C), researched(_CRIMINAL, Victim(
        AgeGroup.UNDER_18, F, S, DUTCH, "police", (
            Care("shop", CT.CARE_COORDINATION, made_by="police", urgency=IMMEDIATE,
                 outcome=CareOutcome.TRANSFERRED),), other_forms=(C,)))),
    one(((5, 1), (6, 10)), EXTERNAL, (L,), researched(_INSPECTION, Victim(
        ADULT, M, L, ResidenceStatus.UNDOCUMENTED, "municipality", (
            Care("comensha", CT.SPECIALISED_SHELTER, declined=D.NO_CAPACITY),
            Care("kessler-perspektief", CT.SHELTER_MEN, urgency=URGENT,
                 outcome=CareOutcome.DROPPED_OUT))))),
    one(((6, 1), (7, 10)), ANONYMOUS, (S,), researched(_PROSTITUTION, Victim(
        YOUNG, F, S, ResidenceStatus.UNKNOWN, "police", (
            Care("shop", CT.SHELTER_WOMEN, made_by="police", declined=D.CLIENT_REFUSED),)),
        fault=Fault.PLAN_TOO_EARLY)),
    one(((6, 10), (7, 25)), WEB, (L,), researched(_HOUSING)),
    one(((1, 8), (2, 5)), partner("shop"), (S,), researched(_CARE_FIRST, Victim(
        YOUNG, F, S, EU, "shop", (
            Care("shop", CT.SHELTER_WOMEN, made_by="shop", outcome=DONE,
                 fault=Fault.UNRELEASED_SCHEMA),
            Care("leger-des-heils", CT.SPECIALISED_GUIDANCE, made_by="shop", outcome=DONE)),
        key=RETURNING))),
    one(((9, 15), (10, 10)), POLICE, (S,), researched(_PROSTITUTION, Victim(
        YOUNG, F, S, EU, "police", (
            Care("shop", CT.CARE_COORDINATION, made_by="police", urgency=URGENT),
            Care("comensha", CT.NATIONAL_REGISTRATION, made_by="shop")), key=RETURNING))),
    one(((3, 1), (4, 15)), SCHOOL_WORKER, (FM,), researched(_SCHOOL, Victim(
        YOUNG, F, FM, THIRD_COUNTRY, "municipality", (
            Care("leger-des-heils", CT.SPECIALISED_GUIDANCE, urgency=URGENT, outcome=DONE),)))),
    one(((6, 1), (7, 20)), EXTERNAL, (L,), researched(_CLEANING, Victim(
        ADULT, F, L, EU, "municipality", (
            Care("leger-des-heils", CT.SPECIALISED_GUIDANCE, declined=D.CLIENT_UNREACHABLE),
            Care("shop", CT.CARE_COORDINATION))))),
    one(((2, 15), (5, 1)), STAFF, (C,), researched(_POLICE_CASE, Victim(
        YOUNG, M, C, DUTCH, "municipality", (
            Care("kessler-perspektief", CT.SHELTER_MEN, urgency=URGENT,
                 outcome=CareOutcome.RETURNED_TO_EXPLOITATION),)))),
)
# fmt: on
