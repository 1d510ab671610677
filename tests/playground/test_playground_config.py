"""teams/playground/app.yaml (what `make playground` runs) names the Playground's own channels and
people (teams/playground/.m365agentsplayground.yml), and the tests' world is that file."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.config import AppConfig
from tests.playground.world import COMMITTED_CONFIG, ROOT, World, load_world

APP_CONFIG = ROOT / "teams" / "playground" / "app.yaml"


def app_config() -> AppConfig:
    document = yaml.safe_load(APP_CONFIG.read_text(encoding="utf-8"))
    assert document.pop("platform") == "teams"
    if "platform" in AppConfig.model_fields:
        document["platform"] = "teams"
    return AppConfig.model_validate(document)


def test_the_app_config_names_the_playgrounds_channels_and_people() -> None:
    config = app_config()
    world = load_world()
    channels = {channel.id for channel in world.channels}
    people = {user.aad_object_id for user in world.everyone}
    assert config.board.channel == world.team_id
    assert set(config.board.chairs) == {world.current_user.aad_object_id}
    assert {s.channel for s in config.subgroups.values()} == channels
    for subgroup in config.subgroups.values():
        assert set(subgroup.members or ()) <= people
    assert sorted(config.assignments) == [1, 2, 3, 4, 5, 6, 7]


def test_the_world_writes_back_as_it_was_read(tmp_path: Path) -> None:
    world = load_world()
    assert load_world(world.write(tmp_path)) == world
    committed = yaml.safe_load(COMMITTED_CONFIG.read_text(encoding="utf-8"))
    assert World.from_document(committed).document() == committed
