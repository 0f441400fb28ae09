"""The form sources named on the command line: files, directories (recursive) and
deployment archives (.zip/.bar/.jar/.war), read without extracting to disk."""
from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ARCHIVES = (".zip", ".bar", ".jar", ".war")
MAX_MEMBER_BYTES = 50 * 1024 * 1024  # a form or model larger than this is refused


@dataclass(frozen=True)
class Source:
    path: str  # shown in reports; archive members as "archive.zip!/inner/path"
    name: str  # file name, for output naming
    kind: str  # bpmn | html-form | form
    data: bytes | None  # None when the source could not be read
    problem: str | None = None


def kind_of(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith((".bpmn", ".bpmn20.xml", ".bpmn2")):
        return "bpmn"
    if lower.endswith((".html", ".htm")):
        return "html-form"
    if lower.endswith(".form"):
        return "form"
    return None


def _archive(path: Path) -> Iterator[Source]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Source(str(path), path.name, "archive", None, f"unreadable archive: {exc}")
        return
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            kind = kind_of(info.filename)
            if info.is_dir() or kind is None:
                continue
            shown = f"{path}!/{info.filename}"
            name = info.filename.rsplit("/", 1)[-1]
            if info.file_size > MAX_MEMBER_BYTES:
                yield Source(shown, name, kind, None, "member too large")
                continue
            with archive.open(info) as handle:
                data = handle.read(MAX_MEMBER_BYTES + 1)
            if len(data) > MAX_MEMBER_BYTES:
                yield Source(shown, name, kind, None, "member too large")
                continue
            yield Source(shown, name, kind, data)


def sources(paths: list[Path]) -> Iterator[Source]:
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())
        else:
            files = [path]
        for file in files:
            if file.suffix.lower() in ARCHIVES:
                yield from _archive(file)
                continue
            kind = kind_of(file.name)
            if kind is None:
                if not path.is_dir():
                    yield Source(str(file), file.name, "unknown", None,
                                 "not a BPMN model, HTML form or Camunda Form")
                continue
            try:
                yield Source(str(file), file.name, kind, file.read_bytes())
            except OSError as exc:
                yield Source(str(file), file.name, kind, None, f"unreadable: {exc}")
