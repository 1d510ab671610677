"""The set-up form: what it shows (pre-filled with what is in force) and what a chair submits.

Field names (``FIELD_*``, ``subgroup_field``, ``domain_field``) key the problems shown beside
the fields; each front end uses them as its inputs' ids."""

from __future__ import annotations

from dataclasses import dataclass, field

FIELD_BOARD_NAME = "board_name"
FIELD_BOARD_CHANNEL = "board_channel"
FIELD_CHAIRS = "chairs"
FIELD_FRAMEWORK = "framework"
FIELD_DEADLINE = "deadline"
FIELD_REMIND_BEFORE = "remind_before"
FIELD_REVOTE_DEADLINE = "revote_deadline"
FIELD_QUORUM = "quorum"
FIELD_AGREE_SHARE = "agree_share"
FIELD_MAX_SPREAD = "max_spread"
FIELD_ANONYMOUS = "anonymous"
#: how many sub-group rows the form has at most (existing ones, then empty ones to fill in)
MAX_SUBGROUPS = 8
EMPTY_ROWS = 2


def subgroup_field(row: int, part: str) -> str:
    """A sub-group row's field: ``part`` is "name" or "channel"."""
    return f"subgroup_{row}_{part}"


def domain_field(number: int) -> str:
    return f"domain_{number}"


@dataclass(frozen=True)
class SubgroupRow:
    """One sub-group row of the form; ``key`` None for a row not saved yet."""

    key: str | None
    name: str
    channel: str | None
    members: tuple[str, ...] | None = None  # a fixed list kept from the configuration

    @property
    def is_empty(self) -> bool:
        return not self.name.strip() and not self.channel


@dataclass(frozen=True)
class DomainRow:
    number: int
    title: str
    subgroup_row: int | None  # the sub-group row that grades it


@dataclass(frozen=True)
class SetupValues:
    """The form's values: what is in force, or what a chair submitted."""

    board_name: str
    board_channel: str | None
    chairs: tuple[str, ...]
    subgroups: tuple[SubgroupRow, ...]
    assignments: dict[int, int | None]  # domain -> sub-group row
    framework: str
    deadline: str
    remind_before: str
    revote_deadline: str
    quorum: str  # percent
    agree_share: str  # percent
    max_spread: str
    anonymous: bool


@dataclass(frozen=True)
class SetupSubmission:
    """A chair's submitted form, based on the version it showed."""

    based_on: int
    values: SetupValues


@dataclass(frozen=True)
class SetupFormView:
    based_on: int  # the version shown (0: nothing saved yet)
    first_run: bool  # whoever saves it becomes the first chair
    values: SetupValues
    domains: tuple[DomainRow, ...]
    frameworks: tuple[tuple[str, str], ...]  # (name, title)
    needs_invite: tuple[str, ...] = ()  # chosen channels the app must be invited to
    problems: dict[str, str] = field(default_factory=dict)  # field -> what is wrong
    notice: str | None = None  # said above the fields (say, that the settings changed)
