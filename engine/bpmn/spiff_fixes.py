"""Workarounds for measured SpiffWorkflow 3.2.0 defects (research/spiffworkflow.md §d, §e).

* ``TaskIterator``/``BpmnTaskIterator`` default ``max_depth=1000`` hides tree nodes deeper than
  that, so a loop silently "completes" after ~500 iterations. ``apply()`` lifts the default.
  The cost stays quadratic in the tree size (every engine pass walks the whole tree); the
  walk itself is made cheaper by ``engine.bpmn.task_iteration``.
* Prediction of a cycle without a gateway (a task with two incoming flows, looped back
  through a timer) never ends: ``TaskSpec._predict`` stops at specs it has ``seen``, but
  compares them with tasks, and only counts predicted ones. Creating such a workflow raised
  RecursionError. ``_predict`` below stops at a definite task whose spec is already a definite
  ancestor on the predicted path and marks it; ``_update`` predicts on from a marked task when
  the token reaches it, one round of the cycle at a time.
* The parser recurses along sequence flows; chains longer than ~480 elements exceed Python's
  default recursion limit. ``ensure_recursion_limit`` raises it (never lowers it).
* Event sub-processes inside embedded sub-processes never start, and a waiting timer event
  sub-process keeps its scope from completing: ``engine.bpmn.event_scopes``.
* Spiff matches signals by the name as written, not the one a ``${…}`` name resolves to:
  ``engine.bpmn.event_names``.
* A parallel or inclusive join inside a loop counts arrivals of earlier rounds and fires
  early: ``engine.bpmn.loop_joins``.
* Every task state change formats a log message and builds a dict of log details, even when
  nothing listens at that level (~5 % of starting an instance): ``_quiet_logging`` skips
  both unless the ``spiff.task`` / ``spiff.workflow`` loggers are enabled for them.
* The node parsers compile each XPath expression on every call (~15,000 calls for a few hundred
  models, some 60 distinct expressions): ``_compiled_xpath`` keeps them compiled, per thread.
* Task ids are random UUIDs, and user and external task ids are row ids here: every new task
  row went into a random page of the task indexes. ``apply()`` gives tasks time-ordered
  UUIDs (``engine.ids``), whose index entries share pages.
* ``CAMUNDA_CONFIG`` lacks ``ServiceTask`` (and the plain BPMN message event definition used by
  receive tasks), so such workflows cannot be serialized; ``serializer_config()`` adds them,
  together with the dialect's own spec classes and process-level extensions.
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from copy import deepcopy
from typing import Any

import SpiffWorkflow.task as spiff_task
from lxml import etree
from SpiffWorkflow.bpmn.parser.node_parser import NodeParser
from SpiffWorkflow.bpmn.serializer.default.event_definition import MessageEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.process_spec import BpmnProcessSpecConverter
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter, EventConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.specs.event_definitions.message import (
    MessageEventDefinition as BpmnMessageEventDefinition,
)
from SpiffWorkflow.bpmn.util.subworkflow import BpmnBaseWorkflow
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskIterator, TaskState
from SpiffWorkflow.workflow import Workflow

from engine.bpmn import event_names, event_scopes, loop_joins, task_iteration
from engine.bpmn.specs import (
    CamundaBusinessRuleTask,
    CamundaEndEvent,
    CamundaIntermediateThrowEvent,
    CamundaReceiveTask,
    CamundaSendTask,
    PassThroughManualTask,
    PassThroughTask,
)
from engine.ids import uuid7

UNLIMITED_DEPTH = task_iteration.UNLIMITED_DEPTH
_lock = threading.Lock()
_applied = False


def _lift_max_depth(init: Any) -> None:
    code = init.__code__
    names = code.co_varnames[: code.co_argcount]
    defaults = list(init.__defaults__)
    index = names.index("max_depth") - (len(names) - len(defaults))
    defaults[index] = UNLIMITED_DEPTH
    init.__defaults__ = tuple(defaults)


_XPATH_CACHE_SIZE = 512
_compiled = threading.local()  # lxml XPath objects are not for concurrent use across threads


def _compiled_xpath(self: Any, node: Any, xpath: str) -> Any:
    """``NodeParser._xpath`` with the expression compiled once per namespace map and thread."""
    cache = getattr(_compiled, "cache", None)
    if cache is None:
        cache = _compiled.cache = {}
    key = (xpath, id(self.nsmap))
    entry = cache.get(key)
    if entry is None or entry[0] is not self.nsmap:  # the map is kept so its id stays unique
        if len(cache) >= _XPATH_CACHE_SIZE:  # a few expressions embed element ids
            cache.clear()
        # No EXSLT regular expressions: no node parser maps a prefix to their namespace, and
        # lxml would register them for every evaluation (a third of its cost).
        compiled = etree.XPath(xpath, namespaces=self.nsmap, regexp=False)
        entry = cache[key] = (self.nsmap, compiled)
    return entry[1](node)


def _quiet_logging() -> None:
    task_log, workflow_log = logging.getLogger("spiff.task"), logging.getLogger("spiff.workflow")
    logged_set_state = Task._set_state

    def _set_state(self: Any, value: int) -> None:
        if task_log.isEnabledFor(logging.DEBUG):
            logged_set_state(self, value)
        elif value != self._state:
            self.last_state_change = time.time()
            self._state = value

    def quiet_extras(original: Any, log: logging.Logger) -> Any:
        def collect_log_extras(self: Any, dct: dict | None = None) -> dict:
            return original(self, dct) if log.isEnabledFor(logging.INFO) else {}

        return collect_log_extras

    Task._set_state = _set_state
    Task.collect_log_extras = quiet_extras(Task.collect_log_extras, task_log)
    Workflow.collect_log_extras = quiet_extras(Workflow.collect_log_extras, workflow_log)
    BpmnBaseWorkflow.collect_log_extras = quiet_extras(BpmnBaseWorkflow.collect_log_extras, workflow_log)


# Marks a definite task's spec in ``_predict``'s ``seen`` list, which holds task specs:
# ``(_ON_PATH, spec)`` tuples compare in C, as tasks and specs compare by identity.
_ON_PATH = object()


def _predict(self: Any, my_task: Any, seen: list[Any] | None = None, looked_ahead: int = 0,
             mask: int = TaskState.PREDICTED_MASK) -> None:
    """``TaskSpec._predict`` of SpiffWorkflow 3.2.0, plus the stop at a definite cycle."""
    if seen is None:
        seen = []
    if my_task.has_state(mask):
        self._predict_hook(my_task)
    if my_task.has_state(TaskState.PREDICTED_MASK):
        seen.append(self)
    definite = my_task.has_state(TaskState.DEFINITE_MASK)
    if definite:
        seen.append((_ON_PATH, self))
    look_ahead = definite or looked_ahead + 1 < self.lookahead
    for child in my_task.children:
        if child.has_state(mask) and child not in seen and look_ahead:
            if child.has_state(TaskState.DEFINITE_MASK) and (_ON_PATH, child.task_spec) in seen:
                child.internal_data[_PREDICT_LATER] = True
                continue
            child.task_spec._predict(child, seen[:], looked_ahead + 1, mask)


_PREDICT_LATER = "m8flow_predict_later"


def _update(self: Any, my_task: Any) -> None:
    """``TaskSpec._update`` of SpiffWorkflow 3.2.0; a task whose prediction stopped at a cycle
    is predicted on first."""
    if my_task.has_state(TaskState.PREDICTED_MASK):
        self._predict(my_task)
    elif my_task.internal_data.pop(_PREDICT_LATER, False):
        self._predict(my_task, mask=TaskState.NOT_FINISHED_MASK)
    if self._update_hook(my_task):
        my_task._ready()


def apply() -> None:
    """Patch Spiff in place; idempotent and cheap, called on import of engine.bpmn.parser."""
    global _applied
    with _lock:
        if _applied:
            return
        _lift_max_depth(TaskIterator.__init__)
        _lift_max_depth(BpmnTaskIterator.__init__)
        task_iteration.apply()  # after the lift: it wraps TaskIterator.__init__
        NodeParser._xpath = _compiled_xpath
        spiff_task.uuid4 = uuid7  # the name Task.__init__ draws its ids from
        TaskSpec._predict = _predict
        TaskSpec._update = _update
        _quiet_logging()
        event_scopes.apply()
        event_names.apply()
        loop_joins.apply()
        _applied = True


def ensure_recursion_limit(limit: int) -> None:
    """Raise the interpreter's recursion limit to at least ``limit``. Never lowers it, so
    concurrent parses cannot pull the limit from under each other."""
    with _lock:
        if sys.getrecursionlimit() < limit:
            sys.setrecursionlimit(limit)


class ProcessSpecConverter(BpmnProcessSpecConverter):
    """Keeps the process-level ``extensions`` (camunda dict) through a round trip."""

    def to_dict(self, spec: Any) -> dict[str, Any]:
        dct = super().to_dict(spec)
        dct["extensions"] = getattr(spec, "extensions", {})
        return dct

    def from_dict(self, dct: dict[str, Any]) -> Any:
        extensions = dct.pop("extensions", {})
        spec = super().from_dict(dct)
        spec.extensions = extensions
        return spec


def serializer_config() -> dict[Any, Any]:
    config = deepcopy(CAMUNDA_CONFIG)
    config[BpmnProcessSpec] = ProcessSpecConverter
    config[ServiceTask] = BpmnTaskSpecConverter
    config[CamundaSendTask] = BpmnTaskSpecConverter
    config[CamundaBusinessRuleTask] = BpmnTaskSpecConverter
    config[CamundaReceiveTask] = BpmnTaskSpecConverter
    config[PassThroughTask] = BpmnTaskSpecConverter
    config[PassThroughManualTask] = BpmnTaskSpecConverter
    config[CamundaEndEvent] = EventConverter
    config[CamundaIntermediateThrowEvent] = EventConverter
    return config


def build_serializer() -> BpmnWorkflowSerializer:
    registry = BpmnWorkflowSerializer.configure(serializer_config())
    # Same class name as the Camunda flavour's subclass, so it needs its own typename.
    MessageEventDefinitionConverter(
        BpmnMessageEventDefinition, registry, typename="BpmnMessageEventDefinition"
    )
    return BpmnWorkflowSerializer(registry)
