"""Adaptive Card 1.5 building blocks for Teams, kept inside Teams' limits.

A message with a card may be at most 28 KB (``MAX_CARD_BYTES``), measured here on the card's
JSON bytes; ``SAFE_CARD_BYTES`` leaves room for the activity around it. Every card carries the
mention entities its text needs (``msteams.entities``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.domain.consensus import Distribution, OutcomeKind
from bot.views.facts import distribution_words, outcome_words
from handlers.teams.text import Entity, Rendered, TeamsText, escape_member

Element = dict[str, Any]

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_CARD_BYTES = 28 * 1024
SAFE_CARD_BYTES = 26 * 1024
MAX_TITLE = 100
MORE = "(More than fits here: see the board paper or the full list.)"


def card_bytes(card: dict[str, Any]) -> int:
    """The size Teams counts: the card's JSON, UTF-8."""
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def text_block(text: str, **options: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **options}


def quote_block(text: str) -> Element:
    """Member text, already quoted: set apart in an emphasis container."""
    return {"type": "Container", "style": "emphasis", "items": [text_block(text)]}


def execute(title: str, verb: str, data: dict[str, Any], **options: Any) -> Element:
    return {
        "type": "Action.Execute",
        "title": title[:MAX_TITLE],
        "verb": verb,
        "data": data,
        **options,
    }


def show_card(title: str, card: dict[str, Any]) -> Element:
    return {"type": "Action.ShowCard", "title": title[:MAX_TITLE], "card": card}


@dataclass
class Card:
    """A card being built: its body, its actions and the mentions its text needs."""

    teams: TeamsText
    body: list[Element] = field(default_factory=list)
    actions: list[Element] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)

    def md(self, rendered: Rendered) -> str:
        """Text with mentions: keeps their entities for this card."""
        for entity in rendered.entities:
            if entity not in self.entities:
                self.entities.append(entity)
        return rendered.text

    def say(self, text: str) -> str:
        """A core string (Composed or plain), rendered for this card."""
        return self.md(self.teams.render(text))

    def mention(self, user_id: str) -> str:
        return self.md(self.teams.mention(user_id))

    def mentions(self, user_ids: tuple[str, ...], nobody: str = "nobody yet") -> str:
        return ", ".join(self.mention(u) for u in user_ids) if user_ids else nobody

    def add(self, *elements: Element) -> Card:
        self.body.extend(elements)
        return self

    def fits(self, *elements: Element, budget: int = SAFE_CARD_BYTES) -> bool:
        """Would the card, with ``elements`` added, still be within ``budget`` bytes?"""
        return card_bytes({**self.json(), "body": self.body + list(elements)}) <= budget

    def add_if_room(self, *elements: Element) -> bool:
        """Add ``elements`` if the card still fits; once one does not, say where the rest is."""
        if self.fits(*elements, text_block(MORE)):
            self.add(*elements)
            return True
        if not self.body or self.body[-1].get("text") != MORE:
            self.add(text_block(MORE, isSubtle=True))
        return False

    def json(self) -> dict[str, Any]:
        card: dict[str, Any] = {
            "type": "AdaptiveCard",
            "$schema": CARD_SCHEMA,
            "version": CARD_VERSION,
            "body": self.body,
            "msteams": {"width": "Full", "entities": self.entities},
        }
        if self.actions:
            card["actions"] = self.actions
        return card


def sub_card(body: list[Element], actions: list[Element]) -> dict[str, Any]:
    """A card shown by an Action.ShowCard."""
    return {"type": "AdaptiveCard", "version": CARD_VERSION, "body": body, "actions": actions}


def teams_date(moment: datetime) -> str:
    """A date Teams shows in each reader's own time zone."""
    iso = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({iso}, LONG)}}}} at {{{{TIME({iso})}}}}"


def plain(text: str) -> str:
    """Text that is not ours (a question's wording from the bank, a board's name) made inert."""
    return escape_member(text)


_FACTS = TeamsText()  # the bot's facts name nobody: no lookups needed


def distribution_line(distribution: Distribution, labels: tuple[str, ...]) -> str:
    return _FACTS.render(distribution_words(distribution, labels)).text


def outcome_text(kind: OutcomeKind, grade: int | None, labels: tuple[str, ...]) -> str:
    return _FACTS.render(outcome_words(kind, grade, labels)).text
