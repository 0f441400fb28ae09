"""Run analyze/convert over collected inputs: in-process for small sets, over a process pool
for large ones, writing converted files under the output directory as they complete."""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from migrate.bpmn import Outcome, convert_bpmn, failed
from migrate.delegates import DelegateMapping
from migrate.dmn import convert_dmn
from migrate.findings import FileResult, FileStatus, Finding, Severity
from migrate.inputs import InputFile

POOL_THRESHOLD = 64  # below this, starting worker processes costs more than it saves


def process(item: InputFile, mapping: DelegateMapping | None = None) -> Outcome:
    """Analyze and convert one input in memory; never raises for bad input."""
    if item.kind == "bpmn":
        return convert_bpmn(item.data, item.relpath, mapping)
    if item.kind == "dmn":
        return convert_dmn(item.data, item.relpath)
    return _form(item)


def _form(item: InputFile) -> Outcome:
    if item.kind == "form":
        try:
            json.loads(item.data)
        except (ValueError, UnicodeDecodeError) as exc:
            return failed(item.relpath, "form", f"not a JSON Camunda Form: {exc}")
    finding = Finding(Severity.INFO, "form-file-copied",
                      "Form copied unchanged; convert it to form.io with `m8flow forms convert`.")
    return Outcome(FileResult(item.relpath, item.kind, FileStatus.SKIPPED, None, [finding]), item.data)


def _process_chunk(chunk: list[InputFile], mapping: DelegateMapping) -> list[Outcome]:
    return [process(item, mapping) for item in chunk]


def run(
    items: list[InputFile],
    *,
    mapping: DelegateMapping | None = None,
    out_dir: Path | None = None,
    workers: int | None = None,
    on_done: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Process ``items``; with ``out_dir``, write each converted file to ``out_dir/relpath``."""
    mapping = mapping or DelegateMapping()
    workers = workers if workers is not None else (os.cpu_count() or 1)
    results: list[FileResult] = []
    for outcome in _outcomes(items, mapping, workers):
        result = outcome.result
        if out_dir is not None and outcome.output is not None:
            target = Path(out_dir) / result.path
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(outcome.output)
                result.output = target.as_posix()
            except OSError as exc:
                result.status = FileStatus.FAILED
                result.findings.append(Finding(Severity.ERROR, "output-not-written",
                                               f"cannot write {target}: {exc.strerror}"))
        results.append(result)
        if on_done is not None:
            on_done(result)
    return results


def _outcomes(items: list[InputFile], mapping: DelegateMapping, workers: int) -> Iterable[Outcome]:
    if workers <= 1 or len(items) < POOL_THRESHOLD:
        for item in items:
            yield process(item, mapping)
        return
    size = max(8, min(64, len(items) // (workers * 4) or 1))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_process_chunk, chunk, mapping) for chunk in chunks]
        for chunk, future in zip(chunks, futures):
            try:
                yield from future.result()
            except Exception as exc:  # a dead worker costs its chunk, not the run
                for item in chunk:
                    yield failed(item.relpath, item.kind,
                                 f"worker failed: {type(exc).__name__}: {exc}", "internal-error")
