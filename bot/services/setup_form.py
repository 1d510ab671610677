"""The set-up form's values: drawn from a configuration, and read back into one (with the
problems to show beside the fields when they do not make one)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from bot.config import AppConfig
from bot.config_versions import describe_compact
from bot.domain.durations import DurationTooLong, describe_duration, parse_duration
from bot.domain.framework import Framework
from bot.views.setup import (
    EMPTY_ROWS,
    FIELD_AGREE_SHARE,
    FIELD_BOARD_CHANNEL,
    FIELD_BOARD_NAME,
    FIELD_CHAIRS,
    FIELD_DEADLINE,
    FIELD_MAX_SPREAD,
    FIELD_QUORUM,
    FIELD_REMIND_BEFORE,
    FIELD_REVOTE_DEADLINE,
    MAX_SUBGROUPS,
    SetupValues,
    SubgroupRow,
    domain_field,
    subgroup_field,
)

Problems = dict[str, str]
FIRST_SUBGROUP = ("board", "Board")


def values_of(config: AppConfig, framework: Framework) -> SetupValues:
    """The form's values for ``config``, with empty rows to add sub-groups."""
    rows = [
        SubgroupRow(key, sub.name, sub.channel, sub.members)
        for key, sub in config.subgroups.items()
    ]
    rows += [SubgroupRow(None, "", None)] * max(0, min(EMPTY_ROWS, MAX_SUBGROUPS - len(rows)))
    keys = list(config.subgroups)
    assignments = {
        number: keys.index(config.assignments[number])
        if config.assignments.get(number) in keys
        else None
        for number in framework.domain_numbers
    }
    return SetupValues(
        board_name=config.board.name,
        board_channel=config.board.channel or None,
        chairs=tuple(config.board.chairs),
        subgroups=tuple(rows),
        assignments=assignments,
        framework=config.framework,
        deadline=describe_compact(config.voting.deadline),
        remind_before=describe_compact(config.voting.remind_before),
        revote_deadline=describe_compact(config.voting.revote_deadline),
        quorum=percent(config.voting.quorum),
        agree_share=percent(config.consensus.agree_share),
        max_spread=str(config.consensus.max_spread),
        anonymous=config.voting.anonymous,
    )


def first_values(
    unset: AppConfig, framework: Framework, user_id: str, here: str | None
) -> SetupValues:
    """A first run's form: the person setting up as chair, the channel they are in as the
    board's, and the board grading every domain until sub-groups are added."""
    values = values_of(unset, framework)
    key, name = FIRST_SUBGROUP
    rows = (SubgroupRow(key, name, here), *values.subgroups)
    return SetupValues(
        **{
            **values.__dict__,
            "board_channel": here,
            "chairs": (user_id,),
            "subgroups": rows[:MAX_SUBGROUPS],
            "assignments": dict.fromkeys(framework.domain_numbers, 0),
        }
    )


def percent(share: float) -> str:
    return f"{round(share * 100)}"


def read_values(
    values: SetupValues, framework: Framework, platform: str | None
) -> tuple[AppConfig | None, Problems]:
    """The configuration ``values`` make, or the problems to show beside their fields."""
    problems: Problems = {}
    if not values.board_name.strip():
        problems[FIELD_BOARD_NAME] = "Give the board a name."
    if not values.board_channel:
        problems[FIELD_BOARD_CHANNEL] = "Pick the channel the board's summaries go to."
    if not values.chairs:
        problems[FIELD_CHAIRS] = "Keep at least one chair: the board needs someone to run it."
    subgroups, keys = _subgroups(values.subgroups, problems)
    assignments = _assignments(values, framework, keys, problems)
    voting = _voting(values, problems)
    consensus = _consensus(values, problems)
    if problems:
        return None, problems
    document: dict[str, Any] = {
        "framework": values.framework,
        "board": {
            "name": values.board_name.strip(),
            "channel": values.board_channel,
            "chairs": list(dict.fromkeys(values.chairs)),
        },
        "subgroups": subgroups,
        "assignments": assignments,
        "voting": voting,
        "consensus": consensus,
    }
    if platform:
        document["platform"] = platform
    try:
        return AppConfig.model_validate(document), {}
    except ValidationError as exc:
        return None, {FIELD_BOARD_NAME: _first_error(exc)}


def _subgroups(
    rows: tuple[SubgroupRow, ...], problems: Problems
) -> tuple[dict[str, Any], dict[int, str]]:
    """The sub-groups the rows name, and each filled row's key."""
    subgroups: dict[str, Any] = {}
    keys: dict[int, str] = {}
    names: set[str] = set()
    for row_number, row in enumerate(rows):
        if row.is_empty:
            continue
        name = row.name.strip()
        if not name:
            problems[subgroup_field(row_number, "name")] = "Give this sub-group a name."
            continue
        if not row.channel:
            problems[subgroup_field(row_number, "channel")] = f"Pick the {name}'s channel."
            continue
        if name.lower() in names:
            problems[subgroup_field(row_number, "name")] = f"Two sub-groups are called {name}."
            continue
        names.add(name.lower())
        key = row.key or new_key(name, {*subgroups, *(r.key for r in rows if r.key)})
        keys[row_number] = key
        entry: dict[str, Any] = {"name": name, "channel": row.channel}
        if row.members is not None:
            entry["members"] = list(row.members)
        subgroups[key] = entry
    if not subgroups and not problems:
        problems[subgroup_field(0, "name")] = "Add at least one sub-group (the board can be one)."
    return subgroups, keys


def new_key(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "subgroup"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _assignments(
    values: SetupValues, framework: Framework, keys: dict[int, str], problems: Problems
) -> dict[int, str]:
    assignments: dict[int, str] = {}
    for number in framework.domain_numbers:
        row = values.assignments.get(number)
        if row is None:
            problems[domain_field(number)] = f"Pick the sub-group that grades domain {number}."
        elif row not in keys:
            rows = values.subgroups
            named = rows[row].name.strip() if row < len(rows) else ""
            problems[domain_field(number)] = (
                f"The {named} row has no channel: pick one, or give domain {number} to "
                "another sub-group."
                if named
                else f"That sub-group row is empty: pick another for domain {number}."
            )
        else:
            assignments[number] = keys[row]
    return assignments


def _voting(values: SetupValues, problems: Problems) -> dict[str, Any]:
    deadline = _duration(values.deadline, FIELD_DEADLINE, problems)
    remind = _duration(values.remind_before, FIELD_REMIND_BEFORE, problems)
    _duration(values.revote_deadline, FIELD_REVOTE_DEADLINE, problems)
    if deadline and remind and remind >= deadline:
        problems[FIELD_REMIND_BEFORE] = (
            "The reminder must come before the deadline: make it shorter."
        )
    quorum = _share(values.quorum, FIELD_QUORUM, problems)
    return {
        "deadline": values.deadline.strip(),
        "remind_before": values.remind_before.strip(),
        "revote_deadline": values.revote_deadline.strip(),
        "quorum": quorum,
        "anonymous": values.anonymous,
    }


def _consensus(values: SetupValues, problems: Problems) -> dict[str, Any]:
    share = _share(values.agree_share, FIELD_AGREE_SHARE, problems)
    spread_text = values.max_spread.strip()
    if not re.fullmatch(r"[0-3]", spread_text):
        problems[FIELD_MAX_SPREAD] = "Use a whole number from 0 to 3 (grades apart)."
        spread = 0
    else:
        spread = int(spread_text)
    return {"agree_share": share, "max_spread": spread}


def _duration(text: str, name: str, problems: Problems) -> timedelta | None:
    try:
        return parse_duration(text.strip())
    except DurationTooLong as exc:
        problems[name] = f"That is too long: the longest is {describe_duration(exc.limit)}."
    except ValueError:
        problems[name] = "Use a whole number and s, m, h or d, for example 7d."
    return None


def _share(text: str, name: str, problems: Problems) -> float:
    cleaned = text.strip().removesuffix("%").strip()
    if not re.fullmatch(r"[0-9]{1,3}", cleaned) or not 1 <= int(cleaned) <= 100:
        problems[name] = "Use a percentage from 1 to 100."
        return 1.0
    return int(cleaned) / 100


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    place = ".".join(str(part) for part in error["loc"])
    return f"{place}: {error['msg']}"
