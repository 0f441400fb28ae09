from __future__ import annotations

import json
import zipfile
from pathlib import Path

import jsonschema
from migrate_models import process  # type: ignore[import-not-found]
from typer.testing import CliRunner

from migrate.cli import app

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "schemas"
                     / "migration-report.schema.json").read_text())
runner = CliRunner()
GOOD = process('<bpmn:serviceTask id="task" camunda:class="com.acme.ChargeCard"/>')


def tree(root: Path) -> Path:
    (root / "models" / "sub").mkdir(parents=True)
    (root / "models" / "a.bpmn").write_bytes(GOOD)
    (root / "models" / "sub" / "b.bpmn20.xml").write_bytes(GOOD)
    (root / "models" / "sub" / "broken.bpmn").write_bytes(b"<bpmn:definitions")
    (root / "models" / "sub" / "readme.txt").write_text("not a model")
    return root / "models"


def report(directory: Path) -> dict:
    document = json.loads((directory / "report.json").read_text())
    jsonschema.validate(document, SCHEMA)
    return document


def test_convert_mirrors_the_input_tree_and_skips_failed_files(tmp_path: Path) -> None:
    models = tree(tmp_path)
    result = runner.invoke(app, ["convert", str(models), "--out", str(tmp_path / "out"),
                                 "--report-dir", str(tmp_path / "r"), "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "a.bpmn").exists() and (tmp_path / "out" / "sub" / "b.bpmn20.xml").exists()
    assert not (tmp_path / "out" / "sub" / "broken.bpmn").exists()
    statuses = {f["path"]: f["status"] for f in report(tmp_path / "r")["files"]}
    assert statuses == {"a.bpmn": "converted", "sub/b.bpmn20.xml": "converted", "sub/broken.bpmn": "failed"}


def test_analyze_writes_reports_but_no_models(tmp_path: Path) -> None:
    models = tree(tmp_path)
    result = runner.invoke(app, ["analyze", str(models), "--report-dir", str(tmp_path / "r"), "-q"])
    assert result.exit_code == 0
    assert {p.name for p in (tmp_path / "r").iterdir()} == {"report.json", "report.csv", "report.html"}
    assert all(f["output"] is None for f in report(tmp_path / "r")["files"])


def test_deployment_archive_members_are_converted(tmp_path: Path) -> None:
    archive = tmp_path / "app.war"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("WEB-INF/classes/order.bpmn", GOOD)
        zf.writestr("WEB-INF/classes/App.class", b"\xca\xfe")
    result = runner.invoke(app, ["convert", str(archive), "--out", str(tmp_path / "out"),
                                 "--report-dir", str(tmp_path / "r"), "-q"])
    assert result.exit_code == 0
    assert (tmp_path / "out" / "WEB-INF" / "classes" / "order.bpmn").exists()


def test_delegate_mapping_file_is_applied(tmp_path: Path) -> None:
    (tmp_path / "a.bpmn").write_bytes(GOOD)
    mapping = tmp_path / "delegates.toml"
    mapping.write_text('["com.acme.ChargeCard"]\ntopic = "payments"\n')
    runner.invoke(app, ["convert", str(tmp_path / "a.bpmn"), "--out", str(tmp_path / "out"),
                        "--report-dir", str(tmp_path / "r"), "--delegates", str(mapping), "-q"])
    assert b'camunda:topic="payments"' in (tmp_path / "out" / "a.bpmn").read_bytes()


def test_bad_mapping_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a.bpmn").write_bytes(GOOD)
    mapping = tmp_path / "delegates.toml"
    mapping.write_text('["com.acme.ChargeCard"]\ncolour = "red"\n')
    result = runner.invoke(app, ["analyze", str(tmp_path / "a.bpmn"), "--delegates", str(mapping),
                                 "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 2


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope.bpmn"), "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 2


def test_convert_without_out_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a.bpmn").write_bytes(GOOD)
    assert runner.invoke(app, ["convert", str(tmp_path / "a.bpmn")]).exit_code == 2


def test_unreadable_archive_exits_non_zero_and_is_reported(tmp_path: Path) -> None:
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    result = runner.invoke(app, ["analyze", str(tmp_path / "bad.zip"), "--report-dir", str(tmp_path / "r"), "-q"])
    assert result.exit_code == 1
    assert report(tmp_path / "r")["files"][0]["findings"][0]["messageId"] == "unreadable-input"


def test_archive_member_escaping_the_output_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escape.bpmn", GOOD)
    result = runner.invoke(app, ["convert", str(archive), "--out", str(tmp_path / "out"),
                                 "--report-dir", str(tmp_path / "r"), "-q"])
    assert result.exit_code == 1 and not (tmp_path.parent / "escape.bpmn").exists()


def test_process_pool_gives_the_same_results_as_in_process(tmp_path: Path) -> None:
    models = tmp_path / "many"
    models.mkdir()
    for i in range(70):
        (models / f"m{i:02}.bpmn").write_bytes(GOOD)
    runner.invoke(app, ["analyze", str(models), "--report-dir", str(tmp_path / "p"), "--workers", "2", "-q"])
    runner.invoke(app, ["analyze", str(models), "--report-dir", str(tmp_path / "s"), "--workers", "1", "-q"])
    assert report(tmp_path / "p")["files"] == report(tmp_path / "s")["files"]
