"""The ASGI entry point uvicorn loads in each worker process."""
from __future__ import annotations

import logging

from starlette.applications import Starlette

from compat_api.app import create_app
from engine.process_engine import ProcessEngine


def app_factory() -> Starlette:
    """Each worker opens its own pool on ``M8FLOW_DATABASE_URL``; the parent process has
    already upgraded the schema."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # SpiffWorkflow logs every task state change at INFO: far too much for a server log.
    logging.getLogger("spiff").setLevel(logging.WARNING)
    return create_app(ProcessEngine.from_url(upgrade=False))
