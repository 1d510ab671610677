"""The question bank loader (bot/framework.py) and the check that app.yaml covers every domain."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.composition import check_assignments
from bot.config import AppConfig, load_app_config
from bot.domain.framework import Framework, framework_path, load_framework
from bot.errors import StartupError
from tests import variants
from tests.variants import yaml_copy

REPO_ROOT = Path(__file__).resolve().parents[2]
QUESTION_DATA = REPO_ROOT / "question_data"
BANK = QUESTION_DATA / "are-we-there-yet-2008.yaml"


@pytest.fixture
def raw_bank() -> dict[str, Any]:
    return yaml_copy(BANK)


write_variant = partial(variants.write_variant, name="bank.yaml")
startup_error = partial(variants.startup_error, load_framework)


# --- the shipped bank ----------------------------------------------------------------------------


def test_shipped_bank_shape(framework: Framework) -> None:
    assert framework.id == "are-we-there-yet-2008"
    assert len(framework.domains) == 7
    assert [len(d.questions) for d in framework.domains] == [6, 8, 2, 4, 4, 4, 8]
    assert sum(len(d.questions) for d in framework.domains) == 36
    assert list(framework.domain_numbers) == [1, 2, 3, 4, 5, 6, 7]
    assert [d.number for d in framework.domains] == [1, 2, 3, 4, 5, 6, 7]


def test_shipped_grade_scale(framework: Framework) -> None:
    labels = [framework.grade_label(g) for g in range(1, framework.max_grade + 1)]
    assert labels == ["Inadequate", "Adequate", "Good", "Outstanding"]
    assert framework.max_grade == 4


def test_question_lookup(framework: Framework) -> None:
    question = framework.question("4.2")
    domain = framework.domain(4)
    assert domain is not None
    assert question is not None
    assert question == domain.questions[1]
    assert question.id == "4.2"
    assert question.text.startswith("How does the board ensure that the views of local")


def test_every_question_is_found_by_its_id(framework: Framework) -> None:
    for domain in framework.domains:
        for position, question in enumerate(domain.questions, start=1):
            assert question.id == f"{domain.number}.{position}"
            assert framework.question(question.id) is question


@pytest.mark.parametrize("question_id", ["4.9", "8.1", "0.1", "x.1", "4", "", "4.2.1"])
def test_unknown_question_ids(framework: Framework, question_id: str) -> None:
    assert framework.question(question_id) is None


def test_question_id_with_a_superscript_digit(framework: Framework) -> None:
    assert framework.question("².1") is None


def test_domain_lookup_out_of_range(framework: Framework) -> None:
    assert framework.domain(0) is None
    assert framework.domain(8) is None
    domain = framework.domain(7)
    assert domain is not None and domain.number == 7


def test_prompts_are_kept(framework: Framework) -> None:
    question = framework.question("7.5")
    assert question is not None
    assert len(question.prompts) == 3
    first = framework.question("6.1")
    assert first is not None and len(first.prompts) == 2


def test_framework_path() -> None:
    assert framework_path(QUESTION_DATA, "are-we-there-yet-2008") == BANK


# --- malformed banks -----------------------------------------------------------------------------


def test_question_with_empty_text(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    def blank(raw: dict[str, Any]) -> None:
        raw["domains"][0]["questions"][0]["text"] = "   "

    message = startup_error(write_variant(tmp_path, raw_bank, blank))
    assert "domains.0.questions.0.text" in message
    assert "at least 1 character" in message


def test_question_id_out_of_order(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    def renumber(raw: dict[str, Any]) -> None:
        raw["domains"][3]["questions"][1]["id"] = "4.3"

    message = startup_error(write_variant(tmp_path, raw_bank, renumber))
    assert "domains.3" in message
    assert "'4.3'" in message
    assert "expected '4.2'" in message


def test_question_id_not_a_number(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    def rename(raw: dict[str, Any]) -> None:
        raw["domains"][1]["questions"][0]["id"] = "two-one"

    assert "domains.1.questions.0.id" in startup_error(write_variant(tmp_path, raw_bank, rename))


def test_unknown_key(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    def add_key(raw: dict[str, Any]) -> None:
        raw["domains"][2]["questions"][1]["promts"] = ["typo"]

    message = startup_error(write_variant(tmp_path, raw_bank, add_key))
    assert "domains.2.questions.1.promts" in message
    assert "not permitted" in message


def test_grade_scale_with_three_levels(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    def shorten(raw: dict[str, Any]) -> None:
        raw["grade_scale"] = raw["grade_scale"][:3]

    message = startup_error(write_variant(tmp_path, raw_bank, shorten))
    assert "grade_scale" in message
    assert "at least 4" in message


def test_grade_scale_out_of_order(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    def swap(raw: dict[str, Any]) -> None:
        scale = raw["grade_scale"]
        scale[0], scale[1] = scale[1], scale[0]

    message = startup_error(write_variant(tmp_path, raw_bank, swap))
    assert "grade_scale values must run 1, 2, 3" in message


def test_domains_out_of_order(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    def drop_domain(raw: dict[str, Any]) -> None:
        del raw["domains"][4]

    message = startup_error(write_variant(tmp_path, raw_bank, drop_domain))
    assert "domains must be numbered 1, 2, 3" in message
    assert "[1, 2, 3, 4, 6, 7]" in message


def test_domain_without_questions(tmp_path: Path, raw_bank: dict[str, Any]) -> None:
    def empty(raw: dict[str, Any]) -> None:
        raw["domains"][2]["questions"] = []

    assert "domains.2.questions" in startup_error(write_variant(tmp_path, raw_bank, empty))


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text("domains: [\n  - {number: 1\n", encoding="utf-8")
    assert "not valid YAML" in startup_error(path)


def test_yaml_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    assert "(top level)" in startup_error(path)


def test_missing_bank(tmp_path: Path) -> None:
    assert "not found" in startup_error(tmp_path / "missing.yaml")


# --- check_assignments ---------------------------------------------------------------------------

TINY_BANK = """
id: tiny
title: A tiny bank
grade_scale:
  - {value: 1, label: Poor}
  - {value: 2, label: Fair}
  - {value: 3, label: Good}
  - {value: 4, label: Great}
domains:
  - number: 1
    title: One
    questions: [{id: "1.1", text: "First?"}]
  - number: 2
    title: Two
    questions: [{id: "2.1", text: "Second?"}, {id: "2.2", text: "Third?"}]
"""


def tiny_framework() -> Framework:
    return Framework.model_validate(yaml.safe_load(TINY_BANK))


def tiny_config(assignments: dict[int, str]) -> AppConfig:
    return AppConfig.model_validate(
        {
            "framework": "tiny",
            "board": {"name": "Board", "channel": "C0BOARD", "chairs": ["U0CHAIR"]},
            "subgroups": {"a": {"name": "A", "channel": "C0A"}},
            "assignments": assignments,
        }
    )


def test_check_assignments_accepts_full_coverage() -> None:
    check_assignments(tiny_config({1: "a", 2: "a"}), tiny_framework(), "app.yaml")


def test_check_assignments_rejects_an_unknown_domain() -> None:
    with pytest.raises(StartupError) as caught:
        check_assignments(tiny_config({1: "a", 2: "a", 9: "a"}), tiny_framework(), "my-app.yaml")
    message = str(caught.value)
    assert "my-app.yaml" in message
    assert "[9]" in message
    assert "1-2" in message


def test_check_assignments_rejects_a_missing_domain() -> None:
    with pytest.raises(StartupError) as caught:
        check_assignments(tiny_config({1: "a"}), tiny_framework(), "my-app.yaml")
    message = str(caught.value)
    assert "my-app.yaml" in message
    assert "[2]" in message


def test_shipped_config_covers_the_shipped_bank(framework: Framework) -> None:
    config = load_app_config(REPO_ROOT / "app.yaml")
    check_assignments(config, framework, "app.yaml")
    missing_seven = config.model_copy(
        update={"assignments": {k: v for k, v in config.assignments.items() if k != 7}}
    )
    with pytest.raises(StartupError, match=r"\[7\]"):
        check_assignments(missing_seven, framework, "app.yaml")
