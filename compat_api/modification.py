"""`/process-instance/{id}/modification` (+ `-async`), and the instruction DTOs shared with
`startInstructions` on `/process-definition/.../start`."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api.errors import RestError, invalid
from compat_api.params import body_bool, body_str, json_body
from compat_api.responses import no_content, ok
from compat_api.routing import call, path
from engine import variables as typed
from engine.commands import modification as commands
from engine.dates import now
from engine.errors import NotFound
from engine.modification import Instruction


def instructions(dtos: Any, *, context: str = "") -> list[Instruction]:
    """``ProcessInstanceModificationInstructionDto`` list → engine instructions; each
    variable marked ``"local": true`` goes to the started activity instance."""
    if dtos is None:
        return []
    if not isinstance(dtos, list) or not all(isinstance(item, Mapping) for item in dtos):
        raise invalid(f"{context}: instructions must be a JSON array of objects" if context else
                      "instructions must be a JSON array of objects")
    result = []
    for dto in dtos:
        for unsupported in ("ancestorActivityInstanceId", "transitionInstanceId"):
            if dto.get(unsupported):
                raise invalid(f"{unsupported} is not supported by m8flow")
        raw = dto.get("variables") or {}
        if not isinstance(raw, Mapping):
            raise invalid("variables must be a JSON object")
        local = {name: value for name, value in raw.items() if isinstance(value, Mapping) and value.get("local")}
        shared = {name: value for name, value in raw.items() if name not in local}
        result.append(Instruction(
            type=str(dto.get("type") or ""),
            activity_id=body_str(dto, "activityId"),
            activity_instance_id=body_str(dto, "activityInstanceId"),
            transition_id=body_str(dto, "transitionId"),
            variables=typed.parse_variables(shared, context=context),
            local_variables=typed.parse_variables(local, context=context),
        ))
    return result


async def _modify(request: Request) -> None:
    body = await json_body(request, required=True)
    instance_id = path(request, "id")
    parsed = instructions(body.get("instructions"))
    try:
        await call(
            request, commands.modify_process_instance, instance_id, parsed,
            skip_custom_listeners=bool(body_bool(body, "skipCustomListeners")),
            skip_io_mappings=bool(body_bool(body, "skipIoMappings")),
            annotation=body_str(body, "annotation"),
        )
    except NotFound as exc:
        raise RestError(400, exc.message, "InvalidRequestException") from exc


async def modify(request: Request) -> Response:
    await _modify(request)
    return no_content()


async def modify_async(request: Request) -> Response:
    """Done at once; answered with the BatchDto Camunda returns, all its jobs finished."""
    await _modify(request)
    return ok(batch("instance-modification", 1))


def batch(type_: str, total: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "type": type_, "totalJobs": total, "jobsCreated": total,
        "batchJobsPerSeed": 100, "invocationsPerBatchJob": 1, "seedJobDefinitionId": None,
        "monitorJobDefinitionId": None, "batchJobDefinitionId": None, "suspended": False,
        "tenantId": None, "createUserId": None, "startTime": now(), "executionStartTime": now(),
    }


routes = [
    Route("/process-instance/{id}/modification", modify, methods=["POST"]),
    Route("/process-instance/{id}/modification-async", modify_async, methods=["POST"]),
]
