"""The Starlette application: every Camunda resource under ``/engine-rest`` and again under
``/engine-rest/engine/{name}`` (Camunda's named-engine prefix)."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from compat_api import (
    deployment,
    engine_info,
    event_subscription,
    execution,
    external_task,
    incident,
    job,
    job_definition,
    message,
    modification,
    process_definition,
    process_instance,
    signal,
    task,
)
from compat_api import forms as m8flow_forms
from compat_api.dispatch import ResourceRoutes
from compat_api.errors import EXCEPTION_HANDLERS, RestError
from compat_api.routing import run_short
from compat_api.shutdown import on_stop_signal
from engine.jobs.executor import JobExecutor, enabled_by_environment
from engine.long_polling import LongPolling, LongPollingSettings
from engine.process_engine import ProcessEngine

ROOT = "/engine-rest"

RESOURCE_MODULES = (engine_info, deployment, process_definition, process_instance, task, execution, external_task, incident, job, job_definition, modification, message, signal, event_subscription)


def resource_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for module in RESOURCE_MODULES:
        routes.extend(module.routes)
    return routes


class NamedEngine:
    """``/engine/{name}/...``: only the configured engine exists."""

    def __init__(self, app: ASGIApp, engine_name: str) -> None:
        self.app = app
        self.engine_name = engine_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope.get("path_params", {}).get("engine_name")
        if scope["type"] == "http" and name != self.engine_name:
            raise RestError(400, "No process engine available", "InvalidRequestException")
        await self.app(scope, receive, send)


def create_app(engine: ProcessEngine, *, long_polling: LongPollingSettings | None = None) -> Starlette:
    """``long_polling``: fetchAndLock's queue capacity and unique worker requests; by default
    from ``M8FLOW_FETCH_AND_LOCK_*`` (``m8flow serve`` sets them from its options)."""
    routes = ResourceRoutes(resource_routes())
    named = Starlette(routes=[routes], exception_handlers=EXCEPTION_HANDLERS)
    named.state.engine = engine
    # Fetches are short commands too: on the event loop when SQLite's writer is free.
    polling = LongPolling(engine, run_short, settings=long_polling or LongPollingSettings.from_environment())
    named.state.long_polling = polling

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        executor = JobExecutor(engine) if enabled_by_environment() else None
        if executor is not None:
            await executor.start()
        try:
            with on_stop_signal(polling.reject_parked):
                yield
        finally:
            await polling.close()
            if executor is not None:
                await executor.stop()
            engine.close()

    app = Starlette(
        routes=[
            Mount(
                ROOT,
                routes=[
                    *engine_info.engine_routes,
                    Mount("/engine/{engine_name}", app=NamedEngine(named, engine.name)),
                    routes,
                ],
            ),
            # m8flow's own endpoints (form.io forms) stay outside Camunda's namespace
            Mount("/m8flow", routes=m8flow_forms.routes),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.long_polling = polling
    return app


def normalise_path(path: str) -> str:
    """``/task/{id}/variables/{varName}`` and ``.../{name}`` name the same operation."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def route_table() -> list[tuple[str, str]]:
    """(method, path) of every Camunda operation the gateway serves, for docs/compatibility.md."""
    table = [("GET", "/engine")]
    for route in resource_routes():
        if isinstance(route, Route):
            for method in sorted(route.methods or []):
                if method != "HEAD":
                    table.append((method, route.path))
    return table
