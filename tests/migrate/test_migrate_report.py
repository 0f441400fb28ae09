from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema

from migrate.findings import FileResult, FileStatus, Finding, Severity
from migrate.report import write_reports

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "migration-report.schema.json"


def _results() -> list[FileResult]:
    return [
        FileResult(
            path="b/order.bpmn",
            kind="bpmn",
            output="out/b/order.bpmn",
            findings=[
                Finding(Severity.TASK, "java-delegate", "=cmd|' /C calc'!A0", "Task_1",
                        "serviceTask", "Charge <card>", 12),
                Finding(Severity.INFO, "form-key-embedded", "embedded form", "Task_2", "userTask"),
            ],
        ),
        FileResult(path="a/broken.bpmn", kind="bpmn", status=FileStatus.FAILED,
                   findings=[Finding(Severity.ERROR, "parse-error", "bad xml", line=3)]),
    ]


def validate(document: dict) -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())


def test_report_json_validates_against_published_schema(tmp_path: Path) -> None:
    document = write_reports(_results(), tmp_path)
    validate(document)
    assert json.loads((tmp_path / "report.json").read_text()) == document


def test_summary_counts_status_severity_and_message_id(tmp_path: Path) -> None:
    summary = write_reports(_results(), tmp_path)["summary"]
    assert summary["byStatus"] == {"converted": 1, "failed": 1, "skipped": 0}
    assert summary["bySeverity"]["TASK"] == 1 and summary["bySeverity"]["ERROR"] == 1
    assert summary["byMessageId"] == {"form-key-embedded": 1, "java-delegate": 1, "parse-error": 1}


def test_files_are_listed_in_path_order(tmp_path: Path) -> None:
    files = write_reports(_results(), tmp_path)["files"]
    assert [f["path"] for f in files] == ["a/broken.bpmn", "b/order.bpmn"]


def test_csv_has_one_semicolon_row_per_finding_with_analyzer_columns(tmp_path: Path) -> None:
    write_reports(_results(), tmp_path)
    with (tmp_path / "report.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == ["filename", "elementName", "elementId", "elementType", "severity",
                       "messageId", "message"]
    assert len(rows) == 4


def test_csv_neutralises_spreadsheet_formulas(tmp_path: Path) -> None:
    write_reports(_results(), tmp_path)
    text = (tmp_path / "report.csv").read_text(encoding="utf-8")
    assert "'=cmd" in text


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    write_reports(_results(), tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Charge &lt;card&gt;" in page and "<card>" not in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "java-delegate" in page
