"""The ASGI entry point uvicorn loads in each worker process."""
from __future__ import annotations

import gc
import logging

from starlette.applications import Starlette

from compat_api.app import create_app
from engine.process_engine import ProcessEngine

# Young collections every 10,000 allocations instead of 700; see _tune_garbage_collector.
GC_THRESHOLD = (10_000, 10, 10)


def app_factory() -> Starlette:
    """Each worker opens its own pool on ``M8FLOW_DATABASE_URL``; the parent process has
    already upgraded the schema."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # SpiffWorkflow logs every task state change at INFO: far too much for a server log.
    logging.getLogger("spiff").setLevel(logging.WARNING)
    app = create_app(ProcessEngine.from_url(upgrade=False))
    _tune_garbage_collector()
    return app


def _tune_garbage_collector() -> None:
    """A gateway keeps thousands of instances' workflows in memory (engine/workflow_cache.py),
    each Spiff task a few objects the cyclic collector tracks, and every command allocates
    thousands more. With Python's defaults the collector took 15 % of a loaded gateway's CPU
    (measured: 0.95 s of GC while serving 6,500 starts, 0.33 s after this). What exists once
    the app is built (modules, SQLAlchemy's and the parser's tables) is frozen out of every
    collection, and young collections run less often; each still frees the cycles a command
    left behind (a Spiff workflow and its tasks point at each other)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
