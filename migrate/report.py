"""Write a migration run's results as report.json, report.csv and report.html.

The JSON document is the contract (schema: docs/schemas/migration-report.schema.json); the CSV
keeps the `;`-separated columns of Camunda's own migration analyzer so existing spreadsheets
keep working; the HTML page is self-contained so it can be mailed or archived as one file.
"""
from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from migrate.findings import FileResult, FileStatus, Severity

CSV_COLUMNS = (
    "filename", "elementName", "elementId", "elementType", "severity", "messageId", "message",
)
# Spreadsheets run cells starting with these as formulas; a leading quote keeps them text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def build_document(results: list[FileResult], *, tool: str = "m8flow migrate") -> dict[str, Any]:
    """The report.json document for ``results`` (files sorted by path)."""
    ordered = sorted(results, key=lambda r: r.path)
    return {
        "tool": tool,
        "generatedAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "summary": summarize(ordered),
        "files": [r.to_json() for r in ordered],
    }


def summarize(results: list[FileResult]) -> dict[str, Any]:
    by_status = Counter({s.value: 0 for s in FileStatus})
    by_kind: Counter[str] = Counter()
    by_severity = Counter({s.value: 0 for s in Severity})
    by_message: Counter[str] = Counter()
    for result in results:
        by_status[result.status.value] += 1
        by_kind[result.kind] += 1
        for finding in result.findings:
            by_severity[finding.severity.value] += 1
            by_message[finding.message_id] += 1
    return {
        "files": len(results),
        "findings": sum(by_severity.values()),
        "byStatus": dict(by_status),
        "byKind": dict(sorted(by_kind.items())),
        "bySeverity": dict(by_severity),
        "byMessageId": dict(sorted(by_message.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def write_reports(
    results: list[FileResult], report_dir: Path, *, tool: str = "m8flow migrate"
) -> dict[str, Any]:
    """Write report.json, report.csv and report.html into ``report_dir``; return the JSON."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    document = build_document(results, tool=tool)
    (report_dir / "report.json").write_text(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    write_csv(document, report_dir / "report.csv")
    (report_dir / "report.html").write_text(render_html(document), encoding="utf-8")
    return document


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_csv(document: dict[str, Any], target: Path) -> None:
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(CSV_COLUMNS)
        for file in document["files"]:
            for f in file["findings"]:
                writer.writerow([
                    _cell(file["path"]), _cell(f["elementName"]), _cell(f["elementId"]),
                    _cell(f["elementType"]), f["severity"], f["messageId"], _cell(f["message"]),
                ])


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.4em 0 1em}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f1f1f1}
td.msg{white-space:pre-wrap;max-width:70em;overflow-wrap:anywhere}
.failed{color:#a00;font-weight:bold}.skipped{color:#777}.converted{color:#070}
.ERROR,.WARNING{background:#fde2e2}.TASK{background:#fff3cd}.REVIEW{background:#e7f0ff}
summary{cursor:pointer}
"""


def _h(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _counts_table(title: str, counts: dict[str, int]) -> str:
    rows = "".join(f"<tr><td>{_h(k)}</td><td>{v}</td></tr>" for k, v in counts.items())
    return f"<table><tr><th>{_h(title)}</th><th>count</th></tr>{rows}</table>"


def render_html(document: dict[str, Any], *, top: int = 20) -> str:
    summary = document["summary"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_h(document['tool'])} report</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_h(document['tool'])} report</h1>",
        f"<p>Generated {_h(document['generatedAt'])}: {summary['files']} files, "
        f"{summary['findings']} findings.</p>",
        _counts_table("status", summary["byStatus"]),
        _counts_table("severity", summary["bySeverity"]),
        f"<h2>Top {top} message ids</h2>",
        _counts_table("messageId", dict(list(summary["byMessageId"].items())[:top])),
        "<h2>Files</h2>",
    ]
    for file in document["files"]:
        status = file["status"]
        findings = file["findings"]
        opened = " open" if status == "failed" or 0 < len(findings) <= 10 else ""
        parts.append(
            f"<details{opened}><summary><code>{_h(file['path'])}</code> "
            f"<span class='{_h(status)}'>{_h(status)}</span> ({_h(file['kind'])}, "
            f"{len(findings)} findings)"
            + (f" &rarr; <code>{_h(file['output'])}</code>" if file.get("output") else "")
            + "</summary>"
        )
        if findings:
            parts.append(
                "<table><tr><th>line</th><th>element</th><th>type</th><th>severity</th>"
                "<th>messageId</th><th>message</th></tr>"
            )
            for f in findings:
                element = f["elementId"] or ""
                if f["elementName"]:
                    element = f"{element} ({f['elementName']})" if element else f["elementName"]
                parts.append(
                    f"<tr class='{_h(f['severity'])}'><td>{_h(f['line'])}</td>"
                    f"<td>{_h(element)}</td><td>{_h(f['elementType'])}</td>"
                    f"<td>{_h(f['severity'])}</td><td>{_h(f['messageId'])}</td>"
                    f"<td class='msg'>{_h(f['message'])}</td></tr>"
                )
            parts.append("</table>")
        parts.append("</details>")
    parts.append("</body></html>\n")
    return "".join(parts)
