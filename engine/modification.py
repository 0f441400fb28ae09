"""Token placement for Camunda's start instructions and process-instance modification.

Camunda can start an instance "at" activities instead of at its start event, and move the
tokens of a running instance (cancel here, start there). In SpiffWorkflow a token is a task
in the task tree whose state is READY, STARTED or WAITING. A new token is added as a child of
the workflow's root task (Spiff's ``Start``, already completed) and then updated, so the
task spec decides its own state exactly as when a predecessor completes: a user task becomes
READY, a timer catch event WAITING, a gateway join waits for its other inputs.

Joins find their inputs by the *parent* task's spec, so a token that enters an element over
a sequence flow (``startAfterActivity``, ``startTransition``) is placed below a completed
stand-in for the flow's source: a parallel join then counts that flow as taken.

A token inside an embedded sub-process goes into the one running instance of that
sub-process, or into a new one created without running its start event (Camunda's rule when
no ancestor activity instance is given); a sub-process whose last token is cancelled ends.

Limits: no ``ancestorActivityInstanceId``; nothing inside called processes, multi-instance
bodies, or sub-processes that carry boundary events.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.activity_types import activity_type
from engine.bpmn.extensions import BPMN_NS
from engine.errors import NotValid
from engine.repository import bpmn_resources
from engine.variables import TypedValue

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

ACTIVE = TaskState.READY | TaskState.STARTED | TaskState.WAITING
START_BEFORE = "startBeforeActivity"
START_AFTER = "startAfterActivity"
START_TRANSITION = "startTransition"
CANCEL = "cancel"
START_TYPES = (START_BEFORE, START_AFTER, START_TRANSITION)


@dataclass(frozen=True)
class Instruction:
    """One of Camunda's ``ProcessInstanceModificationInstructionDto`` (also used for
    ``startInstructions``): which kind, what it targets, the variables it brings."""

    type: str
    activity_id: str | None = None
    activity_instance_id: str | None = None
    transition_id: str | None = None
    variables: Mapping[str, TypedValue] = field(default_factory=dict)
    local_variables: Mapping[str, TypedValue] = field(default_factory=dict)

    def describe(self) -> str:
        """Camunda's wording of the instruction in its error messages."""
        if self.type == START_BEFORE:
            return f"Start before activity '{self.activity_id}'"
        if self.type == START_AFTER:
            return f"Start after activity '{self.activity_id}'"
        if self.type == START_TRANSITION:
            return f"Start transition '{self.transition_id}'"
        if self.activity_instance_id is not None:
            return f"Cancel activity instance '{self.activity_instance_id}'"
        return f"Cancel all instances of activity '{self.activity_id}'"

    def failure(self, reason: str) -> NotValid:
        return NotValid(f"Cannot perform instruction: {self.describe()}; {reason}")


def validate(instruction: Instruction) -> None:
    """The checks Camunda makes before looking at the model."""
    if instruction.type not in (*START_TYPES, CANCEL):
        raise NotValid(f"Unsupported instruction type '{instruction.type}'")
    if instruction.type in (START_BEFORE, START_AFTER) and not instruction.activity_id:
        raise instruction.failure("'activityId' must be set")
    if instruction.type == START_TRANSITION and not instruction.transition_id:
        raise instruction.failure("'transitionId' must be set")
    if instruction.type == CANCEL and not (instruction.activity_id or instruction.activity_instance_id):
        raise NotValid("For instruction type 'cancel': exactly one, 'activityId', 'activityInstanceId', or "
                       "'transitionInstanceId', is required")


# -- starting a fresh instance at activities ---------------------------------------------------

def clear_start(session: ProcessInstanceSession) -> None:
    """A new instance that starts at its instructions, not at its start event: drop the
    predicted path below Spiff's root task and mark the root as done."""
    assert session.workflow is not None
    _clear_root(session.workflow)


def _clear_root(workflow: Any) -> None:
    root = workflow.task_tree
    for child in list(root.children):
        workflow._remove_task(child.id)
    root._set_state(TaskState.COMPLETED)


def start_at(session: ProcessInstanceSession, instructions: list[Instruction]) -> None:
    """Place a new instance's first tokens by Camunda's ``startInstructions``."""
    for instruction in instructions:
        if instruction.type not in START_TYPES:
            raise NotValid(f"Start instructions of type '{instruction.type}' are not allowed; "
                           "use startBeforeActivity, startAfterActivity or startTransition")
    clear_start(session)
    modify(session, instructions)


def modify(session: ProcessInstanceSession, instructions: list[Instruction]) -> None:
    """Apply instructions in order, as Camunda does; the caller runs and saves the session."""
    flows: SequenceFlows | None = None
    for instruction in instructions:
        if flows is None and instruction.type in (START_AFTER, START_TRANSITION):
            flows = SequenceFlows.parse(bpmn_resources(session.conn, session.definition["deployment_id"]),
                                        session.definition["key"])
        apply(session, instruction, flows or SequenceFlows({}))
    _prune_empty_scopes(session)


# -- placing tokens ----------------------------------------------------------------------------

def apply(session: ProcessInstanceSession, instruction: Instruction, flows: SequenceFlows) -> None:
    """Carry out one instruction on the session's workflow (not yet run)."""
    validate(instruction)
    if instruction.type == CANCEL:
        _cancel(session, instruction)
        return
    if instruction.type == START_BEFORE:
        assert instruction.activity_id is not None
        process_spec, target = _element_spec(session, instruction, instruction.activity_id)
        workflow = _scope_workflow(session, instruction, process_spec)
        placed = _place(workflow, _entry_spec(process_spec, target), None)
    else:
        if instruction.type == START_AFTER:
            assert instruction.activity_id is not None
            _element_spec(session, instruction, instruction.activity_id)
            outgoing = flows.outgoing(instruction.activity_id)
            if not outgoing:
                raise instruction.failure(f"activity '{instruction.activity_id}' has no outgoing sequence flow to take")
            if len(outgoing) > 1:
                raise instruction.failure(f"activity '{instruction.activity_id}' has more than one outgoing sequence flow")
            source_id, target_id = instruction.activity_id, outgoing[0][1]
        else:
            assert instruction.transition_id is not None
            found = flows.by_id(instruction.transition_id)
            if found is None:
                raise instruction.failure(
                    f"Element '{instruction.transition_id}' does not exist in process '{session.definition['id']}'")
            source_id, target_id = found
        _, source = _element_spec(session, instruction, source_id)
        process_spec, target = _element_spec(session, instruction, target_id)
        workflow = _scope_workflow(session, instruction, process_spec)
        entry = _entry_spec(process_spec, target)
        placed = _place(workflow, entry, _exit_spec(source, entry))
    _set_variables(session, placed, instruction)


def _element_spec(session: ProcessInstanceSession, instruction: Instruction, element_id: str) -> tuple[Any, Any]:
    """``(process spec, task spec)`` of a flow node: in the process itself or in one of its
    embedded sub-processes (Spiff parses each into a spec of its own)."""
    assert session.workflow is not None
    top = session.workflow.spec
    for process_spec in [top, *_embedded_specs(session)]:
        for task_spec in process_spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) == element_id:
                return process_spec, task_spec
    raise instruction.failure(f"Element '{element_id}' does not exist in process '{session.definition['id']}'")


def _embedded_specs(session: ProcessInstanceSession) -> list[Any]:
    """Specs of the embedded sub-processes reachable from the process (not called ones)."""
    assert session.workflow is not None
    found, pending = [], [session.workflow.spec]
    while pending:
        process_spec = pending.pop()
        for task_spec in process_spec.task_specs.values():
            if isinstance(task_spec, SubWorkflowTask) and not isinstance(task_spec, CallActivity):
                inner = session.workflow.subprocess_specs.get(task_spec.spec)
                if inner is not None and inner not in found:
                    found.append(inner)
                    pending.append(inner)
    return found


def _container(session: ProcessInstanceSession, process_spec: Any) -> tuple[Any, Any]:
    """The process spec holding the sub-process activity whose inside is ``process_spec``."""
    assert session.workflow is not None
    for outer in [session.workflow.spec, *_embedded_specs(session)]:
        for task_spec in outer.task_specs.values():
            if (isinstance(task_spec, SubWorkflowTask) and not isinstance(task_spec, CallActivity)
                    and task_spec.spec == process_spec.name):
                return outer, task_spec
    raise NotValid(f"No sub-process activity contains '{process_spec.name}'")


def _scope_workflow(session: ProcessInstanceSession, instruction: Instruction, process_spec: Any) -> Any:
    """The (sub)workflow a token of ``process_spec`` goes into. Like Camunda without an
    ancestor activity instance: the one running instance of each enclosing sub-process is
    reused, a missing one is created (without running its start event)."""
    workflow = session.workflow
    assert workflow is not None
    if process_spec is workflow.spec:
        return workflow
    outer_spec, scope_spec = _container(session, process_spec)
    if isinstance(_entry_spec(outer_spec, scope_spec), BoundaryEventSplit):
        raise instruction.failure(f"sub-process '{scope_spec.bpmn_id}' has boundary events; m8flow cannot yet "
                                  "place tokens inside such a sub-process")
    outer = _scope_workflow(session, instruction, outer_spec)
    running = [task for task in outer.get_tasks(state=TaskState.STARTED, spec_name=scope_spec.name)
               if task.workflow is outer and task.id in workflow.subprocesses]
    if len(running) > 1:
        raise instruction.failure(f"there is more than one instance of sub-process '{scope_spec.bpmn_id}' "
                                  "to start the activity in")
    if running:
        return workflow.subprocesses[running[0].id]
    scope_task = outer.task_tree._add_child(scope_spec, TaskState.FUTURE)
    scope_spec._predict(scope_task, mask=TaskState.NOT_FINISHED_MASK)
    scope_task._inherit_data()
    inner = workflow.create_subprocess(scope_task, scope_spec.spec)
    inner.completed_event.connect(scope_spec._on_subworkflow_completed, scope_task)
    scope_spec.copy_data(scope_task, inner)
    _clear_root(inner)
    scope_task._set_state(TaskState.STARTED)
    return inner


def _entry_spec(process_spec: Any, target: Any) -> Any:
    """The spec a token enters an element through: an activity with boundary events is
    wrapped by Spiff in a split that arms the events."""
    split = process_spec.task_specs.get(f"{target.name}.BoundaryEventSplit")
    return split if isinstance(split, BoundaryEventSplit) else target


def _exit_spec(source: Any, entry: Any) -> Any:
    """The spec a token leaves ``source`` through towards ``entry`` (``source`` itself, or
    the join Spiff puts after an activity with boundary events)."""
    for candidate in entry.inputs:
        if candidate is source or candidate.name == f"{source.name}.BoundaryEventJoin":
            return candidate
    return source


def _place(workflow: Any, entry: Any, via: Any | None) -> Any:
    parent = workflow.task_tree
    if via is not None:
        parent = parent._add_child(via, TaskState.FUTURE)
        parent._set_state(TaskState.COMPLETED)
    task = parent._add_child(entry, TaskState.FUTURE)
    # Predict the branch below the new token, as Spiff does for a whole new workflow.
    entry._predict(task, mask=TaskState.NOT_FINISHED_MASK)
    entry._update(task)
    return task


def _set_variables(session: ProcessInstanceSession, placed: Any, instruction: Instruction) -> None:
    session.variables.set_all(dict(instruction.variables))
    if instruction.local_variables:
        # Local variables belong to the activity instance; a boundary split is not one.
        scope_id = str(_activity_task(placed).id)
        for name, value in instruction.local_variables.items():
            session.variables.set_local(name, value, scope_id, task_id=scope_id)


def _activity_task(placed: Any) -> Any:
    """The activity instance a placement created (below a boundary split: its main task)."""
    if not isinstance(placed.task_spec, BoundaryEventSplit):
        return placed
    main = placed.task_spec.name[: -len(".BoundaryEventSplit")]
    return next((c for c in placed.children if c.task_spec.name == main), placed)


# -- cancelling ----------------------------------------------------------------------------------

def active_tasks(session: ProcessInstanceSession) -> list[Any]:
    """Tokens that are activity instances in Camunda's sense, sub-processes included."""
    workflow = session.workflow
    assert workflow is not None
    found = [task for task in workflow.get_tasks(state=ACTIVE) if activity_type(task.task_spec) is not None]
    for inner in workflow.subprocesses.values():
        found.extend(task for task in inner.get_tasks(state=ACTIVE)
                     if task.workflow is inner and activity_type(task.task_spec) is not None)
    return list({task.id: task for task in found}.values())


def _cancel(session: ProcessInstanceSession, instruction: Instruction) -> None:
    workflow = session.workflow
    assert workflow is not None
    if instruction.activity_instance_id is not None:
        if instruction.activity_instance_id == session.id:
            for task in active_tasks(session):
                if task.workflow is session.workflow:
                    _cancel_task(session, task)
            return
        matching = [task for task in active_tasks(session)
                    if f"{task.task_spec.bpmn_id}:{task.id}" == instruction.activity_instance_id]
        if not matching:
            raise instruction.failure(f"Activity instance '{instruction.activity_instance_id}' does not exist")
    else:
        matching = [task for task in active_tasks(session) if task.task_spec.bpmn_id == instruction.activity_id]
    for task in matching:
        _cancel_task(session, task)


def _cancel_task(session: ProcessInstanceSession, task: Any) -> None:
    if task.has_state(TaskState.FINISHED_MASK):
        return  # already cancelled with a sibling
    holder = task.parent if isinstance(task.parent.task_spec, BoundaryEventSplit) else task
    for cancelled in [t for t in holder if t.has_state(ACTIVE)]:
        session.variables.drop_scope(str(cancelled.id))
    assert session.workflow is not None
    if task.id in session.workflow.subprocesses:
        session.workflow.cancel(session.workflow.subprocesses[task.id])
    holder.cancel()


def _prune_empty_scopes(session: ProcessInstanceSession) -> None:
    """A sub-process whose last activity instance was cancelled ends with it (Camunda
    removes the empty scope), innermost first."""
    workflow = session.workflow
    assert workflow is not None
    for inner in sorted(workflow.subprocesses.values(), key=lambda sub: sub.depth, reverse=True):
        if inner.completed:
            continue
        scope_task = workflow.get_task_from_id(inner.parent_task_id)
        if scope_task.has_state(ACTIVE) and not inner.get_tasks(state=ACTIVE):
            _cancel_task(session, scope_task)


def end_if_empty(session: ProcessInstanceSession) -> None:
    """Camunda ends an instance whose last activity instance was cancelled."""
    workflow = session.workflow
    assert workflow is not None
    if not workflow.is_completed() and not workflow.get_tasks(state=ACTIVE):
        workflow.cancel()


# -- the model's sequence flows ----------------------------------------------------------------

class SequenceFlows:
    """Sequence flows of the definition's process and its sub-processes, read from its XML (Spiff's specs keep
    the connections but not the flow ids ``startTransition`` names)."""

    def __init__(self, flows: dict[str, tuple[str, str]]) -> None:
        self._flows = flows

    @classmethod
    def parse(cls, resources: Mapping[str, bytes], process_key: str) -> SequenceFlows:
        flows: dict[str, tuple[str, str]] = {}
        ns = {"b": BPMN_NS}
        for content in resources.values():
            root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
            for process in root.iterfind("b:process", ns):
                if process.get("id") != process_key:
                    continue
                for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
                    flows[flow.get("id", "")] = (flow.get("sourceRef", ""), flow.get("targetRef", ""))
        return cls(flows)

    def by_id(self, flow_id: str) -> tuple[str, str] | None:
        return self._flows.get(flow_id)

    def outgoing(self, activity_id: str) -> list[tuple[str, str]]:
        return [(flow_id, target) for flow_id, (source, target) in self._flows.items() if source == activity_id]
