"""`m8flow forms convert`: every form found in the given paths to form.io JSON, an
index.json mapping sources to outputs, and a report in the migrate report format."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from engine.errors import ParseError
from forms.bpmn import bpmn_forms
from forms.camunda_forms import convert_camunda_form
from forms.html import convert_html
from forms.inputs import Source, sources
from forms.model import ConversionResult, note
from migrate.findings import FileResult, FileStatus, Severity
from migrate.report import write_reports

app = typer.Typer(help="Convert Camunda 7 forms to form.io JSON (formsflow.ai).",
                  no_args_is_help=True)

TOOL = "m8flow forms convert"


@app.callback()
def forms() -> None:
    """Camunda 7 forms to form.io (keeps `convert` a sub-command when mounted alone)."""


class _Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.taken: set[str] = set()

    def write(self, stem: str, form: dict[str, Any]) -> str:
        name, n = f"{stem}.formio.json", 1
        while name in self.taken:  # same stem from different folders: number the later ones
            n += 1
            name = f"{stem}-{n}.formio.json"
        self.taken.add(name)
        (self.out / name).write_text(json.dumps(form, indent=2, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
        return name


def _stem(name: str) -> str:
    for suffix in (".bpmn20.xml", ".bpmn", ".bpmn2", ".html", ".htm", ".form"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _title(stem: str) -> str:
    return " ".join(stem.replace("_", " ").replace("-", " ").split()) or stem


def _convert_bpmn(src: Source, writer: _Writer, formsflow: bool, result: FileResult,
                  index: list[dict[str, Any]]) -> None:
    stem = _stem(src.name)
    outputs = []
    for element_id, element_name, kind, converted, findings in bpmn_forms(
            src.data or b"", src.path, formsflow=formsflow):
        result.findings.extend(findings)
        output = writer.write(f"{stem}.{element_id}", converted.form) if converted else None
        if output:
            outputs.append(output)
        index.append({"source": src.path, "elementId": element_id, "elementName": element_name,
                      "kind": kind, "output": output,
                      "fields": converted.source.to_json()["fields"] if converted else None})
    result.output = ", ".join(outputs) or None
    if not outputs:
        result.status = FileStatus.SKIPPED


def _convert_file(src: Source, writer: _Writer, formsflow: bool, result: FileResult,
                  index: list[dict[str, Any]]) -> None:
    stem = _stem(src.name)
    convert = convert_html if src.kind == "html-form" else convert_camunda_form
    converted: ConversionResult = convert(src.data or b"", title=_title(stem), name=stem,
                                          formsflow=formsflow)
    result.findings.extend(converted.findings)
    result.output = writer.write(stem, converted.form)
    index.append({"source": src.path, "elementId": None, "elementName": None,
                  "kind": "embedded" if src.kind == "html-form" else "camunda-forms",
                  "output": result.output, "fields": converted.source.to_json()["fields"]})


@app.command()
def convert(
    paths: list[Path] = typer.Argument(..., help="Files, directories or .zip/.bar/.jar/.war"),
    out: Path = typer.Option(..., "--out", help="Directory for the form.io JSON files"),
    formsflow: bool = typer.Option(False, "--formsflow",
                                   help="Add what formsflow.ai expects (applicationId, ...)"),
    report_dir: Path | None = typer.Option(None, "--report-dir",
                                              help="Report directory [default: OUT/report]"),
) -> None:
    """Convert generated forms, embedded HTML forms and Camunda Forms to form.io JSON."""
    out.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out)
    results: list[FileResult] = []
    index: list[dict[str, Any]] = []
    for src in sources(paths):
        result = FileResult(path=src.path, kind=src.kind)
        results.append(result)
        if src.data is None:
            result.status = FileStatus.FAILED
            result.findings.append(note(Severity.ERROR, "form-unreadable",
                                        src.problem or "unreadable"))
            continue
        try:
            if src.kind == "bpmn":
                _convert_bpmn(src, writer, formsflow, result, index)
            else:
                _convert_file(src, writer, formsflow, result, index)
        except (ParseError, ValueError) as exc:
            result.status = FileStatus.FAILED
            result.findings.append(note(Severity.ERROR, "form-unparsable", str(exc)))
    (out / "index.json").write_text(json.dumps({"forms": index}, indent=2,
                                               ensure_ascii=False) + "\n", encoding="utf-8")
    document = write_reports(results, report_dir or out / "report", tool=TOOL)
    summary = document["summary"]
    converted = sum(1 for entry in index if entry["output"])
    typer.echo(f"{converted} forms written to {out}; {summary['files']} files, "
               f"{summary['findings']} findings; report in {report_dir or out / 'report'}")
    if summary["byStatus"].get("failed"):
        raise typer.Exit(code=1)
