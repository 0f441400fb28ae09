"""Where a Java delegate goes: an external-task topic or a registered Python handler.

A team chooses per class or bean in a TOML mapping (``--delegates``)::

    ["com.acme.billing.ChargeCardDelegate"]
    topic = "charge-card"

    [mailBean]
    handler = "acme.mail.send"

Anything unmapped becomes an external task whose topic is derived from the name, so a
worker in any language can take it over.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from engine.errors import InvalidRequest

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@dataclass(frozen=True)
class Target:
    kind: Literal["topic", "handler"]
    name: str
    mapped: bool  # chosen in the mapping file rather than derived


class DelegateMapping:
    def __init__(self, entries: dict[str, Target] | None = None) -> None:
        self.entries = dict(entries or {})

    @classmethod
    def load(cls, path: Path) -> DelegateMapping:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InvalidRequest(f"cannot read delegate mapping {path}: {exc}") from exc
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "mapping") -> DelegateMapping:
        entries: dict[str, Target] = {}
        for key, value in data.items():
            if not isinstance(value, dict) or len(value) != 1 or not (
                set(value) <= {"topic", "handler"}
            ) or not isinstance(next(iter(value.values())), str) or not next(iter(value.values())):
                raise InvalidRequest(
                    f"{source}: entry {key!r} must be a table with exactly one of "
                    'topic = "..." or handler = "..."'
                )
            kind, name = next(iter(value.items()))
            entries[key] = Target(kind, name, True)
        return cls(entries)

    def resolve(self, name: str) -> Target:
        """The target for a class FQCN, a bean name, or ``bean.method``."""
        if name in self.entries:
            return self.entries[name]
        if any(t.kind == "handler" and t.name == name for t in self.entries.values()):
            return Target("handler", name, True)  # a model converted with this mapping before
        bean = name.split(".", 1)[0]
        if "." in name and bean in self.entries and not _looks_like_class(name):
            return self.entries[bean]
        return Target("topic", derive_topic(name), False)


def _looks_like_class(name: str) -> bool:
    parts = name.split(".")
    return len(parts) > 1 and parts[-1][:1].isupper()


def derive_topic(name: str) -> str:
    """``com.acme.ChargeCardDelegate`` → ``charge-card-delegate``;
    ``orderService.place`` → ``order-service-place``."""
    parts = name.split(".")
    if _looks_like_class(name):
        parts = parts[-1:]
    words = [_CAMEL_BOUNDARY.sub("-", p) for p in parts if p]
    topic = "-".join(words).lower().replace("_", "-").replace("$", "-")
    return re.sub(r"-+", "-", topic).strip("-") or "delegate"
