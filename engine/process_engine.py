"""The process engine: a database, the parsed-model cache and the settings every command
needs. Commands (engine/commands/) are plain functions taking it as their first argument.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from engine.repository import SpecCache
from engine.store.database import Database, database_url_from_env
from engine.workflow_cache import WorkflowCache


@dataclass
class EngineSettings:
    name: str = "default"
    scripts_enabled: bool = field(
        default_factory=lambda: os.environ.get("M8FLOW_SCRIPTS_ENABLED", "true").lower() not in {"0", "false", "no"}
    )


class ProcessEngine:
    def __init__(self, database: Database, settings: EngineSettings | None = None) -> None:
        self.database = database
        self.settings = settings or EngineSettings()
        self.specs = SpecCache()
        self.workflows = WorkflowCache()

    @classmethod
    def from_url(cls, url: str | None = None, *, upgrade: bool = True, settings: EngineSettings | None = None) -> ProcessEngine:
        database = Database(url or database_url_from_env())
        if upgrade:
            database.upgrade_schema()
        return cls(database, settings)

    @property
    def name(self) -> str:
        return self.settings.name

    def close(self) -> None:
        self.database.dispose()
