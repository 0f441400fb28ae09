"""SpiffWorkflow's task-tree walk, without its bookkeeping for depth limits nobody sets.

Every engine pass walks the whole task tree, several times (``do_engine_steps`` looks for
ready tasks until none is left; each completion looks for waiting ones), and the walk was
about a quarter of the interpreter's work in completing an external task. Spiff's iterator
keeps a list it pops from the front and rebuilds on every expansion, and tracks the depth of
each task it returns by walking up its parents, for a ``max_depth`` that ``spiff_fixes``
lifts to unlimited and no caller of this engine or of Spiff sets.

``apply()`` gives ``TaskIterator`` and ``BpmnTaskIterator`` a stack for that case (depth
first, no depth limit): the same tasks in the same order, for every filter, ``end_at_spec``
and sub-process rule of Spiff 3.2.0 (tests/engine/test_task_iteration.py compares both walks
over the corpus). A filter that asks only for states is checked with one bitwise and. Any
other use (a depth limit, breadth first, a subclass) runs Spiff's own code. Unlike Spiff's,
a walk whose filter raised is over: no caller catches and goes on.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

from SpiffWorkflow.bpmn.util.task import BpmnTaskFilter, BpmnTaskIterator
from SpiffWorkflow.util.task import TaskFilter, TaskIterator, TaskState

UNLIMITED_DEPTH = sys.maxsize
_FINISHED = TaskState.FINISHED_MASK

_spiff_init = TaskIterator.__init__
_spiff_next = TaskIterator.__next__


def _states_only(task_filter: Any) -> int | None:
    """The state mask when it is all the filter asks for, else None."""
    kind = type(task_filter)
    if kind is TaskFilter:
        plain = True
    elif kind is BpmnTaskFilter:
        plain = task_filter.catches_event is None and task_filter.lane is None
    else:
        return None
    if not plain or task_filter.manual is not None or task_filter.spec_name is not None:
        return None
    if task_filter.spec_class is not None or task_filter.updated_ts != 0:
        return None  # updated_ts 0 (the default) admits every task: state changes are times
    return int(task_filter.state)


_PENDING = object()  # the walk starts at the first ``next``: BpmnTaskIterator sets its options last


def _init(self: Any, task: Any, *args: Any, **kwargs: Any) -> None:
    _spiff_init(self, task, *args, **kwargs)
    self._root = task
    # Spiff's own classes only: a subclass may override ``_next``.
    own = type(self) in (TaskIterator, BpmnTaskIterator)
    self._walk = _PENDING if own and self.depth_first and self.max_depth >= UNLIMITED_DEPTH else None


def _next(self: Any) -> Any:
    walk = self._walk
    if walk is None:
        return _spiff_next(self)
    if walk is _PENDING:
        # The generator gets values, not the iterator: no reference cycle for the collector.
        task_filter = self.task_filter
        mask, matches = _states_only(task_filter), task_filter.matches
        if isinstance(self, BpmnTaskIterator):
            skip_finished = task_filter.state <= _FINISHED
            walk = _bpmn_walk(self._root, self.min_state, self.end_at_spec, mask, matches,
                              self.skip_subprocesses, skip_finished)
        else:
            walk = _plain_walk(self._root, self.min_state, self.end_at_spec, mask, matches)
        self._walk = walk
        self._root = None
    return next(walk)


def _plain_walk(root: Any, min_state: int, end_at_spec: str | None, mask: int | None,
                matches: Callable[[Any], bool]) -> Iterator[Any]:
    """Spiff's ``TaskIterator._next`` and ``__next__`` as one loop."""
    stack = [root]
    pop, extend = stack.pop, stack.extend
    while stack:
        task = pop()
        children = task._children
        if children and task._state >= min_state and task.task_spec.name != end_at_spec:
            tasks = task.workflow.tasks
            extend([tasks.get(child) for child in reversed(children)])
        if task._state & mask if mask is not None else matches(task):
            yield task


def _bpmn_walk(root: Any, min_state: int, end_at_spec: str | None, mask: int | None,
               matches: Callable[[Any], bool], skip_subprocesses: bool, skip_finished: bool) -> Iterator[Any]:
    """``BpmnTaskIterator._next`` and ``__next__`` as one loop. A task that runs a sub-process
    is followed by the sub-process's tree, then by its own children; Spiff does not descend
    into a finished sub-process (``skip_finished``) unless it looks for finished tasks."""
    subprocesses = root.workflow.top_workflow.subprocesses
    stack = [root]
    pop, extend = stack.pop, stack.extend
    while stack:
        task = pop()
        subprocess = subprocesses.get(task.id) if subprocesses else None
        children = task._children
        if subprocess is None:
            if children and task._state >= min_state and task.task_spec.name != end_at_spec:
                tasks = task.workflow.tasks
                extend([tasks.get(child) for child in reversed(children)])
        elif task.task_spec.name != end_at_spec:
            tasks = task.workflow.tasks
            extend([tasks.get(child) for child in reversed(children)])
            if not (skip_subprocesses or (task._state >= _FINISHED and skip_finished)):
                stack.append(subprocess.task_tree)
        if task._state & mask if mask is not None else matches(task):
            yield task


def apply() -> None:
    TaskIterator.__init__ = _init
    TaskIterator.__next__ = _next


def restore() -> None:
    """Spiff's own walk (for tests comparing the two)."""
    TaskIterator.__init__ = _spiff_init
    TaskIterator.__next__ = _spiff_next
