"""`/external-task`: fetchAndLock (with long polling), complete, failure, bpmnError, lock,
extendLock, unlock, retries, priority, queries, topic names."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from compat_api import dto
from compat_api.errors import RestError, invalid
from compat_api.params import (
    Criteria,
    Query,
    body_bool,
    body_int,
    body_list,
    body_sorting,
    body_str,
    body_str_list,
    json_body,
)
from compat_api.responses import no_content, ok
from compat_api.routing import call, call_short, path
from engine import variables as typed
from engine.commands import external_task as commands
from engine.commands.external_task import FetchRequest, LockedTask, TopicRequest
from engine.errors import BadUserRequest, NotFound
from engine.long_polling import MAX_TIMEOUT_MS, LongPolling, Superseded


def external_task(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "activityId": row["activity_id"],
        "activityInstanceId": row["activity_instance_id"],
        "errorMessage": row["error_message"],
        "executionId": row["execution_id"],
        "id": row["id"],
        "lockExpirationTime": row["lock_expiration_time"],
        "processDefinitionId": row["process_definition_id"],
        "processDefinitionKey": row["process_definition_key"],
        "processDefinitionVersionTag": row["process_definition_version_tag"],
        "processInstanceId": row["process_instance_id"],
        "tenantId": row["tenant_id"],
        "retries": row["retries"],
        "suspended": bool(row["suspended"]),
        "workerId": row["worker_id"],
        "topicName": row["topic_name"],
        "priority": row["priority"],
        "businessKey": row["business_key"],
    }


def locked_external_task(task: LockedTask) -> dict[str, Any]:
    return {
        **external_task(task.row),
        "errorDetails": task.row["error_details"],
        "variables": dto.variables(task.variables, deserialize=task.deserialize_values),
        "extensionProperties": task.extension_properties,
    }


# -- fetch and lock --------------------------------------------------------------------------
def long_polling_of(request: Request) -> LongPolling:
    return request.app.state.long_polling


def _topic(entry: Any) -> TopicRequest:
    if not isinstance(entry, dict):
        raise invalid("Cannot deserialize value of 'topics': expected objects")
    variables = body_str_list(entry, "variables")
    process_variables = entry.get("processVariables")
    if process_variables is not None and not isinstance(process_variables, dict):
        raise invalid("Cannot deserialize value of 'processVariables': expected an object")
    return TopicRequest(
        topic_name=body_str(entry, "topicName"),  # type: ignore[arg-type]  # validated by the command
        lock_duration=body_int(entry, "lockDuration") or 0,
        variables=variables,
        local_variables=bool(body_bool(entry, "localVariables")),
        business_key=body_str(entry, "businessKey"),
        process_definition_id=body_str(entry, "processDefinitionId"),
        process_definition_id_in=body_str_list(entry, "processDefinitionIdIn"),
        process_definition_key=body_str(entry, "processDefinitionKey"),
        process_definition_key_in=body_str_list(entry, "processDefinitionKeyIn"),
        process_definition_version_tag=body_str(entry, "processDefinitionVersionTag"),
        without_tenant_id=bool(body_bool(entry, "withoutTenantId")),
        tenant_id_in=body_str_list(entry, "tenantIdIn"),
        process_variables=process_variables or None,
        deserialize_values=bool(body_bool(entry, "deserializeValues")),
        include_extension_properties=bool(body_bool(entry, "includeExtensionProperties")),
    )


async def fetch_and_lock(request: Request) -> Response:
    body = await json_body(request)
    timeout = body_int(body, "asyncResponseTimeout")
    if timeout is not None and timeout > MAX_TIMEOUT_MS:
        raise invalid(
            f"The asynchronous response timeout cannot be set to a value greater than {MAX_TIMEOUT_MS} milliseconds"
        )
    sorting = body_sorting(body)
    for entry in sorting or []:
        if entry["sortBy"] != "createTime":
            raise invalid(f"Cannot set query parameter 'sortBy' to value '{entry['sortBy']}'")
    fetch = FetchRequest(
        worker_id=body_str(body, "workerId"),
        max_tasks=body_int(body, "maxTasks"),
        topics=[_topic(entry) for entry in body_list(body, "topics") or []],
        use_priority=bool(body_bool(body, "usePriority")),
        sorting=sorting,
    )
    polling = long_polling_of(request).fetch_and_lock(fetch, timeout)
    try:
        tasks = await (polling if not timeout else _unless_disconnected(request, polling))
    except Superseded:
        # Camunda cancels the older request of a unique worker: JAX-RS answers 503, no body.
        return Response(status_code=503)
    return ok([locked_external_task(task) for task in tasks])


async def _unless_disconnected(request: Request, polling: Coroutine[Any, Any, list[LockedTask]]) -> list[LockedTask]:
    """A worker that goes away while its request is parked (killed, restarted) stops waiting:
    no task is locked for a client that can no longer receive it."""
    waiting = asyncio.ensure_future(polling)
    gone = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({waiting, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if not waiting.done():
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        return []
    return waiting.result()


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


# -- commands on one task --------------------------------------------------------------------
async def _on_task(request: Request, command: Any, *args: Any, **kwargs: Any) -> Response:
    """Camunda's REST layer: an unknown task is 404, a refused request (wrong worker, expired
    lock) 400, both as RestException; everything else keeps the engine's mapping."""
    task_id = path(request, "id")
    try:
        await call_short(request, command, task_id, *args, **kwargs)
    except NotFound as exc:
        raise RestError(404, f"External task with id {task_id} does not exist", "RestException", exc.code) from exc
    except BadUserRequest as exc:
        raise RestError(400, exc.message, "RestException", exc.code) from exc
    return no_content()


def _variables(body: Mapping[str, Any], name: str) -> dict[str, typed.TypedValue] | None:
    if body.get(name) is None:
        return None
    return typed.parse_variables(body.get(name), context="")


async def complete(request: Request) -> Response:
    body = await json_body(request)
    return await _on_task(request, commands.complete, body_str(body, "workerId"),
                          _variables(body, "variables"), _variables(body, "localVariables"))


async def failure(request: Request) -> Response:
    body = await json_body(request)
    return await _on_task(
        request, commands.handle_failure, body_str(body, "workerId"),
        error_message=body_str(body, "errorMessage"), error_details=body_str(body, "errorDetails"),
        # Camunda's DTO has primitive ints: a missing value is 0 (retries 0: an incident).
        retries=body_int(body, "retries") or 0, retry_timeout=body_int(body, "retryTimeout") or 0,
        variables=_variables(body, "variables"), local_variables=_variables(body, "localVariables"),
    )


async def bpmn_error(request: Request) -> Response:
    body = await json_body(request)
    return await _on_task(request, commands.handle_bpmn_error, body_str(body, "workerId"), body_str(body, "errorCode"),
                          body_str(body, "errorMessage"), _variables(body, "variables"))


async def extend_lock(request: Request) -> Response:
    body = await json_body(request)
    return await _on_task(request, commands.extend_lock, body_str(body, "workerId"), body_int(body, "newDuration") or 0)


async def lock(request: Request) -> Response:
    body = await json_body(request)
    return await _on_task(request, commands.lock, body_str(body, "workerId"), body_int(body, "lockDuration") or 0)


async def unlock(request: Request) -> Response:
    return await _on_task(request, commands.unlock)


async def set_retries(request: Request) -> Response:
    body = await json_body(request)
    retries = body_int(body, "retries")
    if retries is None:
        raise RestError(400, "The number of retries cannot be null.")
    task_id = path(request, "id")
    try:
        await call(request, commands.set_retries, [task_id], retries)
    except NotFound as exc:
        raise RestError(404, f"External task with id {task_id} does not exist") from exc
    return no_content()


async def set_retries_batch(request: Request) -> Response:
    body = await json_body(request)
    retries = body_int(body, "retries")
    query = body.get("externalTaskQuery")
    if query is not None and not isinstance(query, dict):
        raise invalid("Cannot deserialize value of 'externalTaskQuery': expected an object")
    if body.get("processInstanceQuery") is not None or body.get("historicProcessInstanceQuery") is not None:
        raise invalid("processInstanceQuery and historicProcessInstanceQuery are not supported by m8flow; "
                      "name the instances in processInstanceIds")
    ids = await call(request, commands.task_ids_of, task_ids=body_str_list(body, "externalTaskIds"),
                     process_instance_ids=body_str_list(body, "processInstanceIds"),
                     criteria=CRITERIA.from_body(query) if query is not None else None)
    if retries is None:
        raise BadUserRequest("retries is null")
    if not ids:
        raise BadUserRequest("externalTaskIds is empty")
    try:
        await call(request, commands.set_retries, ids, retries)
    except NotFound as exc:
        raise BadUserRequest(exc.message) from exc
    return no_content()


async def set_priority(request: Request) -> Response:
    body = await json_body(request)
    return await _on_task(request, commands.set_priority, body_int(body, "priority") or 0)


# -- reading -----------------------------------------------------------------------------------
async def get_task(request: Request) -> Response:
    task_id = path(request, "id")
    try:
        row = await call(request, commands.get_external_task, task_id)
    except NotFound as exc:
        raise RestError(404, f"External task with id {task_id} does not exist") from exc
    return ok(external_task(row))


async def error_details(request: Request) -> Response:
    task_id = path(request, "id")
    try:
        details = await call(request, commands.error_details, task_id)
    except NotFound as exc:
        raise RestError(404, f"External task with id {task_id} does not exist") from exc
    if details is None:
        return no_content()
    return PlainTextResponse(details)


STRINGS = ("externalTaskId", "topicName", "workerId", "activityId", "executionId", "processInstanceId", "processDefinitionId")
LISTS = ("externalTaskIdIn", "activityIdIn", "processInstanceIdIn", "tenantIdIn")
BOOLS = ("locked", "notLocked", "withRetriesLeft", "noRetriesLeft", "active", "suspended")
INTS = ("priorityHigherThanOrEquals", "priorityLowerThanOrEquals")
DATES = ("lockExpirationAfter", "lockExpirationBefore")


CRITERIA = Criteria(strings=STRINGS, lists=LISTS, bools=BOOLS, ints=INTS, dates=DATES)


async def list_tasks(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    rows = await call(request, commands.query_external_tasks, CRITERIA.from_query(q), sorting=q.sorting(),
                      first_result=first, max_results=maximum)
    return ok([external_task(row) for row in rows])


async def query_tasks(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    body = await json_body(request)
    rows = await call(request, commands.query_external_tasks, CRITERIA.from_body(body), sorting=body_sorting(body),
                      first_result=first, max_results=maximum)
    return ok([external_task(row) for row in rows])


async def count_tasks(request: Request) -> Response:
    q = Query(request)
    return ok(dto.count(await call(request, commands.query_external_tasks, CRITERIA.from_query(q), count_only=True)))


async def count_tasks_post(request: Request) -> Response:
    body = await json_body(request)
    return ok(dto.count(await call(request, commands.query_external_tasks, CRITERIA.from_body(body), count_only=True)))


async def topic_names(request: Request) -> Response:
    q = Query(request)
    names = await call(request, commands.topic_names, with_locked=bool(q.bool("withLockedTasks")),
                       with_unlocked=bool(q.bool("withUnlockedTasks")), with_retries_left=bool(q.bool("withRetriesLeft")))
    return ok(names)


routes = [
    Route("/external-task", list_tasks, methods=["GET"]),
    Route("/external-task", query_tasks, methods=["POST"]),
    Route("/external-task/count", count_tasks, methods=["GET"]),
    Route("/external-task/count", count_tasks_post, methods=["POST"]),
    Route("/external-task/fetchAndLock", fetch_and_lock, methods=["POST"]),
    Route("/external-task/topic-names", topic_names, methods=["GET"]),
    Route("/external-task/retries", set_retries_batch, methods=["PUT"]),
    Route("/external-task/{id}", get_task, methods=["GET"]),
    Route("/external-task/{id}/errorDetails", error_details, methods=["GET"]),
    Route("/external-task/{id}/complete", complete, methods=["POST"]),
    Route("/external-task/{id}/failure", failure, methods=["POST"]),
    Route("/external-task/{id}/bpmnError", bpmn_error, methods=["POST"]),
    Route("/external-task/{id}/extendLock", extend_lock, methods=["POST"]),
    Route("/external-task/{id}/lock", lock, methods=["POST"]),
    Route("/external-task/{id}/unlock", unlock, methods=["POST"]),
    Route("/external-task/{id}/retries", set_retries, methods=["PUT"]),
    Route("/external-task/{id}/priority", set_priority, methods=["PUT"]),
]
