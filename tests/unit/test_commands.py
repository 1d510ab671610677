"""Parsing the text after `/assess` (bot/commands.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.commands import (
    CloseDomain,
    Command,
    ExtendDeadline,
    Help,
    OpenSetup,
    ShowSetup,
    StartDomain,
    Status,
    Unrecognised,
    UseChannel,
    parse_command,
    usage,
)
from handlers.slack.text import render, render_plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("domain 4", StartDomain(4)),
        ("  DOMAIN   7 ", StartDomain(7)),
        ("domain #2", StartDomain(2)),
        ("Domain\t1", StartDomain(1)),
        ("status", Status()),
        (" STATUS ", Status()),
        ("close 3", CloseDomain(3)),
        ("Close  5", CloseDomain(5)),
        ("help", Help()),
        ("HELP", Help()),
        ("", Help()),
        ("   ", Help()),
        ("?", Help()),
    ],
)
def test_recognised(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


def test_start_and_close_are_told_apart() -> None:
    assert parse_command("domain 3") != parse_command("close 3")
    assert isinstance(parse_command("close 3"), CloseDomain)


def problem(text: str) -> str:
    command = parse_command(text)
    assert isinstance(command, Unrecognised), f"{text!r} parsed as {command!r}"
    assert command.problem
    return render_plain(command.problem)  # as a Slack user reads it


@pytest.mark.parametrize("verb", ["domain", "close"])
def test_verb_without_a_number(verb: str) -> None:
    message = problem(verb)
    assert "one domain number" in message
    assert f"/assess {verb} 4" in message


def test_domain_with_a_word() -> None:
    message = problem("domain x")
    assert "`x` is not a domain number" in message
    assert "/assess domain 4" in message


def test_domain_with_two_numbers() -> None:
    assert "one domain number" in problem("domain 4 5")


@pytest.mark.parametrize("text", ["domain -1", "domain 4.5", "close four"])
def test_not_whole_numbers(text: str) -> None:
    assert "is not a domain number" in problem(text)


def test_unknown_verb() -> None:
    message = problem("frobnicate")
    assert "frobnicate" in message
    assert "don't know" in message


def test_status_takes_nothing() -> None:
    message = problem("status now")
    assert "`status` takes nothing after it" in message


def test_help_takes_nothing() -> None:
    assert "`help` takes nothing after it" in problem("help me")


@pytest.mark.parametrize("text", ["domain ²", "close ①"])
def test_digit_like_characters_are_unrecognised_not_a_crash(text: str) -> None:
    assert "is not a domain number" in problem(text)


def usage_shown(domain_count: int) -> str:
    """The usage as a Slack user reads it."""
    return render(usage(domain_count))


def test_usage() -> None:
    text = usage_shown(7)
    assert "`/assess domain N`" in text
    assert "1-7" in text
    assert "`/assess status`" in text
    assert "`/assess close N`" in text
    assert "`/assess help`" in text
    assert "1-3" in usage_shown(3)
    assert "{max}" not in text


@pytest.mark.parametrize(
    ("text", "by"),
    [("extend 4 365d", timedelta(days=365)), ("extend 4 8760h", timedelta(days=365))],
)
def test_extend_by_a_year_at_most(text: str, by: timedelta) -> None:
    assert parse_command(text) == ExtendDeadline(4, by)


@pytest.mark.parametrize("duration", ["366d", "8761h", "999999999d"])
def test_extend_longer_than_a_year_is_refused_saying_the_limit(duration: str) -> None:
    message = problem(f"extend 4 {duration}")
    assert f"`{duration}` is too long" in message
    assert "The longest extension is 365 days." in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("setup", OpenSetup()),
        ("  SETUP ", OpenSetup()),
        ("setup show", ShowSetup()),
        ("use this channel for participation", UseChannel("participation")),
        ("use this channel for Participation Sub-Group", UseChannel("Participation Sub-Group")),
    ],
)
def test_set_up_verbs_parse(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    ["setup now", "setup show all", "use this", "use that channel for x", "use this channel for"],
)
def test_set_up_verbs_used_wrongly_say_how_to_use_them(text: str) -> None:
    parsed = parse_command(text)
    assert isinstance(parsed, Unrecognised)
    assert "setup" in parsed.problem or "use this channel for" in parsed.problem
