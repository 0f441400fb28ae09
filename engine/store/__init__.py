from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

Row: TypeAlias = Mapping[Any, Any]
"""A row read by column name: SQLAlchemy's ``RowMapping`` (what queries return) or a dict.
Not ``Mapping[str, Any]``: a RowMapping is keyed by name or column, and a Mapping's key type
is invariant."""
