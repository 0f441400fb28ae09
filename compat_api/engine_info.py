"""`GET /engine` and `GET /version`."""
from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from compat_api.responses import ok
from compat_api.routing import engine_of

CAMUNDA_VERSION = "7.23.0"


async def engines(request: Request):  # type: ignore[no-untyped-def]
    return ok([{"name": engine_of(request).name}])


async def version(_request: Request):  # type: ignore[no-untyped-def]
    return ok({"version": CAMUNDA_VERSION})


routes = [
    Route("/version", version, methods=["GET"]),
]
engine_routes = [Route("/engine", engines, methods=["GET"])]
