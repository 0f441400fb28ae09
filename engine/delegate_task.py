"""``task`` in a task listener: Camunda's ``DelegateTask`` over the task row."""
from __future__ import annotations

from typing import Any

from engine.bpmn import juel
from engine.bpmn.script_engine import ExpressionContext


class TaskBean(juel.JuelBean):
    """``task`` in a task listener: Camunda's DelegateTask over the task row. Setters collect
    changes that are written to the row after the listeners ran."""

    __el_methods__ = frozenset({
        "getId", "getName", "setName", "getAssignee", "setAssignee", "getOwner", "setOwner",
        "getPriority", "setPriority", "getDescription", "setDescription", "getTaskDefinitionKey",
        "getProcessInstanceId", "getEventName", "getExecution", "addCandidateUser",
        "addCandidateGroup", "getVariable", "setVariable", "getVariableLocal", "setVariableLocal",
        "getFollowUpDate", "setFollowUpDate", "getDueDate", "setDueDate",
    })  # fmt: skip

    def __init__(self, row: dict[str, Any], context: ExpressionContext, event: str) -> None:
        self._row = row
        self._context = context
        self._event = event
        self.changes: dict[str, Any] = {}
        self.candidates: list[tuple[str | None, str | None]] = []

    def _get(self, column: str) -> Any:
        return self.changes.get(column, self._row.get(column))

    def getId(self) -> str:
        return self._row["id"]

    def getName(self) -> str | None:
        return self._get("name")

    def setName(self, value: str | None) -> None:
        self.changes["name"] = value

    def getAssignee(self) -> str | None:
        return self._get("assignee")

    def setAssignee(self, value: str | None) -> None:
        self.changes["assignee"] = value

    def getOwner(self) -> str | None:
        return self._get("owner")

    def setOwner(self, value: str | None) -> None:
        self.changes["owner"] = value

    def getPriority(self) -> int:
        return self._get("priority")

    def setPriority(self, value: int) -> None:
        self.changes["priority"] = int(value)

    def getDescription(self) -> str | None:
        return self._get("description")

    def setDescription(self, value: str | None) -> None:
        self.changes["description"] = value

    def getDueDate(self) -> Any:
        return self._get("due")

    def setDueDate(self, value: Any) -> None:
        self.changes["due"] = value

    def getFollowUpDate(self) -> Any:
        return self._get("follow_up")

    def setFollowUpDate(self, value: Any) -> None:
        self.changes["follow_up"] = value

    def getTaskDefinitionKey(self) -> str:
        return self._row["task_definition_key"]

    def getProcessInstanceId(self) -> str:
        return self._row["process_instance_id"]

    def getEventName(self) -> str:
        return self._event

    def getExecution(self) -> Any:
        return self._context.resolve("execution")

    def addCandidateUser(self, user: str) -> None:
        self.candidates.append((user, None))

    def addCandidateGroup(self, group: str) -> None:
        self.candidates.append((None, group))

    def getVariable(self, name: str) -> Any:
        return self._context.resolve("execution").getVariable(name)

    def setVariable(self, name: str, value: Any) -> None:
        self._context.set_variable(str(name), value)

    def getVariableLocal(self, name: str) -> Any:
        return self._context.resolve("execution").getVariableLocal(name)

    def setVariableLocal(self, name: str, value: Any) -> None:
        self._context.variables.set_local(str(name), value, self._row["id"], task_id=self._row["id"])
