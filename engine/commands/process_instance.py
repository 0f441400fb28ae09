"""Process instances: start, query, delete, suspend, activity instances."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection, delete, func, select, update

from engine import listeners
from engine import variables as typed
from engine.bpmn.activity_types import activity_type
from engine.errors import InvalidRequest, NotFound, ProcessEngineException, with_prefix
from engine.instance import ProcessInstanceSession
from engine.modification import Instruction, start_at
from engine.process_engine import ProcessEngine
from engine.queries import apply_sorting, filter_by_variables, page, query_command
from engine.repository import definition_by_id, latest_definition_by_key
from engine.store import Row
from engine.store import tables as t


@dataclass
class StartedInstance:
    instance: Mapping[str, Any]
    variables: dict[str, typed.TypedValue] | None


def start_process_instance(
    engine: ProcessEngine,
    *,
    definition_id: str | None = None,
    key: str | None = None,
    tenant_id: str | None = None,
    business_key: str | None = None,
    variables: Mapping[str, typed.TypedValue] | None = None,
    variable_dtos: Mapping[str, Any] | None = None,
    with_variables_in_return: bool = False,
    start_instructions: Sequence[Instruction] | None = None,
) -> StartedInstance:
    """Start an instance of the definition (by id, or the latest by key and tenant).

    ``variable_dtos`` are Camunda's ``VariableValueDto`` maps, typed here once the definition
    is known, so that errors carry Camunda's "Cannot instantiate process definition <id>"
    prefix; lookup, typing and start share one transaction.
    """
    with engine.database.transaction() as conn:
        definition = definition_by_id(conn, definition_id) if definition_id else latest_definition_by_key(conn, key or "", tenant_id)
        prefix = f"Cannot instantiate process definition {definition['id']}"
        if variable_dtos is not None:
            variables = typed.parse_variables(variable_dtos, context=prefix)
        try:
            session = ProcessInstanceSession.create(engine, conn, definition, business_key=business_key)
            session.variables.set_all(dict(variables or {}))
            if start_instructions:
                start_at(session, list(start_instructions))
            session.run()
            session.save()
        except ProcessEngineException as exc:
            raise with_prefix(exc, prefix) from exc
        returned = dict(session.variables.process()) if with_variables_in_return else None
        return StartedInstance(dict(session.row), returned)


INSTANCE_SORT = {
    "instanceId": t.process_instance.c.id,
    "definitionKey": t.process_instance.c.process_definition_key,
    "definitionId": t.process_instance.c.process_definition_id,
    "tenantId": t.process_instance.c.tenant_id,
    "businessKey": t.process_instance.c.business_key,
}


def get_process_instance(engine: ProcessEngine, instance_id: str) -> Row:
    with engine.database.transaction(write=False) as conn:
        return _running(conn, instance_id)


def _running(conn: Connection, instance_id: str) -> Row:
    pi = t.process_instance
    row = conn.execute(select(pi).where(pi.c.id == instance_id, pi.c.end_time.is_(None))).mappings().first()
    if row is None:
        raise NotFound(f"Process instance with id {instance_id} does not exist")
    return row


@query_command
def query_process_instances(
    engine: ProcessEngine,
    criteria: Mapping[str, Any],
    *,
    sorting: Sequence[Mapping[str, Any]] | None = None,
    first_result: int | None = None,
    max_results: int | None = None,
    count_only: bool = False,
) -> list[Row] | int:
    pi, pd = t.process_instance, t.process_definition
    query = select(pi).where(pi.c.end_time.is_(None))
    c = criteria
    if c.get("processInstanceIds"):
        query = query.where(pi.c.id.in_(c["processInstanceIds"]))
    if c.get("businessKey") is not None:
        query = query.where(pi.c.business_key == c["businessKey"])
    if c.get("businessKeyLike") is not None:
        query = query.where(pi.c.business_key.like(c["businessKeyLike"]))
    if c.get("processDefinitionId") is not None:
        query = query.where(pi.c.process_definition_id == c["processDefinitionId"])
    if c.get("processDefinitionKey") is not None:
        query = query.where(pi.c.process_definition_key == c["processDefinitionKey"])
    if c.get("processDefinitionKeyIn"):
        query = query.where(pi.c.process_definition_key.in_(c["processDefinitionKeyIn"]))
    if c.get("processDefinitionKeyNotIn"):
        query = query.where(pi.c.process_definition_key.not_in(c["processDefinitionKeyNotIn"]))
    if c.get("deploymentId") is not None:
        query = query.where(
            pi.c.process_definition_id.in_(select(pd.c.id).where(pd.c.deployment_id == c["deploymentId"]))
        )
    if c.get("superProcessInstance") is not None:
        query = query.where(pi.c.super_process_instance_id == c["superProcessInstance"])
    if c.get("subProcessInstance") is not None:
        sub = t.process_instance.alias("sub")
        query = query.where(pi.c.id.in_(select(sub.c.super_process_instance_id).where(sub.c.id == c["subProcessInstance"])))
    if c.get("rootProcessInstances"):
        query = query.where(pi.c.super_process_instance_id.is_(None))
    if c.get("leafProcessInstances"):
        sub = t.process_instance.alias("leaf")
        query = query.where(~pi.c.id.in_(select(sub.c.super_process_instance_id).where(sub.c.super_process_instance_id.is_not(None), sub.c.end_time.is_(None))))
    if c.get("active"):
        query = query.where(pi.c.suspended.is_(False))
    if c.get("suspended"):
        query = query.where(pi.c.suspended.is_(True))
    if c.get("tenantIdIn"):
        query = query.where(pi.c.tenant_id.in_(c["tenantIdIn"]))
    if c.get("withoutTenantId"):
        query = query.where(pi.c.tenant_id.is_(None))
    if c.get("activityIdIn"):
        tk = t.task
        query = query.where(pi.c.id.in_(select(tk.c.process_instance_id).where(tk.c.task_definition_key.in_(c["activityIdIn"]))))
    query = apply_sorting(query, sorting, INSTANCE_SORT, pi.c.start_time.asc())
    with engine.database.transaction(write=False) as conn:
        rows = list(conn.execute(query).mappings())
        rows = filter_by_variables(
            conn,
            rows,
            c.get("variables"),
            lambda row: row["id"],
            names_ignore_case=bool(c.get("variableNamesIgnoreCase")),
            values_ignore_case=bool(c.get("variableValuesIgnoreCase")),
        )
    if count_only:
        return len(rows)
    return page(rows, first_result, max_results)


def delete_process_instance(
    engine: ProcessEngine, instance_id: str, *, fail_if_not_exists: bool = True, reason: str | None = None,
    skip_custom_listeners: bool = False,
) -> None:
    pi = t.process_instance
    with engine.database.transaction() as conn:
        row = conn.execute(select(pi.c.id).where(pi.c.id == instance_id, pi.c.end_time.is_(None))).first()
        if row is None:
            if fail_if_not_exists:
                raise NotFound(f"No process instance found for id '{instance_id}'")
            return
        delete_running_instances(conn, [instance_id], reason, None if skip_custom_listeners else engine)


def delete_running_instances(conn: Connection, instance_ids: list[str], reason: str | None, engine: ProcessEngine | None = None) -> None:
    """Given the engine, the instances' running activities end with their listeners first
    (Camunda's default; ``skipCustomListeners`` passes none)."""
    pi = t.process_instance
    # Called instances go with their caller, as in Camunda.
    children = [row[0] for row in conn.execute(select(pi.c.id).where(pi.c.super_process_instance_id.in_(instance_ids), pi.c.end_time.is_(None)))]
    if children:
        delete_running_instances(conn, children, reason, engine)
    if engine is not None:
        for instance_id in instance_ids:
            _end_activities(engine, conn, instance_id)
    task_ids = select(t.task.c.id).where(t.task.c.process_instance_id.in_(instance_ids))
    conn.execute(delete(t.identity_link).where(t.identity_link.c.task_id.in_(task_ids)))
    conn.execute(delete(t.task).where(t.task.c.process_instance_id.in_(instance_ids)))
    conn.execute(delete(t.variable).where(t.variable.c.process_instance_id.in_(instance_ids)))
    from engine.dates import now

    conn.execute(
        update(pi)
        .where(pi.c.id.in_(instance_ids))
        .values(state="EXTERNALLY_TERMINATED", end_time=now(), spiff_state=None, delete_reason=reason, revision=pi.c.revision + 1)
    )


def _end_activities(engine: ProcessEngine, conn: Connection, instance_id: str) -> None:
    definition_id = conn.execute(select(t.process_instance.c.process_definition_id)
                                 .where(t.process_instance.c.id == instance_id)).scalar_one()
    spec, subprocess_specs = engine.specs.get(conn, engine.specs.definition(conn, definition_id))
    if listeners.deletion_runs_listeners(spec, subprocess_specs):
        listeners.fire_for_deletion(ProcessInstanceSession.load(engine, conn, instance_id))


def set_suspended(engine: ProcessEngine, instance_id: str, suspended: bool) -> None:
    pi = t.process_instance
    with engine.database.transaction() as conn:
        _running(conn, instance_id)
        conn.execute(
            update(pi).where(pi.c.id == instance_id).values(
                suspended=suspended, state="SUSPENDED" if suspended else "ACTIVE", revision=pi.c.revision + 1
            )
        )
        conn.execute(update(t.task).where(t.task.c.process_instance_id == instance_id).values(suspended=suspended))


def activity_instances(engine: ProcessEngine, instance_id: str) -> dict[str, Any]:
    """Camunda's activity-instance tree: the process instance at the root, then every
    activity a token is in (waiting or running), nested by embedded sub-process."""
    with engine.database.transaction(write=False) as conn:
        session = ProcessInstanceSession.load(engine, conn, instance_id)
    workflow = session.workflow
    assert workflow is not None
    definition_id = session.definition["id"]

    def node(spiff_task: Any, parent_id: str) -> dict[str, Any]:
        spec = spiff_task.task_spec
        own_id = f"{spec.bpmn_id}:{spiff_task.id}"
        children = []
        sub = workflow.subprocesses.get(spiff_task.id)
        if sub is not None:
            children = [node(child, own_id) for child in _active(sub)]
        return _activity_dto(own_id, parent_id, spec.bpmn_id, activity_type(spec), spec.bpmn_name, instance_id, definition_id, children)

    root_id = instance_id
    children = [node(task, root_id) for task in _active(workflow)]
    tree = _activity_dto(root_id, None, definition_id, "processDefinition", session.definition["name"], instance_id, definition_id, children)
    session.release()
    return tree


def _active(workflow: Any) -> list[Any]:
    active = []
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.STARTED | TaskState.WAITING):
        if task.workflow is not workflow or activity_type(task.task_spec) is None:
            continue
        active.append(task)
    return active


def _activity_dto(
    own_id: str, parent_id: str | None, activity_id: str, kind: str | None, name: str | None,
    instance_id: str, definition_id: str, children: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "id": own_id,
        "parentActivityInstanceId": parent_id,
        "activityId": activity_id,
        "activityType": kind,
        "processInstanceId": instance_id,
        "processDefinitionId": definition_id,
        "childActivityInstances": children,
        "childTransitionInstances": [],
        "executionIds": [instance_id],
        "activityName": name,
        "incidentIds": [],
        "incidents": [],
        "name": name,
    }


def count_running(conn: Connection, definition_id: str) -> int:
    pi = t.process_instance
    return conn.execute(
        select(func.count()).select_from(pi).where(pi.c.process_definition_id == definition_id, pi.c.end_time.is_(None))
    ).scalar() or 0


def ensure_valid_variables_filter(filters: Any) -> None:
    if filters is None:
        return
    if not isinstance(filters, list):
        raise InvalidRequest("Cannot set query parameter 'variables': expected a list")
