"""Call activities as Camunda 7 runs them: the called process is a process instance of its own.

When a token reaches a call activity, the activity parks (``CamundaCallActivity``) and, in
the same transaction, an instance of the called definition starts with
``super_process_instance_id`` (and ``super_execution_id`` = the parked task) pointing back.
Only what ``camunda:in`` maps goes in; when the called instance ends, the caller is loaded
(same transaction), ``camunda:out`` copies variables back and the call activity completes.
Camunda copies nothing without mappings.

The called definition: ``calledElement`` (JUEL allowed) with ``camunda:calledElementBinding``
``latest`` (default), ``deployment`` (the caller's deployment), ``version``
(``camunda:calledElementVersion``) or ``versionTag`` (``camunda:calledElementVersionTag``), in
the caller's tenant unless ``camunda:calledElementTenantId`` says otherwise.

A called instance whose call activity is gone (the caller ended, a boundary event interrupted
the activity) is deleted with its own called instances, as in Camunda.
"""
from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.bpmn.extensions import camunda_of
from engine.bpmn.script_engine import ExpressionContext, evaluate
from engine.bpmn.specs import CamundaCallActivity, model_has
from engine.errors import ProcessEngineException
from engine.store import tables as t
from engine.variables import TypedValue, from_python

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

CALLED_INSTANCE = "m8flow_called_instance"
# Called instances started by a caller session of this command: that session completes the
# call activity itself when the called instance ends at once.
_started_inline: weakref.WeakSet[Any] = weakref.WeakSet()


def has_call_activities(session: ProcessInstanceSession) -> bool:
    workflow = session.workflow
    assert workflow is not None
    return model_has(workflow.spec, workflow.subprocess_specs, "call_activities",
                     lambda spec: isinstance(spec, CamundaCallActivity))


def _parked_call_activities(session: ProcessInstanceSession) -> list[Any]:
    assert session.workflow is not None
    return [task for task in session.workflow.get_tasks(state=TaskState.STARTED)
            if isinstance(task.task_spec, CamundaCallActivity)]


# -- starting ---------------------------------------------------------------------------------
def start_called_instances(session: ProcessInstanceSession) -> bool:
    """After-steps hook: each newly parked call activity starts its called instance. Returns
    True when one ended at once and its call activity completed (the engine runs on)."""
    if not has_call_activities(session):
        return False
    moved = False
    for spiff_task in _parked_call_activities(session):
        if CALLED_INSTANCE in spiff_task.internal_data:
            continue
        called = _start_called(session, spiff_task)
        spiff_task.internal_data[CALLED_INSTANCE] = called.id
        if called.ended:
            _complete_call_activity(session, spiff_task, called)
            moved = True
    return moved


def _start_called(session: ProcessInstanceSession, spiff_task: Any) -> ProcessInstanceSession:
    from engine.instance import ProcessInstanceSession

    spec = spiff_task.task_spec
    context = session.context_for(spiff_task)
    definition = called_definition(session, spec, context)
    mappings = camunda_of(spec).get("in", [])
    business_key = next(
        (_text(evaluate(m["businessKey"], context, element_id=spec.bpmn_id)) for m in mappings if m.get("businessKey")),
        None,
    )
    variables = _mapped(mappings, context, spec.bpmn_id, local_scope=str(spiff_task.id))
    called = ProcessInstanceSession.create(
        session.engine, session.conn, definition, business_key=business_key,
        super_process_instance_id=session.id,
    )
    called.row["super_execution_id"] = str(spiff_task.id)
    called.row["root_process_instance_id"] = session.row["root_process_instance_id"]
    called.variables.set_all(variables)
    _started_inline.add(called)
    called.run()
    called.save()
    return called


def called_definition(session: ProcessInstanceSession, spec: Any, context: ExpressionContext) -> Mapping[str, Any]:
    attributes = camunda_of(spec)["attributes"]
    element = spec.bpmn_id
    text = (getattr(spec, "extensions", None) or {}).get("calledElement")
    if not text:
        raise ProcessEngineException(f"Call activity '{element}' has no calledElement")
    key = _text(evaluate(text, context, element_id=element))
    binding = attributes.get("calledElementBinding") or "latest"
    tenant = session.row["tenant_id"]
    if attributes.get("calledElementTenantId"):
        tenant = _text(evaluate(attributes["calledElementTenantId"], context, element_id=element))
    pd = t.process_definition
    query = select(pd).where(pd.c.key == key)
    query = query.where(pd.c.tenant_id.is_(None) if tenant is None else pd.c.tenant_id == tenant)
    detail = ""
    if binding == "deployment":
        query = query.where(pd.c.deployment_id == session.definition["deployment_id"])
        detail = f" and deployment id = '{session.definition['deployment_id']}'"
    elif binding == "version":
        version = evaluate(attributes.get("calledElementVersion") or "", context, element_id=element)
        try:
            number = int(version)
        except (TypeError, ValueError) as exc:
            raise ProcessEngineException(
                f"Call activity '{element}': calledElementVersion '{version}' is not a number"
            ) from exc
        query = query.where(pd.c.version == number)
        detail = f" and version = '{number}'"
    elif binding == "versionTag":
        tag = _text(evaluate(attributes.get("calledElementVersionTag") or "", context, element_id=element))
        query = query.where(pd.c.version_tag == tag)
        detail = f" and version tag = '{tag}'"
    elif binding != "latest":
        raise ProcessEngineException(f"Call activity '{element}': unknown calledElementBinding '{binding}'")
    row = session.conn.execute(query.order_by(pd.c.version.desc()).limit(1)).mappings().first()
    if row is None:
        raise ProcessEngineException(
            f"no processes deployed with key '{key}'{detail} (call activity '{element}')"
        )
    return dict(row)


def _mapped(mappings: list[dict[str, Any]], context: ExpressionContext, element: str | None,
            local_scope: str | None = None) -> dict[str, TypedValue]:
    """``camunda:in`` / ``camunda:out`` entries over ``context``: name -> typed value."""
    values: dict[str, TypedValue] = {}
    for mapping in mappings:
        if mapping.get("variables") == "all":
            if mapping.get("local") == "true" and local_scope is not None:
                values.update(context.variables.local(local_scope))
            else:
                values.update(context.visible())
        elif mapping.get("sourceExpression"):
            target = mapping.get("target") or ""
            values[target] = _typed(evaluate(mapping["sourceExpression"], context, element_id=element))
        elif mapping.get("source"):
            target = mapping.get("target") or mapping["source"]
            found = context.lookup(mapping["source"])
            values[target] = found if found is not None else from_python(None)
    return values


def _typed(value: Any) -> TypedValue:
    return value if isinstance(value, TypedValue) else from_python(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# -- ending -----------------------------------------------------------------------------------
def _complete_call_activity(session: ProcessInstanceSession, spiff_task: Any, called: ProcessInstanceSession) -> None:
    """``camunda:out`` from the ended called instance, then the call activity completes."""
    from engine.instance import behaviours, spiff_errors

    spec = spiff_task.task_spec
    mappings = camunda_of(spec).get("out", [])
    if mappings:
        values = _mapped(mappings, called.context_for(None), spec.bpmn_id)
        context = session.context_for(spiff_task)
        local = any(m.get("local") == "true" for m in mappings)
        for name, value in values.items():
            if local:
                session.variables.set_local(name, value, str(spiff_task.id))
            else:
                context.set_variable(name, value)
    with spiff_errors():
        spiff_task.complete()
        behaviours().did_complete(session, spiff_task)


def sync_called_instances(session: ProcessInstanceSession, ended: bool, new_instance: bool = False) -> None:
    """Projection: an ended called instance resumes its caller; called instances whose call
    activity is gone are deleted."""
    if ended and session.row.get("super_process_instance_id") and session not in _started_inline:
        _resume_caller(session)
    if new_instance or not has_call_activities(session):
        return
    pi = t.process_instance
    running = session.conn.execute(
        select(pi.c.id, pi.c.super_execution_id).where(pi.c.super_process_instance_id == session.id, pi.c.end_time.is_(None))
    ).all()
    if not running:
        return
    parked = set() if ended else {str(task.id) for task in _parked_call_activities(session)}
    orphans = [instance_id for instance_id, execution in running if execution not in parked]
    if orphans:
        from engine.commands.process_instance import delete_running_instances

        delete_running_instances(session.conn, orphans, "Called from an activity that ended", session.engine)


def _resume_caller(called: ProcessInstanceSession) -> None:
    from engine.instance import ProcessInstanceSession

    caller = ProcessInstanceSession.load(called.engine, called.conn, called.row["super_process_instance_id"])
    assert caller.workflow is not None
    try:
        spiff_task = caller.workflow.get_task_from_id(UUID(called.row["super_execution_id"]))
    except Exception:  # noqa: BLE001 — Spiff raises a KeyError variety for unknown ids
        spiff_task = None
    if spiff_task is None or spiff_task.state != TaskState.STARTED:
        return
    _complete_call_activity(caller, spiff_task, called)
    caller.run()
    caller.save()
