"""Reporting commands, and the Block Kit of the report, the Add action prompt and modal and the
Home tab, checked against Slack's limits with the emulator's validator, at their largest."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.commands import (
    ListActions,
    MarkActionDone,
    PostReport,
    ShowCycle,
    StartCycle,
    Unrecognised,
    parse_reporting_command,
)
from bot.domain.consensus import Choice, ConsensusRule, OutcomeKind, resolve, tally
from bot.domain.framework import Framework
from bot.domain.report import (
    ActionItem,
    AssessmentReport,
    DomainReport,
    DomainStatus,
    QuestionReport,
)
from bot.domain.rounds import QuestionResult, Round, RoundQuestion, Status
from bot.services.report_context import current_questions, previous_grades
from bot.views.forms import ActionFormView
from bot.views.report import (
    ActionPromptQuestion,
    ActionPromptView,
    HomeAction,
    HomeDomain,
    HomeQuestion,
    HomeView,
    ReportMessageView,
)
from bot.views.rounds import GradeScale
from handlers.slack.report_blocks import (
    MAX_VIEW_BLOCKS,
    permalink,
    render_action_modal,
    render_action_prompt,
    render_home,
    render_report,
)
from tests.e2e.harness import block_text
from tests.emulator import validate_blocks, validate_view

SCALE = GradeScale(("Inadequate", "Adequate", "Good", "Outstanding"))
RULE = ConsensusRule(quorum=0.5, agree_share=0.67, max_spread=1)
LONG = "A very long question about the board's governance <and> partners & more. " * 40


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cycle", ShowCycle()),
        ("cycle start 2026-27", StartCycle("2026-27")),
        ("CYCLE Start Year-2", StartCycle("Year-2")),  # the name keeps its case
        ("report", PostReport()),
        ("actions", ListActions()),
        ("actions done 12", MarkActionDone(12)),
        ("actions done #3", MarkActionDone(3)),
        ("domain 4", None),  # not ours: the Facilitator's
        ("status", None),
        ("", None),
    ],
)
def test_reporting_commands_parse(text: str, expected: object) -> None:
    assert parse_reporting_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "cycle start",
        "cycle start two words",
        "cycle begin 2026-27",
        "cycle start =1+1",
        "cycle start " + "x" * 41,
        "report now",
        "actions done",
        "actions done three",
        "actions close 3",
    ],
)
def test_malformed_reporting_commands_say_how(text: str) -> None:
    parsed = parse_reporting_command(text)
    assert isinstance(parsed, Unrecognised)
    assert "/assess" in parsed.problem or "`" in parsed.problem


def full_report(framework: Framework) -> AssessmentReport:
    """Every domain graded, every question with a previous grade, many actions."""
    votes = ["2223", "1112", "3333", "4443", "1144", "3344", "2233"]
    domains = []
    for domain in framework.domains:
        questions = []
        for index, question in enumerate(domain.questions):
            choices = [Choice.from_grade(int(v)) for v in votes[index % len(votes)]]
            outcome = resolve(choices, 4, RULE)
            questions.append(
                QuestionReport(
                    question_id=question.id,
                    text=question.text + " " + LONG,
                    outcome=outcome.kind,
                    grade=outcome.grade,
                    distribution=tally(choices),
                    participants=4,
                    electorate_size=4,
                    previous_grade=(index % 4) + 1,
                )
            )
        domains.append(
            DomainReport(
                number=domain.number,
                title=domain.title + " " + LONG,
                subgroup_name="Performance Management Sub-Group",
                status=DomainStatus.GRADED,
                questions=tuple(questions),
            )
        )
    return AssessmentReport(
        board_name="Oxfordshire Children and Young People's Trust " + LONG,
        cycle="2027-28",
        previous_cycle="2026-27",
        framework_title=framework.title,
        generated_at=datetime(2027, 6, 1, tzinfo=UTC),
        domains=tuple(domains),
        actions=tuple(
            ActionItem("1.1", f"Action {i}", 1 + i % 3, "Owner", date(2027, 9, 1))
            for i in range(80)
        ),
        scale=SCALE,
    )


def test_the_report_message_fits_slack_at_its_largest(framework: Framework) -> None:
    message = render_report(ReportMessageView(full_report(framework), "U0CHAIR01"))
    assert validate_blocks(message.blocks, "message") == []
    assert 0 < len(message.text) <= 3000
    shown = block_text({"blocks": message.blocks})
    assert "7. " in shown  # every domain is there
    assert "Up from" in shown and "Down from" in shown and "Same" in shown
    assert "since 2026-27" in shown


def test_add_action_prompt_and_modal_fit_slack() -> None:
    prompt = ActionPromptView(
        round_id=1,
        domain=7,
        domain_title=LONG,
        questions=tuple(
            ActionPromptQuestion(100 + i, f"7.{i}", LONG, "2 Adequate", (LONG[:300],) * 20)
            for i in range(1, 9)
        ),
    )
    message = render_action_prompt(prompt)
    assert validate_blocks(message.blocks, "message") == []
    buttons = [b["accessory"]["value"] for b in message.blocks if "accessory" in b]
    assert buttons == [str(100 + i) for i in range(1, 9)]
    form = ActionFormView(101, "7.1", LONG, "1 Inadequate", date(2027, 1, 31))
    modal = render_action_modal(form, "C0BOARD01")
    assert validate_view(modal, "modal") == []
    assert modal["private_metadata"] == "101:C0BOARD01"
    again = render_action_modal(form, "C0BOARD01", "1700000000.000100")
    assert again["private_metadata"] == "101:C0BOARD01:1700000000.000100"


def test_the_home_tab_fits_slack_for_a_member_of_every_round(framework: Framework) -> None:
    waiting = tuple(
        HomeQuestion(d.number, q.id, q.text + LONG, "C0PERF001", f"17000000{i:02d}.000100")
        for i, (d, q) in enumerate((d, q) for d in framework.domains for q in d.questions)
    )
    assert len(waiting) == sum(len(d.questions) for d in framework.domains)
    home = HomeView(
        board_name="Trust " + LONG,
        cycle="2026-27",
        domains=tuple(
            HomeDomain(
                d.number,
                d.title + LONG,
                "Sub-group " + LONG,
                DomainStatus.OPEN,
                "3 of 12 have voted",
                datetime(2026, 12, 1, tzinfo=UTC),
            )
            for d in framework.domains
        ),
        waiting=waiting,
        open_actions=45,
        is_chair=True,
        actions=tuple(HomeAction(i, LONG[:400], i % 2 == 0) for i in range(1, 21)),
        notice="Action 3 (4.2) is marked done. " + LONG,
    )
    view = render_home(home, "https://trust.slack.com/")
    assert validate_view(view, "home") == []
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    buttons = [b["accessory"]["value"] for b in view["blocks"] if "accessory" in b]
    assert buttons == [str(i) for i in range(1, 21)]  # every open action shown fits
    shown = block_text(view)
    assert shown.count("|") >= len(waiting)  # every question links to its message
    assert "<https://trust.slack.com/archives/C0PERF001/p1700000000000100|1.1>" in shown


def test_the_home_tab_without_a_cycle_or_links() -> None:
    view = render_home(HomeView("Trust", None, (), (), 0, False), None)
    assert validate_view(view, "home") == []
    shown = block_text(view)
    assert "No assessment cycle has started yet" in shown
    assert "Nothing is waiting for your vote" in shown and "/assess report" not in shown


def test_permalinks_are_formed_as_slack_forms_them() -> None:
    link = permalink("https://t.slack.com", "C1", "1700000000.000100")
    assert link == "https://t.slack.com/archives/C1/p1700000000000100"
    assert permalink(None, "C1", "1.2") is None
    assert permalink("https://t.slack.com/", "C1", None) is None


def test_the_report_reads_each_questions_latest_row() -> None:
    def row(
        row_id: int, question_id: str, position: int, grade: int | None, ballot: int = 1
    ) -> RoundQuestion:
        result = QuestionResult(
            OutcomeKind.AGREED if grade else OutcomeKind.DISAGREEMENT, grade, "rule"
        )
        return RoundQuestion(
            row_id, 1, question_id, position, Status.CLOSED, result=result, ballot=ballot
        )

    round_ = Round(
        id=1,
        framework="fw",
        domain=4,
        subgroup_key="p",
        channel_id="C1",
        status=Status.CLOSED,
        started_by="U1",
        started_at=datetime(2026, 5, 1, tzinfo=UTC),
        electorate=("U1",),
        # 4.2 was flagged, then agreed on a re-vote (its second ballot)
        questions=[row(1, "4.1", 1, 3), row(2, "4.2", 2, None), row(3, "4.2", 2, 2, ballot=2)],
    )
    assert [(q.question_id, q.final_grade) for q in current_questions(round_)] == [
        ("4.1", 3),
        ("4.2", 2),
    ]
    assert previous_grades([round_]) == {"4.1": 3, "4.2": 2}
