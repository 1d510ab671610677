"""Configuration (bot/config.py): the shipped app.yaml, broken variants, the environment."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.composition import AppSettings as Settings
from bot.config import AppConfig, load_app_config
from bot.domain.consensus import ConsensusRule
from bot.domain.durations import MAX_DURATION, DurationTooLong, parse_duration
from bot.errors import StartupError
from handlers.slack.settings import DEFAULT_SLACK_API_URL, load_slack_app_config
from tests import variants
from tests.variants import yaml_copy

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_YAML = REPO_ROOT / "app.yaml"


@pytest.fixture(scope="module")
def shipped() -> AppConfig:
    return load_app_config(APP_YAML)


@pytest.fixture
def raw_config() -> dict[str, Any]:
    return yaml_copy(APP_YAML)


write_variant = partial(variants.write_variant, name="app.yaml")
startup_error = partial(variants.startup_error, load_app_config)


# --- the shipped app.yaml ------------------------------------------------------------------------


def test_shipped_assignments(shipped: AppConfig) -> None:
    assert shipped.assignments == {
        1: "board",
        2: "commissioning",
        3: "performance",
        4: "participation",
        5: "workforce",
        6: "performance",
        7: "performance",
    }
    assert shipped.framework == "are-we-there-yet-2008"


def test_shipped_subgroups(shipped: AppConfig) -> None:
    assert set(shipped.subgroups) == {
        "board",
        "commissioning",
        "performance",
        "participation",
        "workforce",
    }
    assert shipped.subgroups["workforce"].members == ("U0AAA", "U0BBB")
    assert shipped.subgroups["workforce"].channel == "C0WORK001"
    assert shipped.subgroups["board"].members is None
    key, subgroup = shipped.subgroup_for(5) or ("", None)
    assert key == "workforce"
    assert subgroup is not None and subgroup.name == "Workforce Sub-Group"
    assert shipped.subgroup_for(8) is None


def test_shipped_board(shipped: AppConfig) -> None:
    assert shipped.board.channel == "C0BOARD01"
    assert shipped.is_chair("U0CHAIR01")
    assert not shipped.is_chair("U0AAA")


def test_shipped_voting_and_consensus(shipped: AppConfig) -> None:
    assert shipped.voting.quorum == 0.5
    assert shipped.voting.deadline == timedelta(days=7)
    assert shipped.voting.remind_before == timedelta(days=1)
    assert shipped.rule == ConsensusRule(quorum=0.5, agree_share=0.67, max_spread=1)


def test_voting_and_consensus_have_defaults(tmp_path: Path, raw_config: dict[str, Any]) -> None:
    def drop(raw: dict[str, Any]) -> None:
        del raw["voting"]
        del raw["consensus"]

    config = load_app_config(write_variant(tmp_path, raw_config, drop))
    assert config.voting.deadline == timedelta(days=7)
    assert config.rule == ConsensusRule(quorum=0.5, agree_share=0.67, max_spread=1)


# --- broken variants -----------------------------------------------------------------------------


def test_unknown_key_is_named(tmp_path: Path, raw_config: dict[str, Any]) -> None:
    path = write_variant(tmp_path, raw_config, lambda raw: raw["voting"].update(dedline="7d"))
    message = startup_error(path)
    assert "voting.dedline" in message
    assert "not permitted" in message


def test_unknown_top_level_key_is_named(tmp_path: Path, raw_config: dict[str, Any]) -> None:
    path = write_variant(tmp_path, raw_config, lambda raw: raw.update(subgruops={}))
    assert "subgruops" in startup_error(path)


def test_subgroup_without_a_channel(tmp_path: Path, raw_config: dict[str, Any]) -> None:
    path = write_variant(
        tmp_path, raw_config, lambda raw: raw["subgroups"]["workforce"].pop("channel")
    )
    message = startup_error(path)
    assert "subgroups.workforce.channel" in message
    assert "required" in message.lower()


def test_assignment_to_an_unknown_subgroup(tmp_path: Path, raw_config: dict[str, Any]) -> None:
    path = write_variant(
        tmp_path, raw_config, lambda raw: raw["assignments"].update({5: "wrokforce"})
    )
    message = startup_error(path)
    assert "assignments.5" in message
    assert "'wrokforce'" in message
    assert "workforce" in message.replace("'wrokforce'", "")  # lists the known sub-groups


def test_bad_duration(tmp_path: Path, raw_config: dict[str, Any]) -> None:
    path = write_variant(tmp_path, raw_config, lambda raw: raw["voting"].update(deadline="7 weeks"))
    message = startup_error(path)
    assert "voting.deadline" in message
    assert "'7 weeks' is not a duration" in message


def test_quorum_above_one(tmp_path: Path, raw_config: dict[str, Any]) -> None:
    path = write_variant(tmp_path, raw_config, lambda raw: raw["voting"].update(quorum=1.5))
    message = startup_error(path)
    assert "voting.quorum" in message
    assert "less than or equal to 1" in message


@pytest.mark.parametrize("quorum", [0, -0.5])
def test_quorum_must_be_positive(tmp_path: Path, raw_config: dict[str, Any], quorum: float) -> None:
    path = write_variant(tmp_path, raw_config, lambda raw: raw["voting"].update(quorum=quorum))
    assert "voting.quorum" in startup_error(path)


def test_agree_share_above_one(tmp_path: Path, raw_config: dict[str, Any]) -> None:
    path = write_variant(tmp_path, raw_config, lambda raw: raw["consensus"].update(agree_share=2))
    assert "consensus.agree_share" in startup_error(path)


def test_max_spread_above_three(tmp_path: Path, raw_config: dict[str, Any]) -> None:
    path = write_variant(tmp_path, raw_config, lambda raw: raw["consensus"].update(max_spread=4))
    assert "consensus.max_spread" in startup_error(path)


@pytest.mark.parametrize("remind_before", ["8d", "7d"])
def test_reminder_must_come_before_the_deadline(
    tmp_path: Path, raw_config: dict[str, Any], remind_before: str
) -> None:
    path = write_variant(
        tmp_path, raw_config, lambda raw: raw["voting"].update(remind_before=remind_before)
    )
    message = startup_error(path)
    assert "remind_before must be shorter than deadline" in message


def test_bad_slack_id(tmp_path: Path, raw_config: dict[str, Any]) -> None:
    path = write_variant(
        tmp_path, raw_config, lambda raw: raw["board"].update(chairs=["#not-an-id"])
    )
    assert "board.chairs.0" in variants.startup_error(load_slack_app_config, path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    message = startup_error(path)
    assert "not found" in message
    assert "APP_CONFIG" in message


def test_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text("board: {name: [unclosed\nsubgroups: :\n", encoding="utf-8")
    assert "not valid YAML" in startup_error(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text("", encoding="utf-8")
    assert "problem" in startup_error(path)


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_bytes(b"\xff\xfe framework: x\n")
    startup_error(path)


def test_path_that_is_a_directory(tmp_path: Path) -> None:
    startup_error(tmp_path)


# --- parse_duration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        (" 3 d ", timedelta(days=3)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_parse_duration_passes_timedeltas_through() -> None:
    assert parse_duration(timedelta(hours=5)) == timedelta(hours=5)


@pytest.mark.parametrize("text", ["7 weeks", "7", "d", "0d", "-1d", "1.5h", "7D", "", None, 7])
def test_parse_duration_rejects(text: object) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


# --- Settings.from_environment -------------------------------------------------------------------

SECRETS = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "shh"}


def test_settings_defaults() -> None:
    settings = Settings.from_environment(dict(SECRETS))
    assert settings.slack_bot_token == "xoxb-test"
    assert settings.slack_signing_secret == "shh"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith(".db")
    assert settings.port == 3000
    assert settings.app_config_path is None  # no file: the board is set up in the chat
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL == "https://slack.com/api/"
    assert (settings.question_data_dir / "are-we-there-yet-2008.yaml").is_file()


def test_settings_from_values() -> None:
    settings = Settings.from_environment(
        {
            **SECRETS,
            "DATABASE_URL": "postgresql+psycopg://db/bot",
            "PORT": "8080",
            "APP_CONFIG": "/etc/bot/app.yaml",
            "SLACK_API_URL": "http://localhost:9999/api/",
            "REFRESH_INTERVAL": "0.5",
        }
    )
    assert settings.database_url == "postgresql+psycopg://db/bot"
    assert settings.port == 8080
    assert settings.app_config_path == Path("/etc/bot/app.yaml")
    assert settings.slack_api_url == "http://localhost:9999/api/"
    assert settings.refresh_interval == 0.5


@pytest.mark.parametrize(
    ("missing", "present"),
    [
        (["SLACK_BOT_TOKEN"], ["SLACK_SIGNING_SECRET"]),
        (["SLACK_SIGNING_SECRET"], ["SLACK_BOT_TOKEN"]),
        (["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"], []),
    ],
)
def test_missing_secrets_are_named(missing: list[str], present: list[str]) -> None:
    environ = {name: SECRETS[name] for name in present}
    with pytest.raises(StartupError) as caught:
        Settings.from_environment(environ)
    message = str(caught.value)
    for name in missing:
        assert name in message
    for name in present:
        assert name not in message


def test_empty_secret_counts_as_missing() -> None:
    with pytest.raises(StartupError, match="SLACK_BOT_TOKEN"):
        Settings.from_environment({**SECRETS, "SLACK_BOT_TOKEN": ""})


@pytest.mark.parametrize("port", ["abc", "0", "65536", "-1", "80.5"])
def test_bad_port(port: str) -> None:
    with pytest.raises(StartupError, match="PORT"):
        Settings.from_environment({**SECRETS, "PORT": port})


def test_port_of_superscript_digit() -> None:
    with pytest.raises(StartupError, match="PORT"):
        Settings.from_environment({**SECRETS, "PORT": "²"})


def test_bad_refresh_interval() -> None:
    with pytest.raises(StartupError, match="REFRESH_INTERVAL"):
        Settings.from_environment({**SECRETS, "REFRESH_INTERVAL": "soon"})


# --- the longest duration ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["365d", "8760h", "525600m", "31536000s", timedelta(days=365)])
def test_a_year_is_the_longest_duration(value: object) -> None:
    assert parse_duration(value) == timedelta(days=365)


@pytest.mark.parametrize(
    "value", ["366d", "8761h", "31536001s", "999999999d", timedelta(days=365, seconds=1)]
)
def test_longer_durations_are_refused_saying_the_limit(value: object) -> None:
    with pytest.raises(DurationTooLong, match="too long: the longest is 365 days") as refused:
        parse_duration(value)
    assert refused.value.limit == MAX_DURATION == timedelta(days=365)


def test_parse_duration_takes_a_shorter_limit() -> None:
    assert parse_duration("2h", timedelta(hours=2)) == timedelta(hours=2)
    with pytest.raises(DurationTooLong, match="the longest is 2 hours"):
        parse_duration("121m", timedelta(hours=2))


@pytest.mark.parametrize("key", ["deadline", "remind_before", "revote_deadline"])
def test_config_refuses_a_huge_duration_and_names_the_limit(
    tmp_path: Path, raw_config: dict[str, Any], key: str
) -> None:
    path = write_variant(
        tmp_path, raw_config, lambda raw: raw["voting"].update({key: "999999999d"})
    )
    message = startup_error(path)
    assert f"voting.{key}" in message and "the longest is 365 days" in message


def test_config_takes_a_year_long_deadline(tmp_path: Path, raw_config: dict[str, Any]) -> None:
    path = write_variant(
        tmp_path,
        raw_config,
        lambda raw: raw["voting"].update({"deadline": "365d", "revote_deadline": "365d"}),
    )
    config = load_app_config(path)
    assert config.voting.deadline == config.voting.revote_deadline == timedelta(days=365)
