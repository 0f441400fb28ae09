from __future__ import annotations

from pathlib import Path

import pytest

from migrate.inputs import InputNotFound, collect


def test_directory_html_counts_only_when_it_uses_camunda_form_directives(tmp_path: Path) -> None:
    (tmp_path / "form.html").write_text('<input cam-variable-name="amount">')
    (tmp_path / "index.html").write_text("<h1>welcome</h1>")
    items, _ = collect([tmp_path])
    assert [(i.relpath, i.kind) for i in items] == [("form.html", "html-form")]


def test_several_paths_are_prefixed_with_their_names(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "p.bpmn").write_text("<x/>")
    items, problems = collect([tmp_path / "one", tmp_path / "two"])
    assert [i.relpath for i in items] == ["one/p.bpmn", "two/p.bpmn"] and problems == []


def test_vcs_folders_are_skipped_but_other_hidden_folders_are_read(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "a.bpmn").write_text("<x/>")
    (tmp_path / ".project").mkdir()
    (tmp_path / ".project" / "b.bpmn").write_text("<x/>")
    assert [i.relpath for i in collect([tmp_path])[0]] == [".project/b.bpmn"]


def test_missing_path_raises_input_not_found(tmp_path: Path) -> None:
    with pytest.raises(InputNotFound):
        collect([tmp_path / "absent"])
