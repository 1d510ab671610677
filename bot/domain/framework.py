"""The assessment framework: domains, questions, prompts and the grade scale, loaded from YAML."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from bot.errors import load_yaml_model

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GradeLevel(_Strict):
    value: int = Field(ge=1, le=9)
    label: NonEmpty


class Question(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+$")]
    text: NonEmpty
    prompts: tuple[NonEmpty, ...] = ()


class Domain(_Strict):
    number: int = Field(ge=1)
    title: NonEmpty
    questions: tuple[Question, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_follow_the_domain(self) -> Domain:
        for position, question in enumerate(self.questions, start=1):
            expected = f"{self.number}.{position}"
            if question.id != expected:
                raise ValueError(
                    f"question {position} of domain {self.number} has id {question.id!r}; "
                    f"expected {expected!r}"
                )
        return self

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


class Framework(_Strict):
    id: NonEmpty
    title: NonEmpty
    publisher: NonEmpty | None = None
    published: NonEmpty | None = None
    grade_scale: tuple[GradeLevel, ...] = Field(min_length=4, max_length=4)
    domains: tuple[Domain, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Framework:
        values = [level.value for level in self.grade_scale]
        if values != list(range(1, len(values) + 1)):
            raise ValueError(f"grade_scale values must run 1, 2, 3, … in order; got {values}")
        numbers = [d.number for d in self.domains]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"domains must be numbered 1, 2, 3, … in order; got {numbers}")
        return self

    @property
    def domain_numbers(self) -> range:
        return range(1, len(self.domains) + 1)

    def domain(self, number: int) -> Domain | None:
        if number in self.domain_numbers:
            return self.domains[number - 1]
        return None

    def question(self, question_id: str) -> Question | None:
        domain_part = question_id.split(".", 1)[0]
        is_number = re.fullmatch(r"[0-9]{1,6}", domain_part) is not None
        domain = self.domain(int(domain_part)) if is_number else None
        return domain.question(question_id) if domain else None

    def grade_label(self, grade: int) -> str:
        return self.grade_scale[grade - 1].label

    @property
    def max_grade(self) -> int:
        return len(self.grade_scale)


def load_framework(path: Path) -> Framework:
    """Load and validate a question bank; raise StartupError naming the file, place and problem."""
    return load_yaml_model(path, Framework, "question bank")


def framework_path(question_data_dir: Path, name: str) -> Path:
    return question_data_dir / f"{name}.yaml"
