"""Analyze throughput against a plain lxml parse + serialize of the same files, same run.

    .venv/bin/python bench/bench_migrate.py [PATH ...] [--repeat N] [--scale N]

PATH defaults to the shared corpus; --scale repeats the file set N times (a process pool only
pays off once its start-up is spread over a realistic bulk run). Files are read into memory first, so both sides measure
CPU work only. Prints files/s for lxml, for `migrate analyze` in one process (with and
without the engine's deploy check) and over a process pool (what the CLI does for 64 files or
more), and the ratios. Single-process rows also give CPU time (best of N), which other load
on a shared machine disturbs less than wall-clock time; the pool row is wall-clock only.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import etree  # noqa: E402

import migrate.bpmn as bpmn_module  # noqa: E402
import migrate.dmn as dmn_module  # noqa: E402
from migrate.inputs import collect  # noqa: E402
from migrate.run import run  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def timed(fn, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of this process over ``repeat`` runs."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[DEFAULT])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, default=4)
    args = parser.parse_args()
    items, _ = collect(args.paths)
    models = [replace(i, relpath=f"{k}/{i.relpath}") for k in range(args.scale)
              for i in items if i.kind in {"bpmn", "dmn"}]
    n = len(models)
    if not n:
        sys.exit("no BPMN/DMN files found")

    def plain_lxml() -> None:
        xml_parser = etree.XMLParser(resolve_entities=False, no_network=True)
        for item in models:
            etree.tostring(etree.fromstring(item.data, xml_parser))

    def analyze(workers: int):
        return lambda: run(models, workers=workers)

    lxml_s, lxml_cpu = timed(plain_lxml, args.repeat)
    full_s, full_cpu = timed(analyze(1), args.repeat)
    pool_workers = os.cpu_count() or 1
    pool_s, _ = timed(analyze(pool_workers), args.repeat)
    # Same pipeline without the engine's deploy check, to show where the time goes.
    original = bpmn_module.engine_rejection
    bpmn_module.engine_rejection = dmn_module.engine_rejection = lambda *a, **k: None
    try:
        nocheck_s, nocheck_cpu = timed(analyze(1), args.repeat)
    finally:
        bpmn_module.engine_rejection = dmn_module.engine_rejection = original

    rows = [
        ("plain lxml parse+serialize, 1 process", lxml_s, lxml_cpu),
        ("migrate analyze, 1 process", full_s, full_cpu),
        ("migrate analyze, 1 process, no deploy check", nocheck_s, nocheck_cpu),
        (f"migrate analyze, {pool_workers} processes (CLI)", pool_s, None),
    ]
    print(f"{n} BPMN/DMN files, best of {args.repeat}")
    print(f"  {'':<46} {'wall clock':>22}  {'CPU':>10}")
    for label, seconds, cpu in rows:
        cpu_text = f"{n / cpu:6.0f} files/s" if cpu else ""
        print(f"  {label:<46} {n / seconds:6.0f} files/s ({seconds * 1000:6.0f} ms)  {cpu_text}")
    print(f"ratio analyze(1 process)/lxml:                {full_s / lxml_s:5.1f}x slower (CPU {full_cpu / lxml_cpu:4.1f}x)")
    print(f"ratio analyze(1 process, no deploy check)/lxml: {nocheck_s / lxml_s:5.1f}x slower (CPU {nocheck_cpu / lxml_cpu:4.1f}x)")
    print(f"ratio analyze({pool_workers} processes)/lxml(1 process):  {pool_s / lxml_s:5.1f}x slower (wall clock)")

if __name__ == "__main__":
    main()
