"""The ``m8flow`` command: ``serve`` the gateway, and the ``migrate`` and ``forms`` tools."""
from __future__ import annotations

import os
from typing import Annotated

import typer

from engine.long_polling import (
    DEFAULT_QUEUE_CAPACITY,
    QUEUE_CAPACITY_ENV,
    UNIQUE_WORKER_REQUEST_ENV,
)
from engine.store.database import DEFAULT_DATABASE_URL, Database

app = typer.Typer(help="m8flow: a Camunda 7 compatible process engine gateway.", no_args_is_help=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", envvar="M8FLOW_DATABASE_URL", help="SQLAlchemy URL; default sqlite:///./m8flow.db."),
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (use PostgreSQL for more than one).")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    fetch_and_lock_queue_capacity: Annotated[
        int,
        typer.Option(envvar=QUEUE_CAPACITY_ENV, min=1,
                     help="Long polls on their way in at once before one that finds no task gets 500 (Camunda's fetch-and-lock-queue-capacity)."),
    ] = DEFAULT_QUEUE_CAPACITY,
    fetch_and_lock_unique_worker_request: Annotated[
        bool,
        typer.Option(envvar=UNIQUE_WORKER_REQUEST_ENV,
                     help="A new parked long poll cancels the one of the same workerId (Camunda's fetch-and-lock-unique-worker-request)."),
    ] = False,
) -> None:
    """Serve the Camunda 7 REST API on http://HOST:PORT/engine-rest."""
    import uvicorn

    url = database_url or DEFAULT_DATABASE_URL
    database = Database(url)
    if workers > 1 and not database.is_postgres:
        typer.echo("warning: several workers on SQLite serialise on the database file; use PostgreSQL to scale out", err=True)
    database.upgrade_schema()
    database.dispose()
    os.environ["M8FLOW_DATABASE_URL"] = url
    # Read by each worker process's app (LongPollingSettings.from_environment).
    os.environ[QUEUE_CAPACITY_ENV] = str(fetch_and_lock_queue_capacity)
    os.environ[UNIQUE_WORKER_REQUEST_ENV] = "true" if fetch_and_lock_unique_worker_request else "false"
    typer.echo(f"m8flow: Camunda REST API on http://{host}:{port}/engine-rest (database {database.url.split('@')[-1]})")
    uvicorn.run(
        "compat_api.server:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        proxy_headers=True,
    )


def _mount_tools() -> None:
    try:
        from migrate.cli import app as migrate_app
    except ImportError:  # pragma: no cover — migrate is part of the distribution
        pass
    else:
        app.add_typer(migrate_app, name="migrate", help="Analyze and convert Camunda 7 deployments.")
    try:
        from forms.cli import app as forms_app
    except ImportError:  # pragma: no cover
        pass
    else:
        app.add_typer(forms_app, name="forms", help="Convert Camunda forms to form.io JSON.")


_mount_tools()


if __name__ == "__main__":
    app()
