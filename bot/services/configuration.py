"""The configuration in force: the newest saved version, read from the database, and the
framework it names. Versions never change once saved, so each round's own is kept to hand."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import structlog

from bot.config import AppConfig, BoardConfig
from bot.config_versions import ConfigChanged, ConfigVersion, same
from bot.domain.framework import Framework, framework_path, load_framework
from bot.domain.rounds import Round
from bot.errors import StartupError
from bot.ports import Clock, UnitOfWorkFactory

log = structlog.get_logger(__name__)

DEFAULT_FRAMEWORK = "are-we-there-yet-2008"


class FrameworkLibrary:
    """The question banks under one folder, each loaded once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._loaded: dict[str, Framework] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        return sorted(path.stem for path in self.directory.glob("*.yaml"))

    def get(self, name: str) -> Framework | None:
        """The framework ``name``; None when there is no such file or it does not load."""
        with self._lock:
            if name not in self._loaded:
                path = framework_path(self.directory, name)
                if not path.is_file():
                    return None
                try:
                    self._loaded[name] = load_framework(path)
                except StartupError:
                    log.warning("framework_unreadable", framework=name)
                    return None
            return self._loaded[name]

    def require(self, name: str) -> Framework:
        framework = self.get(name)
        if framework is None:
            return load_framework(framework_path(self.directory, name))  # says what is wrong
        return framework


def unset_config(framework: str = DEFAULT_FRAMEWORK) -> AppConfig:
    """What is in force before anyone has set the board up: no board, no chairs, no sub-groups
    (every chair check fails; commands other than set-up say that set-up comes first)."""
    board = BoardConfig.model_construct(name="", channel="", chairs=())
    return AppConfig.model_construct(
        framework=framework,
        board=board,
        subgroups={},
        assignments={},
        **{
            name: field.default
            for name, field in AppConfig.model_fields.items()
            if name in ("platform", "voting", "consensus")
        },
    )


Listener = Callable[["ConfigInForce"], None]


class ConfigInForce:
    """The newest saved version (``version`` None until the first is saved) and its framework.

    ``refresh`` reads the newest version's number (one small query) and, when it changed, loads
    it and tells the listeners, so every worker follows a change another one saved."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        frameworks: FrameworkLibrary,
        clock: Clock,
        platform: str | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.frameworks = frameworks
        self.clock = clock
        self.platform = platform
        self.version: ConfigVersion | None = None
        self.config: AppConfig = unset_config()
        self.framework: Framework = frameworks.require(self.config.framework)
        self.listeners: list[Listener] = []
        self._versions: dict[int, AppConfig] = {}
        self._lock = threading.Lock()

    @property
    def number(self) -> int:
        return self.version.number if self.version else 0

    @property
    def is_set(self) -> bool:
        return self.version is not None

    def refresh(self) -> None:
        with self.uow_factory() as uow:
            if uow.configs.newest_number() == self.number:
                return
            newest = uow.configs.newest()
        if newest is not None:
            self.apply(newest)

    def apply(self, version: ConfigVersion) -> None:
        """Put ``version`` in force (an older one than in force is ignored)."""
        with self._lock:
            if version.number <= self.number:
                return
            framework = self.frameworks.require(version.config.framework)
            self.version, self.config, self.framework = version, version.config, framework
            self._versions[version.number] = version.config
            listeners = list(self.listeners)
        log.info("configuration_in_force", version=version.number)
        for listener in listeners:
            listener(self)

    def save(self, config: AppConfig, based_on: int, saved_by: str) -> ConfigVersion:
        """Save ``config`` as the newest version and put it in force; ConfigChanged when
        ``based_on`` is no longer the newest."""
        with self.uow_factory() as uow:
            version = uow.configs.add(config, based_on, saved_by, self.clock.now())
            uow.commit()
        log.info("configuration_saved", version=version.number, saved_by=saved_by)
        self.apply(version)
        return version

    def of_round(self, round_: Round) -> AppConfig:
        """The configuration ``round_`` started under (the one in force for older rounds)."""
        number = round_.config_version
        if number is None:
            return self.config
        known = self._versions.get(number)
        if known is None:
            with self.uow_factory() as uow:
                version = uow.configs.get(number)
            if version is None:
                return self.config
            known = self._versions.setdefault(number, version.config)
        return known


def seed_from_file(
    in_force: ConfigInForce,
    path: Path | None,
    load: Callable[[Path], AppConfig],
    check: Callable[[AppConfig, Framework], None],
) -> None:
    """`app.yaml`, when there is one: it seeds the database when nothing is saved there yet.
    Once something is, the database wins, and the log says plainly when the file differs."""
    in_force.refresh()
    if path is not None and not path.exists():
        log.warning("config_file_missing", file=str(path), said="APP_CONFIG names no file")
    if path is None or not path.exists():
        if not in_force.is_set:
            log.info(
                "not_set_up_yet",
                hint="a chair runs the set-up command in the chat (whoever saves it first "
                "becomes the first chair), or: python -m bot config import app.yaml",
            )
        return
    from_file = load(path)
    check(from_file, in_force.frameworks.require(from_file.framework))
    if not in_force.is_set:
        try:
            in_force.save(from_file, 0, "file")
        except ConfigChanged:  # another worker seeded it first
            in_force.refresh()
        return
    if not same(from_file, in_force.config):
        log.warning(
            "config_file_differs",
            file=str(path),
            in_force=in_force.number,
            said=f"{path} differs from the configuration saved in the database (version "
            f"{in_force.number}); the database's is in force. To replace it with the file: "
            f"python -m bot config import {path}",
        )
