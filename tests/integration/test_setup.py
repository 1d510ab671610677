"""Set-up from the chat, in the core on real storage (SQLite and PostgreSQL): the first chair,
bad input beside its fields with nothing saved, two chairs at once, chairs only, the shortcut,
what is in force in words, and rounds keeping the settings they started with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config import AppConfig, load_app_config
from bot.domain.consensus import Choice, OutcomeKind
from bot.domain.framework import Framework
from bot.domain.text import ChannelLink, Composed, Mention, Typed
from bot.ports import ChannelAccess
from bot.services.configuration import ConfigInForce, FrameworkLibrary, seed_from_file
from bot.services.dispatch import Dispatcher
from bot.services.facilitator import Facilitator
from bot.services.setup import SetupUseCases
from bot.views.reply import Reply
from bot.views.setup import (
    FIELD_AGREE_SHARE,
    FIELD_BOARD_CHANNEL,
    FIELD_CHAIRS,
    FIELD_QUORUM,
    FIELD_REMIND_BEFORE,
    SetupFormView,
    SetupSubmission,
    SubgroupRow,
    domain_field,
    subgroup_field,
)
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import FakeChat, SteppingClock, make_facilitator

FIRST, SECOND, MEMBER = "U0FIRST01", "U0SECOND1", "U0MEMBER1"
BOARD, PART, PRIVATE = "C0BOARD01", "C0PART001", "C0SECRET1"
QUESTION_DATA = Path(__file__).resolve().parents[2] / "question_data"


@dataclass
class FakeChannels:
    """The app is in the board's channel; other channels are open to join, except PRIVATE."""

    joined: list[str] = field(default_factory=list)

    def prepare_channel(self, conversation_id: str, join: bool = True) -> ChannelAccess:
        if conversation_id == PRIVATE:
            return ChannelAccess.INVITE
        if conversation_id == BOARD or conversation_id in self.joined:
            return ChannelAccess.READY
        if join:
            self.joined.append(conversation_id)
            return ChannelAccess.JOINED
        return ChannelAccess.READY

    def channel_names(self, conversation_ids: Sequence[str]) -> dict[str, str]:
        return {c: c.lower() for c in conversation_ids}


@dataclass
class Board:
    in_force: ConfigInForce
    setup: SetupUseCases
    facilitator: Facilitator
    dispatcher: Dispatcher
    chat: FakeChat
    channels: FakeChannels

    def run(self, user: str, text: str, where: str | None = BOARD) -> Reply:
        return self.dispatcher.run(user, text, where)

    def form(self, user: str, here: str | None = BOARD) -> SetupFormView:
        form = self.setup.open_form(user, here)
        assert isinstance(form, SetupFormView), form
        return form

    def save(self, user: str, form: SetupFormView, **changes: object) -> Reply | SetupFormView:
        values = replace(form.values, **changes)  # type: ignore[arg-type]
        return self.setup.save(user, SetupSubmission(form.based_on, values))


@pytest.fixture
def board(sessions: sessionmaker[Session], framework: Framework) -> Board:
    uow = SqlUnitOfWorkFactory(sessions)
    clock = SteppingClock()
    chat = FakeChat(members={BOARD: [FIRST, SECOND], PART: [MEMBER, "U0MEMBER2", "U0MEMBER3"]})
    in_force = ConfigInForce(uow, FrameworkLibrary(QUESTION_DATA), clock)
    channels = FakeChannels()
    facilitator = make_facilitator(in_force.config, in_force.framework, uow, chat, clock)
    facilitator.in_force = facilitator.context.in_force = in_force
    in_force.listeners.append(lambda live: facilitator.rebind(live.config, live.framework))
    setup = SetupUseCases(in_force, channels)
    return Board(in_force, setup, facilitator, Dispatcher(facilitator, None, setup), chat, channels)


def set_up(board: Board) -> SetupFormView:
    """The first chair saves a board with a Participation sub-group grading domain 4."""
    form = board.form(FIRST)
    rows = list(form.values.subgroups)
    rows[1] = SubgroupRow(None, "Participation Sub-Group", PART)
    assignments = {**form.values.assignments, 4: 1}
    saved = board.save(
        FIRST, form, board_name="Test Trust", subgroups=tuple(rows), assignments=assignments
    )
    assert isinstance(saved, Reply) and not saved.is_refusal, saved
    return board.form(FIRST)


def test_before_set_up_commands_say_set_up_comes_first(board: Board) -> None:
    reply = board.run(FIRST, "domain 4")
    assert reply.is_refusal and "isn't set up yet" in reply.text and "setup" in reply.text
    assert "How to use" in board.run(FIRST, "help").text  # help still works
    assert board.in_force.number == 0


def test_the_first_to_save_becomes_the_first_chair_then_starts_a_round(board: Board) -> None:
    form = board.form(FIRST, here=BOARD)
    assert form.first_run and form.based_on == 0
    assert form.values.chairs == (FIRST,) and form.values.board_channel == BOARD
    assert set(form.values.assignments.values()) == {0}  # the board grades all until changed
    rows = list(form.values.subgroups)
    rows[1] = SubgroupRow(None, "Participation Sub-Group", PART)
    saved = board.save(
        FIRST,
        form,
        board_name="Test Trust",
        chairs=(),  # even if the form lost them, whoever saves first is a chair
        subgroups=tuple(rows),
        assignments={**form.values.assignments, 4: 1},
    )
    assert isinstance(saved, Reply) and not saved.is_refusal
    assert "first chair" in saved.text and "setup" in saved.text
    config = board.in_force.config
    assert board.in_force.number == 1 and config.board.chairs == (FIRST,)
    assert config.subgroups["participation-sub-group"].channel == PART
    assert config.assignments[4] == "participation-sub-group"
    assert board.channels.joined == [PART]  # an open channel is joined on saving
    started = board.run(FIRST, "domain 4")
    assert not started.is_refusal, started.text
    assert board.chat.posted_to(PART), "the round's questions go to the sub-group's channel"
    with board.in_force.uow_factory() as uow:
        round_ = uow.rounds.open_round_for_domain("are-we-there-yet-2008", 4)
    assert round_ is not None and round_.config_version == 1
    assert round_.electorate == (MEMBER, "U0MEMBER2", "U0MEMBER3")


def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(board: Board) -> None:
    form = set_up(board)
    rows = list(form.values.subgroups)
    rows[2] = SubgroupRow(None, "Workforce", None)  # a name, no channel
    cases: list[tuple[dict[str, object], str]] = [
        ({"quorum": "150"}, FIELD_QUORUM),
        ({"agree_share": "half"}, FIELD_AGREE_SHARE),
        ({"remind_before": "9d"}, FIELD_REMIND_BEFORE),
        ({"subgroups": tuple(rows)}, subgroup_field(2, "channel")),
        ({"assignments": {**form.values.assignments, 5: 3}}, domain_field(5)),  # an empty row
        ({"chairs": ()}, FIELD_CHAIRS),  # the last chair cannot be removed
        ({"board_channel": PRIVATE}, FIELD_BOARD_CHANNEL),
    ]
    for changes, field_name in cases:
        answer = board.save(FIRST, form, **changes)
        assert isinstance(answer, SetupFormView), (changes, answer)
        assert field_name in answer.problems, (changes, answer.problems)
        assert answer.based_on == 1
        assert board.in_force.number == 1, "nothing saved"
    private = board.save(FIRST, form, board_channel=PRIVATE)
    assert isinstance(private, SetupFormView) and private.needs_invite == (PRIVATE,)
    unknown = board.save(FIRST, form, framework="no-such-framework")
    assert isinstance(unknown, SetupFormView) and "framework" in unknown.problems
    with board.in_force.uow_factory() as uow:
        assert uow.configs.newest_number() == 1


def test_two_chairs_saving_at_once_the_second_sees_the_new_settings(board: Board) -> None:
    form = set_up(board)
    board.save(FIRST, form, chairs=(FIRST, SECOND))
    first_view, second_view = board.form(FIRST), board.form(SECOND)
    first = board.save(FIRST, first_view, quorum="60")
    assert isinstance(first, Reply) and not first.is_refusal
    late = board.save(SECOND, second_view, quorum="75")
    assert isinstance(late, SetupFormView)
    assert late.notice is not None and "Another chair saved" in late.notice
    assert late.values.quorum == "60" and late.based_on == board.in_force.number
    assert board.in_force.config.voting.quorum == 0.6


def test_only_chairs_change_the_settings(board: Board) -> None:
    form = set_up(board)
    refused = board.setup.open_form(MEMBER, BOARD)
    assert (
        isinstance(refused, Reply)
        and refused.is_refusal
        and "Only the board's chairs" in refused.text
    )
    as_member = board.setup.save(MEMBER, SetupSubmission(form.based_on, form.values))
    assert isinstance(as_member, Reply) and as_member.is_refusal
    assert board.in_force.number == 1
    assert board.run(MEMBER, "use this channel for workforce", "C0WORK001").is_refusal


def test_use_this_channel_adds_or_moves_a_sub_group(board: Board) -> None:
    set_up(board)
    reply = board.run(FIRST, "use this channel for Workforce", "C0WORK001")
    assert not reply.is_refusal and "Workforce" in reply.text
    assert board.in_force.config.subgroups["workforce"].channel == "C0WORK001"
    moved = board.run(FIRST, "use this channel for participation sub-group", "C0PART002")
    assert not moved.is_refusal
    assert board.in_force.config.subgroups["participation-sub-group"].channel == "C0PART002"
    assert board.in_force.number == 3
    direct = board.run(FIRST, "use this channel for workforce", None)
    assert direct.is_refusal and board.in_force.number == 3


def test_setup_show_says_what_is_in_force_with_names(board: Board) -> None:
    assert "Nothing is set up yet" in board.run(FIRST, "setup show").text
    set_up(board)
    shown = board.run(MEMBER, "setup show").text
    assert isinstance(shown, Composed)
    assert "Test Trust" in shown and "Participation Sub-Group" in shown
    assert Mention(FIRST) in shown.parts and ChannelLink(PART) in shown.parts
    assert "50% of the electorate" in shown and "domains 4" in shown


def test_a_round_keeps_the_rule_it_started_with(board: Board) -> None:
    form = set_up(board)
    strict = board.save(FIRST, form, agree_share="100", max_spread="0")  # every grade the same
    assert isinstance(strict, Reply) and board.in_force.number == 2
    assert not board.run(FIRST, "domain 4").is_refusal
    # loosened while the round is open: 2 Good and 1 Adequate would agree under this rule
    loose = board.save(FIRST, board.form(FIRST), agree_share="60", max_spread="1")
    assert isinstance(loose, Reply) and board.in_force.number == 3
    with board.in_force.uow_factory() as uow:
        round_ = uow.rounds.open_round_for_domain("are-we-there-yet-2008", 4)
    assert round_ is not None and round_.config_version == 2
    question = round_.questions[0]
    electorate = round_.electorate
    for user, choice in zip(electorate, [Choice.GOOD, Choice.GOOD, Choice.ADEQUATE], strict=True):
        vote = board.facilitator.record_vote(user, round_.id, question.id, choice)
        assert not vote.is_refusal, vote.text
    with board.in_force.uow_factory() as uow:
        closed = uow.rounds.get_question(question.id)
    assert closed is not None and closed.result is not None
    assert closed.result.kind is OutcomeKind.DISAGREEMENT, closed.result
    assert "at most 0 allowed" in closed.result.reason  # the round's rule, not the new one
    assert not board.run(FIRST, "close 4").is_refusal
    assert not board.run(FIRST, "domain 4").is_refusal  # a new round takes the new rule
    with board.in_force.uow_factory() as uow:
        newer = uow.rounds.open_round_for_domain("are-we-there-yet-2008", 4)
    assert newer is not None and newer.config_version == 3


def test_a_file_seeds_an_empty_database_and_afterwards_the_database_wins(
    board: Board, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(
        "framework: are-we-there-yet-2008\n"
        "board: {name: From File, channel: C0BOARD01, chairs: [U0FIRST01]}\n"
        "subgroups: {board: {name: Board, channel: C0BOARD01}}\n"
        "assignments: {1: board, 2: board, 3: board, 4: board, 5: board, 6: board, 7: board}\n",
        encoding="utf-8",
    )
    checked: list[AppConfig] = []

    def seed() -> None:
        seed_from_file(
            board.in_force, path, load_app_config, lambda config, _: checked.append(config)
        )

    seed()
    assert board.in_force.number == 1 and board.in_force.config.board.name == "From File"
    with board.in_force.uow_factory() as uow:
        version = uow.configs.get(1)
    assert version is not None and version.saved_by == "file"
    form = board.form(FIRST)
    board.save(FIRST, form, board_name="Renamed in the chat")
    capsys.readouterr()
    seed()  # the file differs now: the database's is kept, and the log says so
    logged = capsys.readouterr().out
    assert "config_file_differs" in logged and "the database's is in force" in logged
    assert board.in_force.number == 2
    assert board.in_force.config.board.name == "Renamed in the chat"
    assert len(checked) == 2


def test_every_version_is_kept_with_who_and_what_changed(board: Board) -> None:
    form = set_up(board)
    board.save(FIRST, form, quorum="60")
    with board.in_force.uow_factory() as uow:
        history = uow.configs.history(10)
    assert [v.number for v in history] == [2, 1]
    assert history[0].saved_by == FIRST and "voting.quorum: 0.5 → 0.6" in history[0].changes
    assert history[1].changes == "first configuration"
    assert history[1].config.voting.quorum == 0.5


def test_a_sub_groups_fixed_members_survive_a_save_from_the_form(board: Board) -> None:
    set_up(board)
    config = board.in_force.config
    fixed = config.subgroups["participation-sub-group"].model_copy(
        update={"members": (MEMBER, "U0MEMBER2")}
    )
    board.in_force.save(
        config.model_copy(
            update={"subgroups": {**config.subgroups, "participation-sub-group": fixed}}
        ),
        board.in_force.number,
        "import",
    )
    form = board.form(FIRST)  # the form cannot show the list: its rows carry no members
    rows = tuple(replace(row, members=None) for row in form.values.subgroups)
    saved = board.save(FIRST, form, subgroups=rows, quorum="60")
    assert isinstance(saved, Reply) and not saved.is_refusal
    kept = board.in_force.config.subgroups["participation-sub-group"].members
    assert kept == (MEMBER, "U0MEMBER2") and board.in_force.config.voting.quorum == 0.6


def test_names_a_chair_typed_stay_typed_text_in_the_app_s_words(board: Board) -> None:
    form = board.form(FIRST)
    rows = list(form.values.subgroups)
    name = "Youth <!channel> *Voice*"
    rows[1] = SubgroupRow(None, name, PART)
    saved = board.save(
        FIRST,
        form,
        board_name="Trust",
        subgroups=tuple(rows),
        assignments={**form.values.assignments, 4: 1},
    )
    assert isinstance(saved, Reply) and not saved.is_refusal
    started = board.run(FIRST, "domain 4").text
    assert isinstance(started, Composed)
    assert any(isinstance(part, Typed) and part == name for part in started.parts)
    shown = board.run(FIRST, "setup show").text
    assert isinstance(shown, Composed)
    assert any(isinstance(part, Typed) and part == name for part in shown.parts)
