"""`make bench`: every benchmark under bench/, each printing its ratios to a baseline
measured in the same run."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n== {script.name}", flush=True)
        failed += subprocess.call([sys.executable, str(script)], cwd=HERE.parent) != 0
    extra = [sys.executable, str(HERE / "bench_gateway.py"), "--database-url", "postgresql+psycopg://postgres@127.0.0.1:5432/test"]
    print("\n== bench_gateway.py on PostgreSQL", flush=True)
    failed += subprocess.call(extra, cwd=HERE.parent) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
