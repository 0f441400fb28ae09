from __future__ import annotations

import re
from pathlib import Path

from migrate.messages import MESSAGES

ROOT = Path(__file__).resolve().parents[2]
_ID = r"[a-z0-9]+(?:-[a-z0-9]+)+"
_USES = [
    re.compile(rf'Severity\.[A-Z]+,\s*"({_ID})"'),
    re.compile(rf'"({_ID})" if [^\n]+ else "({_ID})"'),
    re.compile(rf'_problem\([^,]+,[^,]+,\s*"({_ID})"'),
    re.compile(rf'failed\([^)]*?"({_ID})"\)', re.S),
]


def ids_in_source() -> set[str]:
    found: set[str] = set()
    for module in (ROOT / "migrate").glob("*.py"):
        text = module.read_text(encoding="utf-8")
        for pattern in _USES:
            for match in pattern.finditer(text):
                found.update(g for g in match.groups() if g)
    return found


def test_every_message_id_used_in_the_source_is_catalogued() -> None:
    assert ids_in_source() - set(MESSAGES) == set()


def test_every_catalogued_message_id_is_documented() -> None:
    doc = (ROOT / "docs" / "migration.md").read_text(encoding="utf-8")
    assert {m for m in MESSAGES if f"`{m}`" not in doc} == set()
