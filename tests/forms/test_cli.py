"""`m8flow forms convert` on files, directories and archives."""
from __future__ import annotations

import json
import zipfile

from typer.testing import CliRunner

from forms.cli import app
from tests.forms.helpers import FIXTURES

BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" name="Order">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="amount" label="Amount" type="long">
          <camunda:validation><camunda:constraint name="required" /></camunda:validation>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:userTask id="review" camunda:formKey="embedded:app:forms/approve-invoice.html" />
  </bpmn:process>
</bpmn:definitions>"""


def _run(*args: str):
    return CliRunner().invoke(app, ["convert", *args])


def test_bpmn_writes_one_document_per_form_element(tmp_path):
    (tmp_path / "order.bpmn").write_bytes(BPMN)
    result = _run(str(tmp_path / "order.bpmn"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    form = json.loads((tmp_path / "out" / "order.start.formio.json").read_text())
    assert form["components"][0]["key"] == "amount"
    index = json.loads((tmp_path / "out" / "index.json").read_text())["forms"]
    assert [(e["elementId"], e["kind"], e["output"]) for e in index] == [
        ("start", "generated", "order.start.formio.json"), ("review", "embedded", None)]


def test_directory_and_archive_inputs_are_read(tmp_path):
    archive = tmp_path / "app.war"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(FIXTURES / "request.form", "WEB-INF/forms/request.form")
    result = _run(str(FIXTURES), str(archive), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").glob("*.formio.json"))
    assert names == ["approve-invoice.formio.json", "request-2.formio.json",
                     "request.formio.json"]


def test_report_uses_migrate_report_format(tmp_path):
    _run(str(FIXTURES / "approve-invoice.html"), "--out", str(tmp_path / "out"))
    report = json.loads((tmp_path / "out" / "report" / "report.json").read_text())
    assert report["tool"] == "m8flow forms convert"
    assert report["files"][0]["findings"][0]["messageId"] == "form-cam-script"


def test_formsflow_flag_adds_application_fields(tmp_path):
    _run(str(FIXTURES / "request.form"), "--out", str(tmp_path), "--formsflow")
    keys = [c["key"] for c in json.loads((tmp_path / "request.formio.json").read_text())
            ["components"]]
    assert {"applicationId", "applicationStatus"} <= set(keys)


def test_unparsable_source_fails_with_error_finding(tmp_path):
    (tmp_path / "bad.bpmn").write_text("<not-xml")
    result = _run(str(tmp_path / "bad.bpmn"), "--out", str(tmp_path / "out"),
                  "--report-dir", str(tmp_path / "rep"))
    assert result.exit_code == 1
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert report["files"][0]["status"] == "failed"
