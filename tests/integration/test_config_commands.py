"""`python -m bot config import FILE` / `config export [FILE]` on real storage."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config_commands import run

ROOT = Path(__file__).resolve().parents[2]


def env_for(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "APP_CONFIG": str(tmp_path / "absent.yaml")}


def test_import_then_export_round_trips_and_records_versions(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = env_for(database_url, tmp_path)
    assert run(["export"], env) == 2
    assert "nothing is set up yet" in capsys.readouterr().err
    assert run(["import", str(ROOT / "app.yaml")], env) == 0
    assert "as version 1 (first configuration)" in capsys.readouterr().out
    assert run(["import", str(ROOT / "app.yaml")], env) == 0
    assert "nothing saved" in capsys.readouterr().out
    exported = tmp_path / "exported.yaml"
    assert run(["export", str(exported)], env) == 0
    original = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    again = yaml.safe_load(exported.read_text(encoding="utf-8"))
    assert again["board"] == original["board"] and again["assignments"] == original["assignments"]
    changed = tmp_path / "changed.yaml"
    changed.write_text(exported.read_text(encoding="utf-8").replace("Oxfordshire", "Oxon"))
    assert run(["import", str(changed)], env) == 0
    assert "version 2 (board.name: Oxfordshire" in capsys.readouterr().out
    assert run(["export"], env) == 0
    assert "# version 2 of the configuration in force" in capsys.readouterr().out


def test_a_bad_file_or_usage_saves_nothing(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = env_for(database_url, tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("board: {name: X}\n", encoding="utf-8")
    assert run(["import", str(bad)], env) == 2
    assert "Cannot import" in capsys.readouterr().err
    assert run(["import"], env) == 2 and "usage" in capsys.readouterr().err
    assert run(["export"], env) == 2  # still nothing saved
