"""The finding model shared by every converter (BPMN, DMN, forms) and by the reports.

Severities follow Camunda's own C7→C8 migration analyzer so migration engineers read our
reports the way they read theirs:
INFO (carried over as is), REVIEW (rewritten; check it), TASK (needs a human),
WARNING (may behave differently), ERROR (cannot run).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    INFO = "INFO"
    REVIEW = "REVIEW"
    TASK = "TASK"
    WARNING = "WARNING"
    ERROR = "ERROR"


class FileStatus(str, Enum):
    CONVERTED = "converted"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    message_id: str
    message: str
    element_id: str | None = None
    element_type: str | None = None
    element_name: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "elementId": self.element_id,
            "elementType": self.element_type,
            "elementName": self.element_name,
            "severity": self.severity.value,
            "messageId": self.message_id,
            "message": self.message,
            "line": self.line,
        }


@dataclass
class FileResult:
    """What happened to one input file: its kind, status, where the output went, findings."""

    path: str
    kind: str  # bpmn | dmn | form | html-form
    status: FileStatus = FileStatus.CONVERTED
    output: str | None = None
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "status": self.status.value,
            "output": self.output,
            "findings": [f.to_json() for f in self.findings],
        }


__all__ = ["Severity", "FileStatus", "Finding", "FileResult", "asdict"]
