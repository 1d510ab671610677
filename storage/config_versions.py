"""The configuration's saved versions (see bot.config_versions)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import AppConfig
from bot.config_versions import ConfigChanged, ConfigVersion, describe_changes, to_document
from storage.orm import ConfigVersionRow


class SqlConfigVersions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def newest_number(self) -> int:
        return self.session.scalar(select(func.max(ConfigVersionRow.number))) or 0

    def get(self, number: int) -> ConfigVersion | None:
        row = self.session.get(ConfigVersionRow, number)
        return _version(row) if row is not None else None

    def newest(self) -> ConfigVersion | None:
        row = self.session.scalars(
            select(ConfigVersionRow).order_by(ConfigVersionRow.number.desc()).limit(1)
        ).first()
        return _version(row) if row is not None else None

    def add(self, config: AppConfig, based_on: int, saved_by: str, at: datetime) -> ConfigVersion:
        newest = self.newest()
        newest_number = newest.number if newest else 0
        if newest_number != based_on:
            raise ConfigChanged(based_on, newest_number)
        row = ConfigVersionRow(
            number=based_on + 1,
            document=json.dumps(to_document(config), sort_keys=True),
            saved_by=saved_by,
            saved_at=at,
            changes=describe_changes(newest.config if newest else None, config),
        )
        try:  # two savers based on the same version: the primary key lets one in
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            raise ConfigChanged(based_on, based_on + 1) from None
        return _version(row)

    def history(self, limit: int) -> list[ConfigVersion]:
        rows = self.session.scalars(
            select(ConfigVersionRow).order_by(ConfigVersionRow.number.desc()).limit(limit)
        )
        return [_version(row) for row in rows]


def _version(row: ConfigVersionRow) -> ConfigVersion:
    return ConfigVersion(
        number=row.number,
        config=AppConfig.model_validate(json.loads(row.document)),
        saved_by=row.saved_by,
        saved_at=row.saved_at,
        changes=row.changes,
    )
