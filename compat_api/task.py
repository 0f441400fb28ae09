"""`/task`: query (GET and POST), get, claim, unclaim, assignee, delegate, resolve, complete,
submit-form, forms, identity links, variables."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api import dto
from compat_api.errors import RestError, invalid
from compat_api.forms import submitted_variables
from compat_api.params import (
    Criteria,
    Query,
    body_bool,
    body_sorting,
    body_str,
    json_body,
)
from compat_api.responses import no_content, ok
from compat_api.routing import call, call_short, path
from compat_api.variables_resource import form_field_variables, routes_for
from engine import variables as typed
from engine.commands import form as form_commands
from engine.commands import task as commands
from engine.commands.form import FormLocation
from engine.commands.variables import Target, get_variables
from engine.errors import (
    BadUserRequest,
    NotFound,
    NullValue,
    OptimisticLockingConflict,
    ProcessEngineException,
)

CRITERIA = Criteria(
    strings=(
        "processInstanceId", "processInstanceBusinessKey", "processInstanceBusinessKeyLike", "processDefinitionId",
        "processDefinitionKey", "executionId", "assignee", "assigneeLike", "owner", "ownerLike", "candidateGroup",
        "candidateUser", "involvedUser", "taskDefinitionKey", "taskDefinitionKeyLike", "name", "nameLike",
        "description", "descriptionLike", "delegationState", "taskId",
    ),
    lists=(
        "processInstanceIdIn", "processInstanceBusinessKeyIn", "processDefinitionKeyIn", "taskDefinitionKeyIn",
        "assigneeIn", "assigneeNotIn", "tenantIdIn", "candidateGroups", "taskIdIn", "activityInstanceIdIn",
    ),
    bools=(
        "includeAssignedTasks", "assigned", "unassigned", "active", "suspended", "withoutTenantId", "withoutDueDate",
        "withCandidateGroups", "withoutCandidateGroups", "withCandidateUsers", "withoutCandidateUsers",
        "variableNamesIgnoreCase", "variableValuesIgnoreCase",
    ),
    ints=("priority", "minPriority", "maxPriority"),
    dates=(
        "dueDate", "dueBefore", "dueAfter", "followUpDate", "followUpBefore", "followUpAfter",
        "createdOn", "createdBefore", "createdAfter",
    ),
    variable_filters=("processVariables", "taskVariables"),
)


async def list_tasks(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    rows = await call(request, commands.query_tasks, CRITERIA.from_query(q), sorting=q.sorting(), first_result=first, max_results=maximum)
    return ok([dto.task(row) for row in rows])


async def query_tasks(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    body = await json_body(request)
    rows = await call(request, commands.query_tasks, CRITERIA.from_body(body), sorting=body_sorting(body), first_result=first, max_results=maximum)
    return ok([dto.task(row) for row in rows])


async def count_tasks(request: Request) -> Response:
    q = Query(request)
    return ok(dto.count(await call(request, commands.query_tasks, CRITERIA.from_query(q), count_only=True)))


async def count_tasks_post(request: Request) -> Response:
    body = await json_body(request)
    return ok(dto.count(await call(request, commands.query_tasks, CRITERIA.from_body(body), count_only=True)))


async def get_task(request: Request) -> Response:
    try:
        row = await call(request, commands.get_task, path(request, "id"))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return ok(dto.task(row))


def _user_command(command: Any, verb: str) -> Any:
    async def endpoint(request: Request) -> Response:
        body = await json_body(request)
        user_id = body_str(body, "userId")
        await call(request, command, path(request, "id"), user_id)
        return no_content()

    endpoint.__name__ = verb
    return endpoint


async def unclaim(request: Request) -> Response:
    await call(request, commands.unclaim, path(request, "id"))
    return no_content()


async def resolve(request: Request) -> Response:
    task_id = path(request, "id")
    body = await json_body(request)
    variables = typed.parse_variables(body.get("variables"), context=f"Cannot resolve task {task_id}")
    await call(request, commands.resolve, task_id, variables)
    return no_content()


async def _finish(request: Request, verb: str, *, form_aware: bool) -> Response:
    """complete and submit-form: the same command; submit-form types the variables by the
    task's form first (compat_api.forms)."""
    task_id = path(request, "id")
    body = await json_body(request)
    prefix = f"Cannot {verb} {task_id}"
    if form_aware:
        variables = await _form_typed_variables(request, task_id, body.get("variables"), prefix)
    else:
        variables = typed.parse_variables(body.get("variables"), context=prefix)
    with_variables = bool(body_bool(body, "withVariablesInReturn"))
    try:
        returned = await call_short(request, commands.complete, task_id, variables, with_variables_in_return=with_variables)
    except BadUserRequest as exc:
        raise RestError(400, f"{prefix}: {exc.message}", "InvalidRequestException") from exc
    except ProcessEngineException as exc:
        if isinstance(exc, OptimisticLockingConflict):
            raise
        raise RestError(500, f"{prefix}: {exc.message}", "RestException", exc.code) from exc
    if with_variables and returned is not None:
        return ok(dto.variables(returned, deserialize=False))
    return no_content()


async def _form_typed_variables(request: Request, task_id: str, dtos: Any, prefix: str) -> dict[str, typed.TypedValue]:
    try:
        location = await call(request, form_commands.task_form, task_id)
    except NotFound:
        location = None  # the complete command reports the missing task as Camunda does
    existing: dict[str, Any] = {}
    if location is not None:
        current = await call(request, get_variables, Target("task", task_id))
        existing = {name: value.value for name, value in current.items()}
    return submitted_variables(location, dtos, context=prefix, existing=existing)


async def complete(request: Request) -> Response:
    return await _finish(request, "complete task", form_aware=False)


async def submit_form(request: Request) -> Response:
    return await _finish(request, "submit task form", form_aware=True)


async def _task_form(request: Request) -> FormLocation:
    try:
        return await call(request, form_commands.task_form, path(request, "id"))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc


async def form(request: Request) -> Response:
    location = await _task_form(request)
    key = location.form_key
    if key is None and location.kind == "generated":
        key = f"embedded:engine://engine/:engine/task/{path(request, 'id')}/rendered-form"
    ref = location.form_ref.to_json() if location.form_ref else None
    return ok({"key": key, "camundaFormRef": ref, "contextPath": None})


async def form_variables(request: Request) -> Response:
    """Camunda's GetTaskFormVariablesCmd: the form's fields (current value, else default),
    then every other variable the task sees."""
    q = Query(request)
    location = await _task_form(request)
    current = await call(request, get_variables, Target("task", path(request, "id")))
    names = q.csv("variableNames")
    values = form_field_variables(location, names, current)
    values.update({k: v for k, v in current.items() if k not in values and (not names or k in names)})
    return ok(dto.variables(values, deserialize=bool(q.bool("deserializeValues", True))))


async def identity_links(request: Request) -> Response:
    q = Query(request)
    try:
        links = await call(request, commands.identity_links, path(request, "id"), q.str("type"))
    except NullValue as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return ok(links)


def _identity_link_change(command: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        body = await json_body(request, required=True)
        user_id, group_id, link_type = body_str(body, "userId"), body_str(body, "groupId"), body_str(body, "type")
        if link_type is None:
            raise invalid("Identity link type is required")
        if (user_id is None) == (group_id is None):
            raise invalid("Identity link requires either a userId or a groupId")
        await call(request, command, path(request, "id"), user_id=user_id, group_id=group_id, link_type=link_type)
        return no_content()

    return endpoint


routes = [
    Route("/task", list_tasks, methods=["GET"]),
    Route("/task", query_tasks, methods=["POST"]),
    Route("/task/count", count_tasks, methods=["GET"]),
    Route("/task/count", count_tasks_post, methods=["POST"]),
    Route("/task/{id}", get_task, methods=["GET"]),
    Route("/task/{id}/claim", _user_command(commands.claim, "claim"), methods=["POST"]),
    Route("/task/{id}/unclaim", unclaim, methods=["POST"]),
    Route("/task/{id}/assignee", _user_command(commands.set_assignee, "assignee"), methods=["POST"]),
    Route("/task/{id}/delegate", _user_command(commands.delegate, "delegate"), methods=["POST"]),
    Route("/task/{id}/resolve", resolve, methods=["POST"]),
    Route("/task/{id}/complete", complete, methods=["POST"]),
    Route("/task/{id}/submit-form", submit_form, methods=["POST"]),
    Route("/task/{id}/form", form, methods=["GET"]),
    Route("/task/{id}/form-variables", form_variables, methods=["GET"]),
    Route("/task/{id}/identity-links", identity_links, methods=["GET"]),
    Route("/task/{id}/identity-links", _identity_link_change(commands.add_identity_link), methods=["POST"]),
    Route("/task/{id}/identity-links/delete", _identity_link_change(commands.delete_identity_link), methods=["POST"]),
    *routes_for("/task/{id}/variables", "task"),
    *routes_for("/task/{id}/localVariables", "task-local"),
]
