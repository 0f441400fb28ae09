"""Camunda behaviours the runtime adds to SpiffWorkflow, in one registry.

``ProcessInstanceSession.run`` calls, for every task Spiff completes, ``will_complete`` and
``did_complete`` (listeners, output mappings...), and after each round of engine steps
``after_steps`` (delegates on parked service tasks, async continuations...), which returns
True when it moved a token so the engine runs again. Each Camunda feature lives in its own
module and registers its hooks here, in the order Camunda applies them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

TaskHook = Callable[["ProcessInstanceSession", Any], None]
StepHook = Callable[["ProcessInstanceSession"], bool]


@dataclass
class Behaviours:
    will_complete_hooks: list[TaskHook] = field(default_factory=list)
    did_complete_hooks: list[TaskHook] = field(default_factory=list)
    after_steps_hooks: list[StepHook] = field(default_factory=list)

    def will_complete(self, session: ProcessInstanceSession, task: Any) -> None:
        for hook in self.will_complete_hooks:
            hook(session, task)

    def did_complete(self, session: ProcessInstanceSession, task: Any) -> None:
        for hook in self.did_complete_hooks:
            hook(session, task)

    def after_steps(self, session: ProcessInstanceSession) -> bool:
        moved = False
        for hook in self.after_steps_hooks:
            moved = hook(session) or moved
        return moved


BEHAVIOURS = Behaviours()
