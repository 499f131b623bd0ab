"""Authorization: which partner, by its role, may record which event type."""

from __future__ import annotations

from ketenhub.contract.base import Event
from ketenhub.contract.models import Channel, SignalReceived
from ketenhub.core.partners import Partner, PartnerRegistry
from ketenhub.core.rejection import Rejection, RejectionCode


def roles_allowed(registry: PartnerRegistry, event_type: str) -> list[str]:
    """Return the roles that may record an event type, sorted."""
    return sorted(
        role for role, policy in registry.roles.items() if event_type in policy.may_record
    )


def authorize(registry: PartnerRegistry, partner: Partner, event: Event) -> Rejection | None:
    """Return why ``partner`` may not record ``event``, or None when it may."""
    if event.recorded_by != partner.id:
        return Rejection(
            RejectionCode.WRONG_RECORDER,
            f"recorded_by is {event.recorded_by!r} but the event arrived on ingest.{partner.id}; "
            f"a partner records only its own events",
        )
    policy = registry.policy(partner)
    if event.EVENT_TYPE not in policy.may_record:
        allowed = ", ".join(roles_allowed(registry, event.EVENT_TYPE)) or "none"
        return Rejection(
            RejectionCode.NOT_AUTHORIZED,
            f"partner {partner.id!r} (role {partner.role}) may not record {event.EVENT_TYPE}; "
            f"roles that may: {allowed}",
        )
    if isinstance(event, SignalReceived):
        return _authorize_signal(partner, sorted(policy.signal_channels), event)
    return None


def _authorize_signal(
    partner: Partner, channels: list[Channel], event: SignalReceived
) -> Rejection | None:
    if event.channel not in channels:
        return Rejection(
            RejectionCode.NOT_AUTHORIZED,
            f"partner {partner.id!r} (role {partner.role}) may not record signals on channel "
            f"{event.channel}; allowed channels: {', '.join(channels)}",
        )
    if event.channel is Channel.ANONYMOUS_TIP and event.reporter_role is not None:
        return Rejection(
            RejectionCode.INVALID_VALUE,
            "an anonymous tip must not carry a reporter_role: the reporter of an anonymous tip "
            "never exists in the system; send reporter_role null",
        )
    return None
