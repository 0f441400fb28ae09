"""The converter over every model of the shared corpus of real Camunda 7 models."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import pytest

from migrate.findings import FileResult, FileStatus
from migrate.inputs import collect
from migrate.report import write_reports
from migrate.run import process, run

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "migration-report.schema.json"
INVALID_INPUT = {"parse-error", "not-a-model", "camunda-8-model"}

pytestmark = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").exists(),
                                reason=f"shared corpus not found at {CORPUS}")


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[FileResult], dict]:
    items, unreadable = collect([CORPUS])
    results = run(items, workers=1, out_dir=tmp_path_factory.mktemp("out")) + unreadable
    document = write_reports(results, tmp_path_factory.mktemp("report"))
    return results, document


def manifest_models() -> set[str]:
    with (CORPUS / "MANIFEST.tsv").open(newline="", encoding="utf-8") as handle:
        return {row["path"] for row in csv.DictReader(handle, delimiter="\t") if row["kind"] in {"bpmn", "dmn"}}


def test_every_corpus_model_is_in_the_report(corpus_run) -> None:
    results, _ = corpus_run
    assert manifest_models() <= {r.path for r in results}


def test_no_corpus_model_hits_an_internal_error(corpus_run) -> None:
    results, _ = corpus_run
    assert [r.path for r in results if any(f.message_id == "internal-error" for f in r.findings)] == []


def test_at_least_90_percent_of_valid_corpus_models_convert(corpus_run) -> None:
    results, _ = corpus_run
    models = [r for r in results if r.kind in {"bpmn", "dmn"}]
    valid = [r for r in models if not (r.status is FileStatus.FAILED and r.findings
                                       and r.findings[0].message_id in INVALID_INPUT)]
    converted = [r for r in valid if r.status is FileStatus.CONVERTED]
    assert len(converted) / len(valid) >= 0.90, f"{len(converted)}/{len(valid)}"


def test_corpus_report_validates_against_the_schema(corpus_run) -> None:
    _, document = corpus_run
    jsonschema.validate(json.loads(json.dumps(document)), json.loads(SCHEMA.read_text()))


def test_every_failed_corpus_file_says_why_with_an_error(corpus_run) -> None:
    results, _ = corpus_run
    for result in results:
        if result.status is FileStatus.FAILED:
            assert any(f.severity.value == "ERROR" for f in result.findings), result.path


def test_converting_converted_corpus_models_changes_nothing(corpus_run) -> None:
    results, _ = corpus_run
    for result in results:
        if result.status is FileStatus.CONVERTED and result.kind == "bpmn":
            once = Path(result.output).read_bytes()
            again = process(_item(result.path, once))
            assert again.output == once, result.path


def _item(path: str, data: bytes):
    from migrate.inputs import InputFile
    return InputFile(path, "bpmn", data)
