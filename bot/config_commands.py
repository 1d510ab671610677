"""`python -m bot config import FILE` and `python -m bot config export [FILE]`: the configuration
saved in the database, to and from a YAML file, for those who keep configuration in files.

Only the database's URL and the platform are needed (no chat secrets)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.clock import SystemClock
from bot.composition import (
    check_assignments,
    chosen_platform,
    config_file_loader,
    open_database,
)
from bot.config import Settings
from bot.config_versions import ConfigChanged, describe_changes, same, to_yaml
from bot.errors import StartupError
from bot.services.configuration import ConfigInForce, FrameworkLibrary
from storage.database import make_session_factory
from storage.unit_of_work import SqlUnitOfWorkFactory

USAGE = (
    "usage: python -m bot config import FILE   (replace the configuration in force with FILE's)\n"
    "       python -m bot config export [FILE] (write the configuration in force as YAML)"
)
IMPORTED_BY = "import"


def stored_configuration(env: Mapping[str, str]) -> tuple[ConfigInForce, str]:
    values = Settings.values_from_environment(env)
    platform = chosen_platform(env, values["app_config_path"])
    engine = open_database(values["database_url"])
    uow_factory = SqlUnitOfWorkFactory(make_session_factory(engine))
    frameworks = FrameworkLibrary(values["question_data_dir"])
    in_force = ConfigInForce(uow_factory, frameworks, SystemClock(), platform)
    in_force.refresh()
    return in_force, platform


def import_file(in_force: ConfigInForce, platform: str, path: Path) -> str:
    """Save ``path``'s configuration as a new version; what was done, in words."""
    config = config_file_loader(platform)(path)
    check_assignments(config, in_force.frameworks.require(config.framework), str(path))
    if in_force.is_set and same(config, in_force.config):
        return f"{path} says what version {in_force.number} says already: nothing saved."
    changes = describe_changes(in_force.config if in_force.is_set else None, config)
    try:
        version = in_force.save(config, in_force.number, IMPORTED_BY)
    except ConfigChanged:
        raise StartupError("someone saved the settings at the same moment: try again") from None
    return f"Saved {path} as version {version.number} ({changes})."


def export_config(in_force: ConfigInForce, path: Path | None) -> str:
    if not in_force.is_set:
        raise StartupError("nothing is set up yet: there is no configuration to export")
    text = f"# version {in_force.number} of the configuration in force\n" + to_yaml(in_force.config)
    if path is None:
        sys.stdout.write(text)
        return ""
    path.write_text(text, encoding="utf-8")
    return f"Wrote version {in_force.number} to {path}."


def run(arguments: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    """The `config` command; its exit status (2 for a mistake, said on stderr)."""
    verb, rest = (arguments[0], list(arguments[1:])) if arguments else ("", [])
    if verb not in ("import", "export") or len(rest) > 1 or (verb == "import" and not rest):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        in_force, platform = stored_configuration(os.environ if env is None else env)
        if verb == "import":
            said = import_file(in_force, platform, Path(rest[0]))
        else:
            said = export_config(in_force, Path(rest[0]) if rest else None)
    except StartupError as exc:
        print(f"Cannot {verb}: {exc}", file=sys.stderr)
        return 2
    if said:
        print(said)
    return 0
