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


def _register_control_flow() -> None:
    # Delegates, call activities, mappings and listeners (engine/listeners.py has the order).
    from engine import call_activities, delegates, listeners

    BEHAVIOURS.will_complete_hooks.append(listeners.will_complete)
    BEHAVIOURS.did_complete_hooks.insert(0, listeners.did_complete)
    BEHAVIOURS.after_steps_hooks.extend(
        [listeners.start_waiting_activities, delegates.run_delegate_tasks, call_activities.start_called_instances]
    )


_register_control_flow()


def _register_events() -> None:
    from engine.events.hooks import register as register_events

    register_events(BEHAVIOURS)


_register_events()


def _register_jobs() -> None:
    from engine.jobs import register

    register(BEHAVIOURS)


_register_jobs()


def _register_pruning() -> None:
    # Last: the task tree would otherwise grow with every loop iteration (engine/bpmn/pruning.py).
    from engine.bpmn.pruning import prune_after_completion

    BEHAVIOURS.did_complete_hooks.append(prune_after_completion)


_register_pruning()
