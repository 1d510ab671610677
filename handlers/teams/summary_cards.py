"""A domain's summary for the board channel as one or more cards, each within Teams' 28 KB:
the first with the headline, the rest (for the post's replies) continuing it. Each question's
facts (outcome, distribution, turnout) are never cut; a comment or reason is cut with "…" and
a pointer, and comments that do not fit are counted."""

from __future__ import annotations

from typing import Any

from bot.domain.rounds import Settlement
from bot.views.facts import settled_words
from bot.views.rounds import DomainSummaryView, QuestionSummaryView
from handlers.teams.adaptive import (
    SAFE_CARD_BYTES,
    Card,
    Element,
    card_bytes,
    distribution_line,
    plain,
    text_block,
)
from handlers.teams.member_cards import comment_elements, member_elements
from handlers.teams.text import TeamsText

#: what one question's comments may take, so that a question always fits a card
COMMENTS_BUDGET = 16_000


def settled_text(card: Card, q: QuestionSummaryView, labels: tuple[str, ...]) -> str:
    return card.say(settled_words(q, labels))


def question_elements(card: Card, q: QuestionSummaryView, labels: tuple[str, ...]) -> list[Element]:
    """One question's facts, then the chair's reason and the comments."""
    shown_round = q.ballot - 1 if q.settlement is Settlement.OPEN else q.ballot
    facts = (
        f"**{q.question_id}** {plain(q.text)}\n\n{settled_text(card, q, labels)}\n\n"
        f"{distribution_line(q.distribution, labels)} · Turnout {q.participants} of "
        f"{q.electorate_size}" + (f" (round {shown_round})" if q.ballot > 1 else "")
    )
    elements = [text_block(facts, separator=True)]
    if q.settlement is Settlement.DECIDED and q.decision is not None:
        elements.append(text_block(f"_Reason for {q.question_id}:_"))
        elements.extend(member_elements(card, q.decision.rationale, q.question_id, "reason"))
    if q.comments:
        elements.extend(
            comment_elements(
                card,
                f"_Comments on {q.question_id}:_",
                q.comments,
                q.question_id,
                budget=COMMENTS_BUDGET,
            )
        )
    return elements


def _first_card(teams: TeamsText, view: DomainSummaryView) -> Card:
    card = Card(teams)
    updated = "\n\n_Updated after discussion: every flagged question now has a grade._"
    card.add(
        text_block(
            f"Domain {view.domain} graded by the {plain(view.subgroup_name)}",
            size="Large",
            weight="Bolder",
        ),
        text_block(
            f"**{view.domain}. {plain(view.domain_title)}**\n\n{view.headline()}"
            + (updated if view.updated else "")
        ),
    )
    return card


def render_summary(teams: TeamsText, view: DomainSummaryView) -> list[dict[str, Any]]:
    """The summary as cards: the first for the board channel, the rest for its replies."""
    labels = view.scale.labels
    cards = [_first_card(teams, view)]
    for q in view.questions:
        trial = Card(teams)
        elements = question_elements(trial, q, labels)
        current = cards[-1]
        grown = Card(teams, current.body + elements, [], current.entities + trial.entities)
        if card_bytes(grown.json()) > SAFE_CARD_BYTES and len(current.body) > 0:
            cards.append(Card(teams))
            current = cards[-1]
        current.add(*elements)
        for entity in trial.entities:
            if entity not in current.entities:
                current.entities.append(entity)
    total = len(cards)
    for number, card in enumerate(cards[1:], start=2):
        card.body.insert(
            0,
            text_block(f"Domain {view.domain} summary, part {number} of {total}", weight="Bolder"),
        )
    return [card.json() for card in cards]
