"""compat_api.server: what uvicorn's worker process runs before it serves."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from compat_api.server import GC_THRESHOLD

REPO = Path(__file__).resolve().parents[2]


def test_a_worker_freezes_what_it_built_and_collects_young_objects_less_often(tmp_path: Path) -> None:
    # In a process of its own: the garbage collector's settings are process-wide.
    script = (
        "import gc\n"
        "from compat_api.server import app_factory\n"
        "app_factory()\n"
        "print(gc.get_freeze_count(), *gc.get_threshold())\n"
    )
    env = {"M8FLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'm8flow.db'}", "PATH": ""}
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    frozen, *threshold = map(int, done.stdout.split())
    assert frozen > 10_000  # modules, SQLAlchemy, the parser: objects no collection revisits
    assert tuple(threshold) == GC_THRESHOLD
