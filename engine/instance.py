"""One process instance inside one command: its Spiff workflow, its variables, and the
projection of its state into query tables (tasks, variables, the instance row).

Every writing command loads a session, changes it, runs the engine until it waits, and saves
it. Saving checks the instance's revision: a concurrent command that saved first makes this
one fail with Camunda's OptimisticLockingException, and the transaction rolls back whole.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.defaults import UserTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection, bindparam, delete, select, update

from engine import variables as typed
from engine.bpmn.script_engine import CamundaScriptEngine, ExpressionContext, scope_chain
from engine.bpmn.state import dump_state, load_state
from engine.dates import now
from engine.errors import (
    NotFound,
    NullValue,
    OptimisticLockingConflict,
    ProcessEngineException,
)
from engine.ids import new_id
from engine.process_engine import ProcessEngine
from engine.scope import InstanceVariables
from engine.store import tables as t
from engine.store.database import after_commit
from engine.store.hot import HotStatement
from engine.workflow_cache import fingerprint

if TYPE_CHECKING:
    from engine.behaviours import Behaviours


# The hot statements, built once and run on the driver (engine/store/hot.py).
_SELECT_RUNNING = HotStatement(select(t.process_instance).where(
    t.process_instance.c.id == bindparam("instance_id"), t.process_instance.c.end_time.is_(None)
))
_SELECT_VARIABLES = HotStatement(
    select(t.variable).where(t.variable.c.process_instance_id == bindparam("instance_id"))
)
_INSERT_INSTANCE = HotStatement(t.process_instance.insert())
_INSERT_VARIABLES = HotStatement(t.variable.insert())
_DELETE_VARIABLE = HotStatement(delete(t.variable).where(
    t.variable.c.scope_id == bindparam("b_scope_id"), t.variable.c.name == bindparam("b_name")
))
_UPDATE_VARIABLE = HotStatement(
    update(t.variable)
    .where(t.variable.c.scope_id == bindparam("b_scope_id"), t.variable.c.name == bindparam("b_name"))
    .values(revision=t.variable.c.revision + 1)
)
_UPDATE_AT_REVISION = HotStatement(update(t.process_instance).where(
    t.process_instance.c.id == bindparam("b_id"), t.process_instance.c.revision == bindparam("b_revision")
))


def before_save() -> tuple[Any, ...]:
    """What ``save()`` runs before it serialises the workflow, in order: steps that still
    change it (``step(session, ended, new_instance)``), so the stored state and the workflow
    kept in memory (engine/workflow_cache.py) are the same."""
    from engine.events.conditions import on_save as start_conditional_event_subprocesses
    from engine.listeners import end_cancelled_on_save

    return (start_conditional_event_subprocesses, end_cancelled_on_save)


def projections() -> tuple[Any, ...]:
    """What ``save()`` writes besides the instance row and variables, in order: each is
    ``project(session, ended, new_instance)`` keeping one query table in step with the
    Spiff state, and must not change the workflow (that is ``before_save``). Add a
    projection here when a new kind of runtime row appears."""
    from engine.call_activities import sync_called_instances
    from engine.events.subscriptions import sync_event_subscriptions
    from engine.external_tasks import sync_external_tasks
    from engine.jobs.projection import sync_jobs
    from engine.listeners import fire_task_create_listeners
    from engine.user_tasks import sync_user_tasks

    return (sync_user_tasks, fire_task_create_listeners, sync_external_tasks,
            sync_called_instances, sync_event_subscriptions, sync_jobs)


def after_save() -> tuple[Any, ...]:
    """What ``save()`` runs once this instance is written whole: steps that may load and save
    other instances, and through them this one again (a thrown signal reaches a called
    instance that ends and resumes this caller), so nothing of this session may follow."""
    from engine.events.hooks import broadcast_thrown_signals

    return (broadcast_thrown_signals,)


def behaviours() -> Behaviours:
    from engine.behaviours import BEHAVIOURS

    return BEHAVIOURS


@contextmanager
def spiff_errors() -> Iterator[None]:
    """SpiffWorkflow wraps what our script engine raises; unwrap engine errors, translate
    the rest (this is the one place Spiff exceptions cross into the engine)."""
    try:
        yield
    except ProcessEngineException:
        raise
    except SpiffWorkflowException as exc:
        cause = exc.__cause__ or getattr(exc, "exception", None)
        if isinstance(cause, ProcessEngineException):
            raise cause from exc
        raise ProcessEngineException(str(exc)) from exc


class ProcessInstanceSession:
    def __init__(self, engine: ProcessEngine, conn: Connection, definition: Mapping[str, Any], row: dict[str, Any]) -> None:
        self.engine = engine
        self.conn = conn
        self.definition = definition
        self.row = row
        self.id: str = row["id"]
        self.variables = InstanceVariables(self.id)
        self.workflow: BpmnWorkflow | None = None
        self._is_new = False
        self._existing_variables: set[tuple[str, str]] = set()

    # -- creating and loading ------------------------------------------------------------
    @classmethod
    def create(
        cls,
        engine: ProcessEngine,
        conn: Connection,
        definition: Mapping[str, Any],
        *,
        business_key: str | None = None,
        super_process_instance_id: str | None = None,
    ) -> ProcessInstanceSession:
        if definition["suspended"]:
            raise ProcessEngineException(
                f"Cannot start process instance. Process definition {definition['name'] or definition['key']} "
                f"(id = {definition['id']}) is suspended"
            )
        instance_id = new_id()
        row = {
            "id": instance_id,
            "process_definition_id": definition["id"],
            "process_definition_key": definition["key"],
            "business_key": business_key,
            "tenant_id": definition["tenant_id"],
            "super_process_instance_id": super_process_instance_id,
            "super_execution_id": None,
            "root_process_instance_id": instance_id,
            "state": "ACTIVE",
            "suspended": False,
            "revision": 0,
            "spiff_state": None,
            "start_time": now(),
            "end_time": None,
            "start_activity_id": None,
            "end_activity_id": None,
            "delete_reason": None,
        }
        session = cls(engine, conn, definition, row)
        spec, subprocess_specs = engine.specs.get(conn, definition)
        session.workflow = BpmnWorkflow(spec, subprocess_specs)
        session._attach_script_engine()
        session._is_new = True
        return session

    @classmethod
    def load(cls, engine: ProcessEngine, conn: Connection, instance_id: str) -> ProcessInstanceSession:
        row = _SELECT_RUNNING.first(conn, {"instance_id": instance_id})
        if row is None:
            raise NotFound(f"Process instance with id {instance_id} does not exist")
        definition = engine.specs.definition(conn, row["process_definition_id"])
        session = cls(engine, conn, definition, row)
        workflow = engine.workflows.take(instance_id, row["revision"])
        if workflow is None:
            spec, subprocess_specs = engine.specs.get(conn, definition)
            workflow = load_state(row["spiff_state"], spec, subprocess_specs)
        session.workflow = workflow
        session._attach_script_engine()
        session._load_variables()
        return session

    def _attach_script_engine(self) -> None:
        assert self.workflow is not None
        self.workflow.script_engine = CamundaScriptEngine(
            self.context_for, scripts_enabled=self.engine.settings.scripts_enabled
        )

    def _load_variables(self) -> None:
        for row in _SELECT_VARIABLES.all(self.conn, {"instance_id": self.id}):
            self.variables.load(row["scope_id"], row["name"], typed.decode(row), row["task_id"])
            self._existing_variables.add((row["scope_id"], row["name"]))

    # -- expressions -----------------------------------------------------------------------
    def context_for(self, spiff_task: Any | None, *, scope_id: str | None = None) -> ExpressionContext:
        spec = spiff_task.task_spec if spiff_task is not None else None
        return ExpressionContext(
            self.variables,
            scope_id=scope_id,
            activity_id=getattr(spec, "bpmn_id", None),
            activity_name=getattr(spec, "bpmn_name", None),
            business_key=self.row["business_key"],
            process_definition_id=self.definition["id"],
            tenant_id=self.row["tenant_id"],
            outer_scopes=scope_chain(spiff_task) if spiff_task is not None else (),
        )

    # -- running -------------------------------------------------------------------------
    def run(self) -> None:
        """Run the engine until every branch waits (user task, external task, event) or ends.

        After each round of Spiff's engine steps every behaviour in ``engine.behaviours``
        looks at the instance (a parked service task with a Python delegate, an async
        continuation...) and may move tokens; the rounds repeat until none does.
        """
        assert self.workflow is not None
        hooks = behaviours()
        while True:
            with spiff_errors():
                self.workflow.do_engine_steps(
                    will_complete_task=lambda task: hooks.will_complete(self, task),
                    did_complete_task=lambda task: hooks.did_complete(self, task),
                )
            if not hooks.after_steps(self):
                return

    def complete_task(self, spiff_task: Any) -> None:
        """Finish a task that waited for the outside world (user task, external task...) and
        run on: the same completion hooks fire as for tasks the engine runs itself."""
        hooks = behaviours()
        with spiff_errors():
            hooks.will_complete(self, spiff_task)
            if spiff_task.state == TaskState.STARTED:
                spiff_task.complete()
            else:
                spiff_task.run()
            hooks.did_complete(self, spiff_task)
        self.run()

    def user_task(self, task_id: str) -> Any:
        assert self.workflow is not None
        try:
            spiff_task = self.workflow.get_task_from_id(UUID(task_id))
        except Exception:  # noqa: BLE001 — Spiff raises a bare TaskNotFound/KeyError variety
            spiff_task = None
        if spiff_task is None or not isinstance(spiff_task.task_spec, UserTask) or spiff_task.state != TaskState.READY:
            raise NullValue(f"Cannot find task with id {task_id}: task is null")
        return spiff_task

    def complete_user_task(self, task_id: str) -> None:
        spiff_task = self.user_task(task_id)
        self.complete_task(spiff_task)
        self.variables.drop_scope(task_id)

    # -- saving --------------------------------------------------------------------------
    @property
    def ended(self) -> bool:
        assert self.workflow is not None
        return self.workflow.is_completed()

    def save(self) -> None:
        assert self.workflow is not None
        for step in before_save():
            step(self, self.ended, self._is_new)
        ended = self.ended
        timestamp = now()
        values: dict[str, Any] = {
            "spiff_state": None if ended else dump_state(self.workflow),
            "revision": self.row["revision"] + 1,
        }
        saved = None if ended else fingerprint(self.workflow)
        if ended:
            values.update(state="COMPLETED", end_time=timestamp)
        was_new = self._is_new
        if self._is_new:
            self.row.update(values)
            _INSERT_INSTANCE.run_many(self.conn, [self.row])
            self._is_new = False
        else:
            updated = _UPDATE_AT_REVISION.run(self.conn, {"b_id": self.id, "b_revision": self.row["revision"], **values})
            if updated != 1:
                raise OptimisticLockingConflict(
                    f"ENGINE-03005 Execution of 'UPDATE ExecutionEntity[{self.id}]' failed. "
                    "Entity was updated by another transaction concurrently."
                )
            self.row.update(values)
        for project in projections():
            project(self, ended, was_new)
        self._save_variables()
        if saved is not None and fingerprint(self.workflow) == saved:
            self._keep_after_commit()
        for step in after_save():
            step(self, ended, was_new)

    def release(self) -> None:
        """A command that only read the instance gives the workflow back for the next one
        (at the revision it was read at; a command that changed it must not)."""
        if self.workflow is not None and not self._is_new:
            self.workflow.script_engine = None
            self.engine.workflows.put(self.id, self.row["revision"], self.workflow)

    def _keep_after_commit(self) -> None:
        """Offer the saved workflow to the next command on this instance, once committed. It
        goes without its script engine: that holds this session (variables, connection)."""
        workflow, revision, cache, instance_id = self.workflow, self.row["revision"], self.engine.workflows, self.id

        def keep() -> None:
            assert workflow is not None
            workflow.script_engine = None
            cache.put(instance_id, revision, workflow)

        after_commit(self.conn, keep)

    def _save_variables(self) -> None:
        written, removed = self.variables.changes()
        for scope_id, name in removed:
            if (scope_id, name) in self._existing_variables:
                _DELETE_VARIABLE.run(self.conn, {"b_scope_id": scope_id, "b_name": name})
                self._existing_variables.discard((scope_id, name))
        inserts = []
        for scope_id, name, value, task_id in written:
            columns = typed.encode(value)
            if (scope_id, name) in self._existing_variables:
                _UPDATE_VARIABLE.run(self.conn, {"b_scope_id": scope_id, "b_name": name, **columns})
            else:
                inserts.append(
                    {
                        "id": new_id(),
                        "process_instance_id": self.id,
                        "scope_id": scope_id,
                        "task_id": task_id,
                        "name": name,
                        "revision": 1,
                        **columns,
                    }
                )
                self._existing_variables.add((scope_id, name))
        if inserts:
            _INSERT_VARIABLES.run_many(self.conn, inserts)
        self.variables.mark_clean()
