"""Collect the files a migration run works on: single files, directories (recursively) and
deployment archives (.zip, .bar, .jar, .war), each with the relative path it keeps in the
report and under ``--out``.

With one PATH, paths are relative to it (a file keeps its name); with several, each is
prefixed by its PATH's name so two trees cannot collide.
"""
from __future__ import annotations

import os
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path

from migrate.findings import FileResult, FileStatus, Finding, Severity

ARCHIVES = (".zip", ".bar", ".jar", ".war")
MAX_MEMBER_BYTES = 64 * 1024 * 1024
_HTML_FORM_MARKERS = (b"cam-variable-name", b"cam-script", b"cam-choices", b"cam-business-key",
                      b"cam-variable-type", b"cam-file-download", b"cam-form")

# Tool and VCS folders; other hidden folders (e.g. a modeler's .project) hold real models.
_SKIPPED_DIRECTORIES = {".git", ".hg", ".svn", "node_modules", "__pycache__"}


@dataclass(frozen=True)
class InputFile:
    relpath: str
    kind: str  # bpmn | dmn | form | html-form
    data: bytes


class InputNotFound(Exception):
    """A PATH on the command line does not exist (a usage error)."""


def kind_of(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith((".bpmn", ".bpmn20.xml", ".bpmn2")):
        return "bpmn"
    if lower.endswith((".dmn", ".dmn11.xml")):
        return "dmn"
    if lower.endswith(".form"):
        return "form"
    if lower.endswith((".html", ".htm")):
        return "html-form"
    return None


def is_html_form(data: bytes) -> bool:
    return any(marker in data for marker in _HTML_FORM_MARKERS)


def collect(paths: list[Path]) -> tuple[list[InputFile], list[FileResult]]:
    """Return the inputs, and failed results for whatever could not be read."""
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise InputNotFound(", ".join(missing))
    inputs: list[InputFile] = []
    unreadable: list[FileResult] = []
    prefix_each = len(paths) > 1
    for path in map(Path, paths):
        prefix = path.name if prefix_each else ""
        if path.is_dir():
            _from_directory(path, prefix, inputs, unreadable)
        elif path.name.lower().endswith(ARCHIVES):
            _from_archive(path, path.name if prefix_each else "", inputs, unreadable)
        else:
            _from_file(path, path.name, kind_of(path.name), inputs, unreadable, explicit=True)
    seen: set[str] = set()
    unique: list[InputFile] = []
    for item in inputs:
        if item.relpath in seen:
            unreadable.append(_problem(item.relpath, item.kind, "duplicate-path",
                                       "Another input has the same relative path; skipped.",
                                       FileStatus.SKIPPED, Severity.WARNING))
            continue
        seen.add(item.relpath)
        unique.append(item)
    return unique, unreadable


def _join(prefix: str, rel: str) -> str:
    return posixpath.join(prefix, rel) if prefix else rel


def _problem(relpath: str, kind: str, message_id: str, message: str,
             status: FileStatus = FileStatus.FAILED, severity: Severity = Severity.ERROR) -> FileResult:
    return FileResult(relpath, kind, status, None, [Finding(severity, message_id, message)])


def _from_file(path: Path, relpath: str, kind: str | None, inputs: list[InputFile],
               unreadable: list[FileResult], *, explicit: bool) -> None:
    if kind is None:
        if explicit:
            unreadable.append(_problem(relpath, "bpmn", "unsupported-file-type",
                                       f"{path.name}: not a BPMN, DMN, form or archive file; skipped.",
                                       FileStatus.SKIPPED, Severity.WARNING))
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        unreadable.append(_problem(relpath, kind, "unreadable-input", f"cannot read {path}: {exc.strerror}"))
        return
    if kind == "html-form" and not explicit and not is_html_form(data):
        return  # ordinary web pages next to the models are not forms
    inputs.append(InputFile(relpath, kind, data))


def _from_directory(root: Path, prefix: str, inputs: list[InputFile], unreadable: list[FileResult]) -> None:
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIPPED_DIRECTORIES)
        for name in sorted(files):
            full = Path(directory) / name
            rel = full.relative_to(root).as_posix()
            if name.lower().endswith(ARCHIVES):
                _from_archive(full, _join(prefix, rel), inputs, unreadable)
            else:
                _from_file(full, _join(prefix, rel), kind_of(name), inputs, unreadable, explicit=False)


def _from_archive(path: Path, prefix: str, inputs: list[InputFile], unreadable: list[FileResult]) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                kind = kind_of(info.filename)
                if info.is_dir() or kind is None:
                    continue
                member = posixpath.normpath(info.filename.replace("\\", "/"))
                relpath = _join(prefix, member)
                if member.startswith(("../", "/")) or member == "..":
                    unreadable.append(_problem(relpath, kind, "unsafe-archive-path",
                                               f"{path.name}: member {info.filename!r} escapes the archive."))
                    continue
                if info.file_size > MAX_MEMBER_BYTES:
                    unreadable.append(_problem(relpath, kind, "unreadable-input",
                                               f"{path.name}: member {info.filename!r} is larger than "
                                               f"{MAX_MEMBER_BYTES} bytes."))
                    continue
                data = archive.read(info)
                if kind == "html-form" and not is_html_form(data):
                    continue
                inputs.append(InputFile(relpath, kind, data))
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
        unreadable.append(_problem(prefix or path.name, "bpmn", "unreadable-input",
                                   f"cannot read archive {path}: {exc}"))
