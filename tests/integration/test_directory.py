"""The directory of conversations and people a chat front end keeps across restarts, on SQLite
and PostgreSQL: round trips, upserts that never erase what is known, and concurrent first
meetings that never fail."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.directory import ConversationRecord, PersonRecord, SqlDirectory
from storage.orm import ChatConversationRow, ChatPersonRow

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "0d9f2a55-1111-4c4c-9d9d-000000000002"
SERVICE_URL = "https://smba.trafficmanager.net/emea/"
ALICE = "aad-alice-0001"
BOB = "aad-bob-0002"
THREADS = 8


@pytest.fixture
def directory(sessions: sessionmaker[Session]) -> SqlDirectory:
    return SqlDirectory(sessions)


def channel(conversation_id: str = "19:board@thread.tacv2", **changes: Any) -> ConversationRecord:
    record = ConversationRecord(
        conversation_id=conversation_id,
        kind="channel",
        service_url=SERVICE_URL,
        tenant_id=TENANT,
        team_id="19:team@thread.tacv2",
        person_id=None,
        reference=json.dumps({"conversation": {"id": conversation_id}, "serviceUrl": SERVICE_URL}),
        updated_at=T0,
    )
    return replace(record, **changes)


def personal(person_id: str, conversation_id: str, at: datetime) -> ConversationRecord:
    return channel(
        conversation_id, kind="personal", team_id=None, person_id=person_id, updated_at=at
    )


def alice(**changes: Any) -> PersonRecord:
    record = PersonRecord(ALICE, "29:1alice", "Alice Adeyemi", TENANT, T0)
    return replace(record, **changes)


def run_together(work: Callable[[int], None], threads: int = THREADS) -> list[BaseException]:
    """Run ``work(index)`` in several threads released at the same moment; their exceptions."""
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as exc:  # reported by the caller, not lost in the thread
            failures.append(exc)

    workers = [threading.Thread(target=run, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return failures


# ----------------------------------------------------------------------------- conversations


def test_a_conversation_comes_back_as_it_was_remembered(directory: SqlDirectory) -> None:
    record = channel(updated_at=datetime(2026, 12, 1, 10, 30, tzinfo=timezone(timedelta(hours=1))))
    directory.remember_conversation(record)
    assert directory.conversation(record.conversation_id) == record
    assert directory.conversation("19:never-seen@thread.tacv2") is None


def test_remembering_again_replaces_the_fields(directory: SqlDirectory) -> None:
    directory.remember_conversation(channel())
    newer = channel(
        service_url="https://smba.trafficmanager.net/amer/",
        tenant_id=OTHER_TENANT,
        team_id="19:other-team@thread.tacv2",
        reference='{"v": 2}',
        updated_at=T0 + timedelta(hours=1),
    )
    directory.remember_conversation(newer)
    assert directory.conversation(newer.conversation_id) == newer


def test_a_missing_tenant_team_or_person_does_not_erase_a_known_one(
    directory: SqlDirectory,
) -> None:
    known = personal(ALICE, "a:1personal", T0)
    directory.remember_conversation(replace(known, team_id="19:team@thread.tacv2"))
    later = replace(
        known,
        tenant_id=None,
        team_id=None,
        person_id=None,
        service_url="https://smba.trafficmanager.net/uk/",
        reference='{"v": 2}',
        updated_at=T0 + timedelta(minutes=5),
    )
    directory.remember_conversation(later)
    stored = directory.conversation(known.conversation_id)
    assert stored == replace(
        later, tenant_id=TENANT, team_id="19:team@thread.tacv2", person_id=ALICE
    )


def test_an_unknown_kind_of_conversation_is_refused() -> None:
    with pytest.raises(ValueError, match="meeting"):
        channel(kind="meeting")


def test_the_personal_conversation_is_the_newest_personal_one_of_that_person(
    directory: SqlDirectory,
) -> None:
    assert directory.personal_conversation(ALICE) is None
    directory.remember_conversation(personal(ALICE, "a:old", T0))
    directory.remember_conversation(personal(ALICE, "a:new", T0 + timedelta(days=1)))
    directory.remember_conversation(personal(BOB, "a:bob", T0 + timedelta(days=2)))
    # a group chat naming Alice is not her personal chat, however new
    group = replace(personal(ALICE, "19:group@thread.v2", T0 + timedelta(days=3)), kind="groupChat")
    directory.remember_conversation(group)
    found = directory.personal_conversation(ALICE)
    assert found is not None and found.conversation_id == "a:new"
    bobs = directory.personal_conversation(BOB)
    assert bobs is not None and bobs.conversation_id == "a:bob"
    assert directory.personal_conversation("aad-nobody") is None


def test_the_latest_service_url_is_from_the_newest_conversation(directory: SqlDirectory) -> None:
    assert directory.latest_service_url() is None
    directory.remember_conversation(channel("c:1", service_url="https://one/", updated_at=T0))
    directory.remember_conversation(
        channel("c:2", service_url="https://two/", updated_at=T0 + timedelta(hours=2))
    )
    directory.remember_conversation(
        channel(
            "c:3",
            service_url="https://three/",
            tenant_id=OTHER_TENANT,
            updated_at=T0 + timedelta(hours=1),
        )
    )
    assert directory.latest_service_url() == "https://two/"
    assert directory.latest_service_url(TENANT) == "https://two/"
    assert directory.latest_service_url(OTHER_TENANT) == "https://three/"
    assert directory.latest_service_url("no-such-tenant") is None
    # remembering an old conversation again makes it the newest
    directory.remember_conversation(
        channel("c:1", service_url="https://one-moved/", updated_at=T0 + timedelta(hours=3))
    )
    assert directory.latest_service_url() == "https://one-moved/"


def test_eight_threads_meeting_the_same_new_conversation_all_succeed(
    directory: SqlDirectory, sessions: sessionmaker[Session]
) -> None:
    for attempt in range(5):
        conversation_id = f"a:new-{attempt}"
        records = [
            personal(ALICE, conversation_id, T0 + timedelta(seconds=index))
            for index in range(THREADS)
        ]

        def remember(index: int, records: list[ConversationRecord] = records) -> None:
            directory.remember_conversation(records[index])

        assert run_together(remember) == []
        assert directory.conversation(conversation_id) in records
    with sessions() as session:
        count = session.scalar(select(func.count()).select_from(ChatConversationRow))
    assert count == 5


# ----------------------------------------------------------------------------------- people


def test_people_come_back_as_they_were_remembered(directory: SqlDirectory) -> None:
    bob = PersonRecord(BOB, "29:1bob", "", None, T0)
    directory.remember_people([alice(), bob])
    assert directory.person(ALICE) == alice()
    assert directory.person(BOB) == bob
    assert directory.person("aad-nobody") is None


def test_remembering_a_person_again_updates_them(directory: SqlDirectory) -> None:
    directory.remember_people([alice()])
    renamed = alice(
        platform_user_id="29:1alice-moved", name="Alice Brown", updated_at=T0 + timedelta(days=1)
    )
    directory.remember_people([renamed])
    assert directory.person(ALICE) == renamed


def test_an_empty_name_or_missing_tenant_does_not_erase_what_is_known(
    directory: SqlDirectory,
) -> None:
    directory.remember_people([alice()])
    later = alice(
        platform_user_id="29:1alice-new",
        name="",
        tenant_id=None,
        updated_at=T0 + timedelta(hours=1),
    )
    directory.remember_people([later])
    assert directory.person(ALICE) == replace(later, name="Alice Adeyemi", tenant_id=TENANT)


def test_the_same_person_twice_in_one_call_keeps_the_name(directory: SqlDirectory) -> None:
    directory.remember_people(
        [alice(), alice(name="", tenant_id=None, updated_at=T0 + timedelta(seconds=1))]
    )
    assert directory.person(ALICE) == alice(updated_at=T0 + timedelta(seconds=1))


def test_remembering_nobody_changes_nothing(directory: SqlDirectory) -> None:
    directory.remember_people([])
    assert directory.names([ALICE]) == {}


def test_names_are_the_known_non_empty_ones(directory: SqlDirectory) -> None:
    directory.remember_people([alice(), PersonRecord(BOB, "29:1bob", "", TENANT, T0)])
    assert directory.names([ALICE, BOB, "aad-nobody", ALICE]) == {ALICE: "Alice Adeyemi"}
    assert directory.names([]) == {}


def test_names_of_many_people_at_once(directory: SqlDirectory) -> None:
    people = [
        PersonRecord(f"aad-{n:04d}", f"29:{n}", f"Member {n}", TENANT, T0) for n in range(1200)
    ]
    directory.remember_people(people)
    names = directory.names([person.person_id for person in people])
    assert names == {person.person_id: person.name for person in people}


def test_eight_threads_meeting_the_same_new_people_all_succeed(
    directory: SqlDirectory, sessions: sessionmaker[Session]
) -> None:
    """Each thread brings the same new people in its own order, some without a name."""
    ids = [f"aad-member-{n}" for n in range(6)]

    def remember(index: int) -> None:
        order = ids[index % len(ids) :] + ids[: index % len(ids)]
        directory.remember_people(
            [
                PersonRecord(
                    person_id, f"29:{person_id}", "" if index % 2 else person_id.upper(), TENANT, T0
                )
                for person_id in order
            ]
        )

    for _ in range(3):
        assert run_together(remember) == []
    assert directory.names(ids) == {person_id: person_id.upper() for person_id in ids}
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ChatPersonRow)) == len(ids)
