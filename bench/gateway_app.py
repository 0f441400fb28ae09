"""The gateway as uvicorn serves it, plus one bare Starlette endpoint: the baseline every
gateway figure is divided by, measured in the same process, the same run."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from compat_api.server import app_factory


async def bare(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"id": "bare", "ended": False})


def create():  # type: ignore[no-untyped-def]
    app = app_factory()
    app.router.routes.insert(0, Route("/bare", bare, methods=["POST"]))
    return app
