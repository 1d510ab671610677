"""The question bank is a word-for-word transcription of the Audit Commission's tool.

Checks question_data/are-we-there-yet-2008.yaml against the plain-text conversion of
"Are we there yet?" (shared/seeds/001_7588cbb34bd4653f.txt).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
BANK_PATH = REPO_ROOT / "question_data" / "are-we-there-yet-2008.yaml"
SEED_PATH = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "001_7588cbb34bd4653f.txt"

EXPECTED_COUNTS = [6, 8, 2, 4, 4, 4, 8]


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def bank() -> dict[str, Any]:
    data = yaml.safe_load(BANK_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED_PATH.is_file():
        pytest.skip(f"seed text not available at {SEED_PATH}")
    return SEED_PATH.read_text(encoding="utf-8")


def _domains(bank: dict[str, Any]) -> list[dict[str, Any]]:
    domains = bank["domains"]
    assert isinstance(domains, list)
    return domains


def test_counts_per_domain(bank: dict[str, Any]) -> None:
    domains = _domains(bank)
    assert [d["number"] for d in domains] == list(range(1, 8))
    assert [len(d["questions"]) for d in domains] == EXPECTED_COUNTS
    assert sum(len(d["questions"]) for d in domains) == 36


def test_ids_are_numbered_in_order(bank: dict[str, Any]) -> None:
    for domain_no, domain in enumerate(_domains(bank), start=1):
        ids = [q["id"] for q in domain["questions"]]
        assert ids == [f"{domain_no}.{n}" for n in range(1, len(ids) + 1)]


def test_no_text_is_empty(bank: dict[str, Any]) -> None:
    for domain in _domains(bank):
        assert isinstance(domain["title"], str) and domain["title"].strip()
        for question in domain["questions"]:
            assert isinstance(question["text"], str) and question["text"].strip(), question["id"]
            assert isinstance(question["prompts"], list), question["id"]
            for prompt in question["prompts"]:
                assert isinstance(prompt, str) and prompt.strip(), question["id"]


def test_every_text_appears_verbatim_in_seed(bank: dict[str, Any], seed_text: str) -> None:
    seed = _collapse(seed_text)
    missing: list[str] = []
    for domain in _domains(bank):
        for question in domain["questions"]:
            for text in [question["text"], *question["prompts"]]:
                if _collapse(text) not in seed:
                    missing.append(f"{question['id']}: {text}")
    assert not missing, "not found verbatim in the seed:\n" + "\n".join(missing)


def test_domain_titles_are_seed_headings(bank: dict[str, Any], seed_text: str) -> None:
    headings = {_collapse(line[2:]) for line in seed_text.splitlines() if line.startswith("# ")}
    for domain in _domains(bank):
        assert _collapse(domain["title"]) in headings, domain["title"]
