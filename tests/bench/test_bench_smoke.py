"""The bench runs: a tiny burst (2 electors, 16 votes, SQLite) goes through every step of
`make bench` on each platform and prints its tables. Only that it runs is checked, never a time."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.trust import ROOT


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_a_tiny_bench_runs_and_prints_its_tables(platform: str) -> None:
    tiny = ["--electors", "2", "--in-flight", "4", "--database", "sqlite", "--only", platform]
    done = subprocess.run(
        [sys.executable, "-m", "bench.vote_burst", *tiny],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    name = platform.title()
    assert f"| {name} SQLite ours " in done.stdout, done.stdout
    assert f"| {name} SQLite floor " in done.stdout, done.stdout
    assert "16 / 16 / 16" in done.stdout, done.stdout  # votes sent / stored / distinct
    assert "Not measured" not in done.stdout, done.stdout
