"""Cycles, the action plan, the report and the Home tab on real storage (SQLite and PostgreSQL),
with the real file renderers and hand-written fakes of the chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from alembic import command
from openpyxl import load_workbook  # type: ignore[import-untyped]
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.consensus import Choice
from bot.domain.framework import Framework
from bot.domain.report import DomainStatus
from bot.domain.report_text import long_date
from bot.domain.rounds import ClaimedMessage, MessageKind, OutgoingMessage
from bot.services.facilitator import Facilitator
from bot.services.follow_ups import SummaryFollowUps
from bot.services.reporting import Reporting
from bot.views.forms import ActionFormView
from bot.views.reply import FieldProblem, Reply
from bot.views.report import ActionPromptView, ReportMessageView
from bot.views.rounds import QuestionCardView
from handlers.files.renderer import ReportFileRenderer
from storage.database import alembic_config, make_engine, migrate
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import FakeChat, SteppingClock, assess, make_facilitator
from tests.integration.world import CHAIR, PARTICIPATION, make_config
from tests.reporting_fakes import FakeBoard

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORK = "are-we-there-yet-2008"
G = {1: Choice.INADEQUATE, 2: Choice.ADEQUATE, 3: Choice.GOOD, 4: Choice.OUTSTANDING}


@dataclass
class World:
    facilitator: Facilitator
    reporting: Reporting
    chat: FakeChat
    board: FakeBoard
    clock: SteppingClock
    uow: SqlUnitOfWorkFactory

    def assess(self, text: str, user: str = CHAIR) -> Reply:
        return CommandRouterFor(self).run(user, text)

    def grade_domain_4(self, grades: dict[str, str]) -> int:
        """Start domain 4 and have the four members vote; returns the round id."""
        reply = assess(self.facilitator, CHAIR, "domain 4")
        assert not reply.is_refusal, reply.text
        with self.uow() as uow:
            round_ = uow.rounds.open_round_for_domain(FRAMEWORK, 4)
        assert round_ is not None
        for question in round_.questions:
            for user, grade in zip(PARTICIPATION, grades[question.question_id], strict=True):
                vote = self.facilitator.record_vote(user, round_.id, question.id, G[int(grade)])
                assert not vote.is_refusal, vote.text
        return round_.id


@dataclass
class CommandRouterFor:
    world: World

    def run(self, user: str, text: str) -> Reply:
        return assess(self.world.facilitator, user, text, self.world.reporting)


@pytest.fixture
def world(sessions: sessionmaker[Session], framework: Framework) -> World:
    board = FakeBoard(names={PARTICIPATION[0]: "Priya Shah"})
    chat = FakeChat(members={"C0BOARD01": [CHAIR], "C0PART001": list(PARTICIPATION)}, board=board)
    clock = SteppingClock()
    config = make_config()
    facilitator = make_facilitator(config, framework, SqlUnitOfWorkFactory(sessions), chat, clock)
    reporting = Reporting(
        config=config,
        framework=framework,
        uow_factory=SqlUnitOfWorkFactory(sessions),
        chat=chat,
        files=ReportFileRenderer(),
        clock=clock,
    )
    facilitator.delivery.extensions.append(SummaryFollowUps(reporting))
    return World(facilitator, reporting, chat, board, clock, SqlUnitOfWorkFactory(sessions))


def prompt_of(world: World) -> ActionPromptView:
    prompts = [v for _, v in world.board.posted if isinstance(v, ActionPromptView)]
    assert len(prompts) == 1
    return prompts[0]


def add(world: World, question_id: str, text: str = "Do it", due_days: int = 30) -> Reply:
    question = next(q for q in prompt_of(world).questions if q.question_id == question_id)
    due = (world.clock.now().date() + timedelta(days=due_days)).isoformat()
    outcome = world.reporting.add_action(
        CHAIR, question.round_question_id, text, "2", "Director of Children's Services", due
    )
    assert isinstance(outcome, Reply), outcome
    return outcome


def test_summary_is_followed_once_by_the_domain_chart_and_the_action_prompt(world: World) -> None:
    world.grade_domain_4({"4.1": "2223", "4.2": "1112", "4.3": "3333", "4.4": "1144"})
    charts = world.board.files_named("domain-4-chart.png")
    assert len(charts) == 1
    with Image.open(BytesIO(charts[0].data)) as image:
        assert image.format == "PNG" and image.width > 0 and image.height > 0
    alt = charts[0].alt_text or ""
    assert "4.4: 2 Inadequate, 2 Outstanding (4 of 4 took part); outcome DISAGREEMENT." in alt
    prompt = prompt_of(world)
    assert [q.question_id for q in prompt.questions] == ["4.1", "4.2"]
    assert [q.grade_label for q in prompt.questions] == ["2 Adequate", "1 Inadequate"]
    # the summary sent again (a retry) records no second chart or prompt
    with world.uow() as uow:
        assert uow.outbox.status_of("summary:1") == "sent"
        SummaryFollowUps(world.reporting).after_sent(
            uow,
            ClaimedMessage(1, OutgoingMessage("summary:1", MessageKind.SUMMARY, 1), 2, "1.0"),
            "1.0",
            world.clock.now(),
        )
        uow.commit()
    world.facilitator.delivery.send_due()
    assert len(world.board.files_named("domain-4-chart.png")) == 1
    assert len([v for _, v in world.board.posted if isinstance(v, ActionPromptView)]) == 1


def test_no_prompt_when_nothing_is_graded_1_or_2(world: World) -> None:
    world.grade_domain_4({"4.1": "3333", "4.2": "3334", "4.3": "1144", "4.4": "4444"})
    assert len(world.board.files_named("domain-4-chart.png")) == 1
    assert [v for _, v in world.board.posted if isinstance(v, ActionPromptView)] == []
    with world.uow() as uow:
        assert uow.outbox.status_of("action-prompt:1") == "skipped"


def test_action_form_and_its_refusals(world: World) -> None:
    world.grade_domain_4({"4.1": "2223", "4.2": "1112", "4.3": "3333", "4.4": "4443"})
    prompt = prompt_of(world)
    adequate = prompt.questions[0].round_question_id
    form = world.reporting.action_form(CHAIR, adequate)
    assert isinstance(form, ActionFormView) and form.question_id == "4.1"
    assert form.default_due > world.clock.now().date()
    member = world.reporting.action_form(PARTICIPATION[0], adequate)
    assert isinstance(member, Reply) and member.is_refusal
    with world.uow() as uow:
        round_ = uow.rounds.get(1)
    assert round_ is not None
    good = next(q.id for q in round_.questions if q.question_id == "4.3")
    refused = world.reporting.action_form(CHAIR, good)
    assert isinstance(refused, Reply) and "graded 2 or below" in refused.text

    due = (world.clock.now().date() + timedelta(days=10)).isoformat()

    def attempt(**fields: str) -> Reply | FieldProblem:
        values = {"text": "A plan", "priority": "3", "owner": "Head of Service", "due": due}
        values.update(fields)
        return world.reporting.add_action(
            fields.get("user", CHAIR),
            int(fields.get("question", adequate)),
            values["text"],
            values["priority"],
            values["owner"],
            values["due"],
        )

    assert attempt(user=PARTICIPATION[0]) == FieldProblem(
        "form", "Only the board's chairs can add actions."
    )
    assert isinstance(p := attempt(text="  "), FieldProblem) and p.field == "action"
    assert isinstance(p := attempt(text="x" * 1001), FieldProblem) and p.field == "action"
    assert isinstance(p := attempt(priority="4"), FieldProblem) and p.field == "priority"
    assert isinstance(p := attempt(owner=""), FieldProblem) and p.field == "owner"
    assert isinstance(p := attempt(due="soon"), FieldProblem) and p.field == "due"
    yesterday = (world.clock.now().date() - timedelta(days=1)).isoformat()
    assert isinstance(p := attempt(due=yesterday), FieldProblem) and "past" in p.text
    assert isinstance(p := attempt(question=str(good)), FieldProblem) and p.field == "form"
    assert "empty" in world.assess("actions").text
    ok = attempt()
    assert isinstance(ok, Reply) and "Action 1 added for question 4.1" in ok.text
    listed = world.assess("actions", user=PARTICIPATION[0]).text  # anyone may read the plan
    assert "4.1: A plan · High · Head of Service" in listed
    redrawn = world.reporting.action_prompt_for(adequate)
    assert redrawn is not None
    assert [q.actions for q in redrawn.questions] == [
        (f"1. A plan · High · Head of Service · due {long_date(date.fromisoformat(due))}",),
        (),
    ]
    chair_home = world.reporting.home(CHAIR)
    assert [(a.id, a.overdue) for a in chair_home.actions] == [(1, False)]
    assert chair_home.actions[0].line.startswith("4.1: A plan · High · Head of Service")
    assert world.reporting.home(PARTICIPATION[0]).actions == ()  # only chairs get the list
    world.clock.advance(days=11)
    assert world.reporting.home(CHAIR).actions[0].overdue


def test_report_posts_message_and_three_real_files(world: World) -> None:
    assert world.assess("report").is_refusal  # no cycle yet
    world.grade_domain_4({"4.1": "2223", "4.2": "1112", "4.3": "3333", "4.4": "4443"})
    assess(world.facilitator, CHAIR, "domain 2")  # open, not graded
    add(world, "4.2", text="=cmd|' /C calc'!A0")
    world.board.uploads.clear()
    reply = world.assess("report")
    assert not reply.is_refusal, reply.text
    [(channel, message)] = [
        (c, v) for c, v in world.board.posted if isinstance(v, ReportMessageView)
    ]
    assert channel == "C0BOARD01"
    report = message.report
    statuses = {d.number: d.status for d in report.domains}
    assert statuses[4] is DomainStatus.GRADED and statuses[2] is DomainStatus.OPEN
    assert statuses[1] is DomainStatus.NOT_STARTED
    assert report.previous_cycle is None
    [upload] = world.board.uploads
    names = [f.filename for f in upload.files]
    assert names == [
        f"assessment-{report.cycle}-chart.png",
        f"assessment-{report.cycle}.pdf",
        f"assessment-{report.cycle}.xlsx",
    ]
    png, pdf, xlsx = (f.data for f in upload.files)
    with Image.open(BytesIO(png)) as image:
        assert image.width > 0 and image.getextrema() != ((255, 255), (255, 255), (255, 255))
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) >= 2
    pages = "\n".join(page.extract_text() for page in reader.pages)
    assert "Summary of findings" in pages and "Action plan" in pages
    workbook = load_workbook(BytesIO(xlsx))
    grades = {
        row[0]: row for row in workbook["Domain 4"].iter_rows(min_row=2, values_only=True) if row[0]
    }
    # outcome, grade, label, then the count of each grade: 4.1 was voted 2, 2, 2, 3
    assert grades["4.1"][2:9] == ("Adequate", 2, "Adequate", 0, 3, 1, 0)
    assert grades["4.2"][2:9] == ("Inadequate", 1, "Inadequate", 3, 1, 0, 0)
    action_cells = [c for row in workbook["Actions"].iter_rows(values_only=True) for c in row]
    assert "'=cmd|' /C calc'!A0" in action_cells
    assert "=cmd|' /C calc'!A0" not in action_cells


def test_a_failed_post_is_a_clear_private_refusal(world: World) -> None:
    world.grade_domain_4({"4.1": "2223", "4.2": "1112", "4.3": "3333", "4.4": "4443"})
    world.board.failures_to_come = 1
    reply = world.assess("report")
    assert reply.is_refusal and "try `/assess report` again" in reply.text


def test_cycles_compare_grades_and_carry_actions_until_done(world: World) -> None:
    world.grade_domain_4({"4.1": "2223", "4.2": "1112", "4.3": "3333", "4.4": "4443"})
    add(world, "4.1", text="Carried action")
    add(world, "4.2", text="Finished action")
    with world.uow() as uow:
        first = uow.cycles.cycles(FRAMEWORK)
    assert [c.name for c in first] == ["2026-27"]  # named after the first round's year
    assert world.assess("actions done 2").text == "Action 2 (4.2) is marked done."
    world.clock.advance(days=365)
    assert world.assess("cycle start 2027-28").text.startswith("Cycle *2027-28* has begun")
    assert "2027-28" in world.assess("cycle").text and "2026-27" in world.assess("cycle").text
    listed = world.assess("actions").text
    assert "Carried action" in listed and "(from 2026-27)" in listed
    assert "Finished action" not in listed  # done before this cycle began
    world.board.posted.clear()
    world.grade_domain_4({"4.1": "3333", "4.2": "1111", "4.3": "2222", "4.4": "3344"})
    with world.uow() as uow:
        cycles = uow.cycles.cycles(FRAMEWORK)
        second = uow.cycles.rounds_in_cycle(cycles[-1].id)
    assert [r.domain for r in second] == [4]
    report = world.reporting.build_report()
    assert report is not None and report.cycle == "2027-28" and report.previous_cycle == "2026-27"
    domain = report.domain(4)
    assert domain is not None
    previous = {q.question_id: q.previous_grade for q in domain.questions}
    assert previous == {"4.1": 2, "4.2": 1, "4.3": 3, "4.4": 4}
    assert [a.action for a in report.actions] == ["Carried action"]
    assert "overdue" in world.assess("actions").text  # due 30 days into the earlier year


def test_refusals_for_cycles_and_actions(world: World) -> None:
    assert "No assessment cycle has started yet" in world.assess("cycle").text
    assert world.assess("cycle start 2026-27", user=PARTICIPATION[0]).is_refusal
    assert world.assess("cycle start").is_refusal
    assert "can't be a cycle's name" in world.assess("cycle start =1+1").text
    assert world.assess("report now").is_refusal
    assert world.assess("actions done x").is_refusal
    assert world.assess("actions done 9", user=PARTICIPATION[0]).is_refusal
    assert "There is no action 9" in world.assess("actions done 9").text
    assert not world.assess("cycle start 2026-27").is_refusal
    assert "already a cycle" in world.assess("cycle start 2026-27").text
    assess(world.facilitator, CHAIR, "domain 4")
    assert "Close them first" in world.assess("cycle start 2027-28").text
    with world.uow() as uow:
        assert [c.name for c in uow.cycles.cycles(FRAMEWORK)] == ["2026-27"]
        [round_] = uow.cycles.rounds_in_cycle(uow.cycles.cycles(FRAMEWORK)[0].id)
    assert round_.domain == 4


def test_home_lists_domains_and_what_waits_for_the_member(world: World) -> None:
    empty = world.reporting.home(PARTICIPATION[0])
    assert empty.cycle is None and empty.waiting == ()
    assess(world.facilitator, CHAIR, "domain 4")
    card = next(p.view for p in world.chat.posted if isinstance(p.view, QuestionCardView))
    world.facilitator.record_vote(
        PARTICIPATION[0], card.round_id, card.round_question_id, Choice.GOOD
    )
    home = world.reporting.home(PARTICIPATION[0])
    assert home.cycle == "2026-27" and not home.is_chair
    by_number = {d.number: d for d in home.domains}
    assert by_number[4].status is DomainStatus.OPEN and by_number[4].detail == "1 of 4 have voted"
    assert by_number[4].deadline_at is not None
    assert by_number[1].status is DomainStatus.NOT_STARTED
    assert [q.question_id for q in home.waiting] == ["4.2", "4.3", "4.4"]
    assert all(q.channel_id == "C0PART001" and q.message_id for q in home.waiting)
    assert world.reporting.home(CHAIR).waiting == () and world.reporting.home(CHAIR).is_chair


def test_migration_puts_existing_rounds_into_a_default_cycle(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.commit()
        for started in ("2025-03-10 09:00:00+00:00", "2025-06-01 09:00:00+00:00"):
            connection.execute(
                text(
                    "INSERT INTO rounds (framework, domain, subgroup_key, channel_id, status, "
                    "started_by, started_at) VALUES ('fw', 4, 'p', 'C1', 'closed', 'U1', :at)"
                ),
                {"at": datetime.fromisoformat(started)},
            )
        connection.commit()
    migrate(engine)
    with engine.connect() as connection:
        cycles = connection.execute(text("SELECT id, framework, name FROM cycles")).all()
        rounds = connection.execute(text("SELECT cycle_id FROM rounds")).scalars().all()
    assert [(c.framework, c.name) for c in cycles] == [("fw", "2024-25")]  # March is 2024-25
    assert rounds == [cycles[0].id, cycles[0].id]
    engine.dispose()


def test_first_round_of_a_fresh_database_starts_a_cycle(world: World) -> None:
    world.clock.current = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    assess(world.facilitator, CHAIR, "domain 4")
    with world.uow() as uow:
        assert [c.name for c in uow.cycles.cycles(FRAMEWORK)] == ["2026-27"]  # Feb 2027


def test_a_long_action_plan_fits_one_private_reply(world: World) -> None:
    world.grade_domain_4({"4.1": "2223", "4.2": "1112", "4.3": "3333", "4.4": "4443"})
    for number in range(30):
        add(world, "4.1", text=f"Action {number:02d} " + "x" * 990)
    listed = world.assess("actions").text
    assert len(listed) <= 3000
    assert "30 action(s), 30 open" in listed
    assert "more: the workbook from `/assess report` has them all" in listed
    assert "Action 00 " in listed and "/assess actions done N" in listed


def test_home_lists_an_open_revote_as_waiting(world: World) -> None:
    world.grade_domain_4({"4.1": "1433", "4.2": "3333", "4.3": "3333", "4.4": "3333"})
    flagged = next(
        p.view
        for p in world.chat.posted
        if isinstance(p.view, QuestionCardView) and p.view.question_id == "4.1"
    )
    assert world.reporting.home(PARTICIPATION[0]).waiting == ()
    reply = world.facilitator.start_revote(CHAIR, flagged.round_id, flagged.round_question_id)
    assert not reply.is_refusal, reply.text

    waiting = world.reporting.home(PARTICIPATION[0]).waiting
    assert [q.question_id for q in waiting] == ["4.1"]
    revote = [p for p in world.chat.posted if isinstance(p.view, QuestionCardView)][-1]
    assert isinstance(revote.view, QuestionCardView) and revote.view.ballot == 2
    assert waiting[0].message_id == revote.ts


def test_a_settled_summary_brings_the_add_action_message_up_to_date_in_place(
    world: World,
) -> None:
    world.grade_domain_4({"4.1": "2223", "4.2": "1433", "4.3": "3333", "4.4": "3333"})
    first = prompt_of(world)
    assert [q.question_id for q in first.questions] == ["4.1"]
    flagged = next(
        p.view
        for p in world.chat.posted
        if isinstance(p.view, QuestionCardView) and p.view.question_id == "4.2"
    )
    decided = world.facilitator.decide(
        CHAIR, flagged.round_id, flagged.round_question_id, 1, "Not yet in place"
    )
    assert not decided.is_refusal, decided.text

    assert len(world.board.files_named("domain-4-chart.png")) == 2, "a chart of the final grades"
    prompt_of(world)  # still one Add action message, redrawn rather than posted again
    ((_, ts, redrawn),) = [u for u in world.board.updated if isinstance(u[2], ActionPromptView)]
    assert isinstance(redrawn, ActionPromptView)
    assert [q.question_id for q in redrawn.questions] == ["4.1", "4.2"]
    with world.uow() as uow:
        assert ts == uow.outbox.sent_message_id("action-prompt:1")
        assert uow.outbox.status_of("action-prompt:1:updated") == "updated"


def test_a_settled_summary_posts_the_add_action_message_when_there_was_none(
    world: World,
) -> None:
    world.grade_domain_4({"4.1": "3333", "4.2": "1433", "4.3": "3333", "4.4": "3333"})
    assert [v for _, v in world.board.posted if isinstance(v, ActionPromptView)] == []
    flagged = next(
        p.view
        for p in world.chat.posted
        if isinstance(p.view, QuestionCardView) and p.view.question_id == "4.2"
    )
    world.facilitator.decide(CHAIR, flagged.round_id, flagged.round_question_id, 2, "Reason")
    prompt = prompt_of(world)  # nothing to act on before, so one is posted now
    assert [q.question_id for q in prompt.questions] == ["4.2"]
    assert world.board.updated == []


def test_the_updated_add_action_message_waits_for_the_first_to_be_sent(world: World) -> None:
    world.board.transient_failures = 2  # the chart and the first Add action message meet a hiccup
    world.grade_domain_4({"4.1": "2223", "4.2": "1433", "4.3": "3333", "4.4": "3333"})
    assert [v for _, v in world.board.posted if isinstance(v, ActionPromptView)] == []
    flagged = next(
        p.view
        for p in world.chat.posted
        if isinstance(p.view, QuestionCardView) and p.view.question_id == "4.2"
    )
    world.facilitator.decide(CHAIR, flagged.round_id, flagged.round_question_id, 1, "Reason")
    with world.uow() as uow:
        assert uow.outbox.status_of("action-prompt:1") == "pending"
        assert uow.outbox.status_of("action-prompt:1:updated") == "pending"

    for _ in range(3):  # retries fall due
        world.clock.advance(minutes=5)
        world.facilitator.delivery.send_due()
    prompt = prompt_of(world)
    assert [q.question_id for q in prompt.questions] == ["4.1", "4.2"]
    with world.uow() as uow:
        assert uow.outbox.status_of("action-prompt:1:updated") == "updated"
