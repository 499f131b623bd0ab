"""The connector SDK's behaviour, written once (``SdkContract``) and run on the embedded hub here.

``tests/integration/test_connectors_kafka.py`` runs the same contract against a hub on Kafka.
"""

from __future__ import annotations

import abc
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import structlog

from connectors.sdk import (
    CaseRemoved,
    CaseView,
    EmbeddedTransport,
    EventRefused,
    PartnerClient,
    RejectedMessage,
    ViewUpdate,
)
from connectors.sdk.errors import PersonalDataInText
from ketenhub.codec.single_object import decode_event
from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.identifiers import new_opaque_id
from ketenhub.core.privacy import associated_data
from ketenhub.observability import configure_logging
from tests.unit.synthetic import Story

T = TypeVar("T")
Connect = Callable[..., PartnerClient]  # (partner id, client name=None) -> client


class FreshStory(Story):
    """Synthetic events with random ids, so that tests sharing one hub never collide."""

    def make(self, cls: type[Event], by: str, **fields: Any) -> Any:
        fields.setdefault("event_id", uuid.uuid4())
        return super().make(cls, by, **fields)

    def police_signal(self, case: str) -> m.SignalReceived:
        return self.signal(case=case, by="police", channel="POLICE", reporter_role="POLICE_OFFICER")


def until(
    produce: Callable[[], Iterable[T]], done: Callable[[list[T]], bool], timeout: float = 90
) -> list[T]:
    """Collect what ``produce`` yields, call after call, until ``done`` holds for all collected so far."""
    seen: list[T] = []
    deadline = time.monotonic() + timeout
    while True:
        seen += list(produce())
        if done(seen):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s; collected {seen!r}")
        time.sleep(0.1)


def cases_in(updates: Iterable[ViewUpdate]) -> list[str]:
    return [u.case_id for u in updates]


class SdkContract(abc.ABC):
    """What a partner's engineer can rely on, whichever transport the client runs over."""

    @abc.abstractmethod
    @pytest.fixture
    def connect(self, name: str) -> Iterator[Connect]:
        """A factory of clients on one hub, closed afterwards: (partner id, client name) -> client.

        Without a name the client is named after ``name`` (this test's own consumer groups).
        """

    @pytest.fixture
    def name(self) -> str:
        """A client name (hence consumer groups) of this test only."""
        return f"t{uuid.uuid4().hex[:12]}"

    @pytest.fixture
    def case(self) -> str:
        """A case id of this test only."""
        return new_opaque_id("sdk")

    @pytest.fixture
    def story(self) -> FreshStory:
        return FreshStory()

    def test_publish_returns_where_the_ingest_topic_stored_the_event(
        self, connect: Connect, story: FreshStory, case: str
    ) -> None:
        """A published event comes back as a receipt naming its id, type, case and ingest position."""
        client = connect("police")
        event = story.police_signal(case)
        receipt = client.publish(event)
        assert receipt.event_id == event.event_id
        assert (receipt.event_type, receipt.case_id) == ("SignalReceived", case)
        assert receipt.position.topic.endswith("ingest.police")
        assert receipt.position.offset >= 0

    def test_an_event_recorded_by_another_partner_is_refused_before_sending(
        self, connect: Connect, story: FreshStory, case: str
    ) -> None:
        """Publishing another partner's event raises EventRefused (WRONG_RECORDER); nothing is sent."""
        client = connect("police")
        with pytest.raises(EventRefused, match="WRONG_RECORDER") as refused:
            client.publish(story.signal(case=case, by="municipal-staff"))
        assert refused.value.rejection.code == "WRONG_RECORDER"

    def test_an_event_type_or_channel_the_role_may_not_record_is_refused(
        self, connect: Connect, story: FreshStory, case: str
    ) -> None:
        """The registry decides: police may not record sharing decisions nor anonymous tips."""
        police = connect("police")
        with pytest.raises(EventRefused, match=r"NOT_AUTHORIZED.*may not record SharingDecided"):
            police.publish(story.share(case, "riec").model_copy(update={"recorded_by": "police"}))
        with pytest.raises(EventRefused, match=r"NOT_AUTHORIZED.*channel"):
            police.publish(story.signal(case=case, by="police", channel="ANONYMOUS_TIP"))
        tips = connect("meld-misdaad-anoniem")
        with pytest.raises(EventRefused, match="reporter_role"):
            tips.publish(
                story.signal(
                    case=case,
                    by="meld-misdaad-anoniem",
                    channel="ANONYMOUS_TIP",
                    reporter_role="CITIZEN",
                )
            )

    def test_clear_identifiers_are_refused_before_sending_naming_the_field(
        self, connect: Connect, story: FreshStory, case: str
    ) -> None:
        """A name and BSN in ``persons`` or a phone number as case id is refused by the SDK itself."""
        client = connect("police")
        clear = "Placeholder Person, BSN 111222333"
        with pytest.raises(EventRefused, match=r"INVALID_VALUE: persons\[0\] is not a pseudonym"):
            client.publish(story.police_signal(case).model_copy(update={"persons": [clear]}))
        with pytest.raises(EventRefused, match="PERSONAL_DATA_IN_FIELD: case_id") as refused:
            client.publish(story.police_signal("0612345678"))
        assert "0612345678" not in str(refused.value) and "Placeholder" not in str(refused.value)

    def test_free_text_with_personal_data_is_refused_before_encryption(
        self, connect: Connect, story: FreshStory, case: str
    ) -> None:
        """``encrypt`` refuses a text holding an e-mail address, and ``publish`` a field holding a phone."""
        client = connect("police")
        subject = client.protector.case_subject(case)
        with pytest.raises(PersonalDataInText, match=r"SignalReceived\.free_text .*e-mail") as e:
            client.encrypt(
                subject, "write to someone [at] example.nl", "SignalReceived", "free_text"
            )
        assert "example" not in str(e.value)
        sealed = client.protector.encrypt(
            subject, "call 06 - 12 34 56 78", associated_data("SignalReceived", "free_text")
        )
        signal = story.police_signal(case).model_copy(update={"free_text": sealed})
        with pytest.raises(PersonalDataInText, match="phone number"):
            client.publish(signal)
        fine = client.encrypt(subject, "seen at the back door", "SignalReceived", "free_text")
        assert client.publish(signal.model_copy(update={"free_text": fine})).case_id == case

    def test_publish_all_sends_nothing_when_one_event_is_refused(
        self, connect: Connect, story: FreshStory
    ) -> None:
        """One refused event stops the whole batch before any of it is sent."""
        client = connect("police")
        first, later = new_opaque_id("sdk"), new_opaque_id("sdk")
        with pytest.raises(EventRefused):
            client.publish_all(
                [story.police_signal(first), story.signal(case=first, by="riec", channel="PARTNER")]
            )
        client.publish(story.police_signal(later))
        client.flush()
        seen = until(client.views, lambda s: later in cases_in(s))
        assert first not in cases_in(seen)

    def test_views_yield_typed_case_views_of_the_cases_the_partner_may_see(
        self, connect: Connect, story: FreshStory, case: str
    ) -> None:
        """A reported case appears as a CaseView with phase, status, reason and the role's sections."""
        client = connect("police")
        client.publish(story.police_signal(case))
        client.flush()
        seen = until(client.views, lambda s: case in cases_in(s))
        view = next(u for u in seen if u.case_id == case)
        assert isinstance(view, CaseView)
        assert (view.partner, view.phase, view.status) == ("police", "RECEIVED", "OPEN")
        assert view.visible_because == ("REPORTED",)
        assert view.section("signal")["channel"] == "POLICE"
        assert view.position.topic.endswith("view.police")

    def test_a_restart_continues_after_the_last_committed_view(
        self, connect: Connect, story: FreshStory, name: str
    ) -> None:
        """A new client of the same name skips what an earlier one handled; another name starts over."""
        first, second = new_opaque_id("sdk"), new_opaque_id("sdk")
        publisher = connect("police")
        publisher.publish(story.police_signal(first))
        publisher.flush()
        before = connect("police", name)
        until(before.views, lambda s: first in cases_in(s))
        before.close()
        publisher.publish(story.police_signal(second))
        publisher.flush()
        after = until(connect("police", name).views, lambda s: second in cases_in(s))
        assert first not in cases_in(after)
        elsewhere = until(
            connect("police", name + "-other").views, lambda s: {first, second} <= set(cases_in(s))
        )
        assert cases_in(elsewhere).index(first) < cases_in(elsewhere).index(second)

    def test_a_view_the_caller_did_not_finish_is_delivered_again(
        self, connect: Connect, story: FreshStory, case: str
    ) -> None:
        """Leaving the loop at a view without asking for the next one does not commit that view."""
        client = connect("police")
        client.publish(story.police_signal(case))
        client.flush()

        def up_to_case() -> list[ViewUpdate]:
            taken = []
            for update in client.views():
                taken.append(update)
                if update.case_id == case:
                    break  # the caller stops while handling this one
            return taken

        until(up_to_case, lambda s: case in cases_in(s))
        again = next(iter(client.views()))
        assert again.case_id == case

    def test_a_revoked_sharing_decision_yields_a_removal(
        self, connect: Connect, story: FreshStory, case: str
    ) -> None:
        """When the reason to see a case is revoked, the partner's view yields CaseRemoved for it."""
        coordinator, police = connect("municipality"), connect("police")
        coordinator.publish(
            story.signal(case=case, by="municipality", channel="WEBSITE", reporter_role="CITIZEN")
        )
        coordinator.publish(story.share(case, "police", decision=f"d-{case}"))
        coordinator.flush()
        shared = until(police.views, lambda s: case in cases_in(s))
        assert [u.visible_because for u in shared if u.case_id == case] == [(f"SHARED:d-{case}",)]
        coordinator.publish(story.revoke(case, "police", decision=f"d-{case}"))
        coordinator.flush()
        removed = until(police.views, lambda s: case in cases_in(s))
        assert [type(u) for u in removed if u.case_id == case] == [CaseRemoved]

    def test_rejections_carry_the_code_the_reason_and_the_original_event(
        self, connect: Connect, story: FreshStory, case: str
    ) -> None:
        """A refused event comes back once, with its code, a reason, its id, type, case and bytes."""
        client = connect("police")
        client.publish(story.police_signal(case))
        bogus = story.make(
            m.SignalAcknowledged, "police", case_id=case, forward_event_id=uuid.uuid4()
        )
        client.publish(bogus)
        client.flush()
        found = until(client.rejections, lambda s: str(bogus.event_id) in [r.event_id for r in s])
        rejected = next(r for r in found if r.event_id == str(bogus.event_id))
        assert isinstance(rejected, RejectedMessage)
        assert (rejected.code, rejected.event_type, rejected.case_id) == (
            "MISSING_REFERENCE",
            "SignalAcknowledged",
            case,
        )
        assert "no forward" in rejected.reason
        assert decode_event(rejected.value) == bogus
        assert str(bogus.event_id) not in [r.event_id for r in client.rejections()]

    def test_snapshot_holds_every_current_view_and_commits_nothing(
        self, connect: Connect, story: FreshStory, case: str
    ) -> None:
        """The snapshot is the partner's current views by case; the views iterator still yields them after."""
        client = connect("police")
        client.publish(story.police_signal(case))
        client.flush()
        current = until(lambda: [client.snapshot()], lambda s: case in s[-1])[-1]
        assert current[case].status == "OPEN"
        assert case in cases_in(client.views())

    def test_logs_name_events_and_cases_but_no_personal_data(
        self, connect: Connect, story: FreshStory, case: str
    ) -> None:
        """Publishing and reading log event ids, types, case ids and offsets; never pseudonyms or texts."""
        client = connect("police")
        configure_logging("DEBUG")
        try:
            with structlog.testing.capture_logs() as logs:
                client.publish(story.police_signal(case))
                client.flush()
                until(client.views, lambda s: case in cases_in(s))
        finally:
            configure_logging("WARNING")
        mine = [entry for entry in logs if entry.get("case_id") == case]
        assert {"event_published", "view_received"} <= {entry["event"] for entry in mine}
        assert not [entry for entry in logs if "psn-" in repr(entry)]


class TestEmbeddedSdk(SdkContract):
    """The SDK on the embedded hub: every client of a test shares one data folder."""

    @pytest.fixture
    def connect(self, tmp_path: Path) -> Iterator[Connect]:
        clients: list[PartnerClient] = []

        def make(partner: str, name: str = "sdk") -> PartnerClient:
            clients.append(
                PartnerClient(partner, EmbeddedTransport(tmp_path / "hub", create=True), name=name)
            )
            return clients[-1]

        yield make
        for client in clients:
            client.close()

    def test_without_the_pipeline_published_events_wait_on_the_ingest_topic(
        self, tmp_path: Path
    ) -> None:
        """With run_pipeline=False nothing is sealed until another process runs the pipeline."""
        story = FreshStory()
        client = PartnerClient(
            "police", EmbeddedTransport(tmp_path / "hub", create=True, run_pipeline=False)
        )
        client.publish(story.police_signal("waiting"))
        client.flush()
        assert list(client.views()) == []
        runner = EmbeddedTransport(tmp_path / "hub")
        runner.flush()
        assert cases_in(client.views()) == ["waiting"]
        runner.close()
        client.close()
