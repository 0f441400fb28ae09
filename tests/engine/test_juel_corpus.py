"""Every JUEL expression in the shared corpus of real Camunda 7 models parses, and those
that use only plain variables evaluate without anything but a JuelEvaluationError.

Run with ``-s`` to read the census.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from engine.bpmn.juel import JuelEvaluationError, JuelSyntaxError, VariablesContext, parse
from engine.bpmn.xml import parse_xml
from engine.errors import ParseError

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

# Texts in the corpus that contain '${' or '#{' but are not JUEL, with the reason.
# Empty today: every expression found parses.
KNOWN_NOT_JUEL: dict[str, str] = {}

BEANS_AND_BUILTINS = frozenset({"execution", "task"})

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"shared corpus not present at {CORPUS}"
)


@dataclass(frozen=True)
class Occurrence:
    resource: str
    location: str  # "tag@attribute" or "tag text"
    text: str


@dataclass
class Census:
    files: int = 0
    refused_files: list[str] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    syntax_errors: dict[str, str] = field(default_factory=dict)
    plain: list[str] = field(default_factory=list)
    evaluated: list[str] = field(default_factory=list)
    evaluation_errors: dict[str, str] = field(default_factory=dict)
    crashes: dict[str, str] = field(default_factory=dict)

    @property
    def distinct(self) -> list[str]:
        return sorted({o.text for o in self.occurrences})

    def summary(self) -> str:
        parsed = len(self.distinct) - len(self.syntax_errors)
        files = f"{self.files} ({len(self.refused_files)} refused by parse_xml)"
        found = f"{len(self.occurrences)} ({len(self.distinct)} distinct texts)"
        parsed_text = f"{parsed} (+{len(KNOWN_NOT_JUEL)} listed as not JUEL)"
        evaluated = (
            f"{len(self.plain)} -> {len(self.evaluated)} gave a value, "
            f"{len(self.evaluation_errors)} a JuelEvaluationError, {len(self.crashes)} crashed"
        )
        return "\n".join(
            [
                f"JUEL corpus census ({CORPUS})",
                f"  model files scanned:            {files}",
                f"  expression occurrences:         {found}",
                f"  distinct texts parsed:          {parsed_text}",
                f"  plain-variable texts evaluated: {evaluated}",
            ]
        )


def _model_files() -> list[Path]:
    found = set(CORPUS.rglob("*.bpmn*")) | set(CORPUS.rglob("*.dmn*"))
    return sorted(p for p in found if p.is_file())


def _expressions_in(path: Path) -> Iterator[Occurrence]:
    root = parse_xml(path.read_bytes(), path.name)
    resource = str(path.relative_to(CORPUS))
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.rsplit("}", 1)[-1]
        for name, value in element.attrib.items():
            if "${" in value or "#{" in value:
                yield Occurrence(resource, f"{tag}@{name.rsplit('}', 1)[-1]}", value)
        text = element.text or ""
        if "${" in text or "#{" in text:
            yield Occurrence(resource, f"{tag} text", text)


class _AnyKey(Mapping[str, Any]):
    """A map answering every key with one value, so ``${order.amount}`` finds something."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __getitem__(self, key: str) -> Any:
        return self.value

    def __iter__(self) -> Iterator[str]:
        return iter(("value",))

    def __len__(self) -> int:
        return 1


_SCALARS: tuple[Any, ...] = (True, False, 42, 2.5, "yes", "true", None)
# Plausible variable values tried in turn; an expression counts as evaluated when one works.
_ROUNDS: tuple[Any, ...] = _SCALARS + tuple(_AnyKey(v) for v in _SCALARS)


def _evaluate_plain(census: Census, text: str) -> None:
    expr = parse(text)
    last_error = ""
    for value in _ROUNDS:
        context = VariablesContext({name: value for name in expr.identifiers()})
        try:
            expr.evaluate(context)
        except JuelEvaluationError as exc:
            last_error = str(exc)
            continue
        except Exception as exc:  # noqa: BLE001 - the point of the test: anything else is a bug
            census.crashes[text] = f"{type(exc).__name__}: {exc}"
            return
        census.evaluated.append(text)
        return
    census.evaluation_errors[text] = last_error


@functools.cache
def corpus_census() -> Census:
    census = Census()
    for path in _model_files():
        census.files += 1
        try:
            census.occurrences.extend(_expressions_in(path))
        except ParseError:
            census.refused_files.append(str(path.relative_to(CORPUS)))
    for text in census.distinct:
        if text in KNOWN_NOT_JUEL:
            continue
        try:
            expr = parse(text)
        except JuelSyntaxError as exc:
            census.syntax_errors[text] = str(exc)
            continue
        if (
            not expr.method_calls()
            and not expr.function_calls()
            and not expr.identifiers() & BEANS_AND_BUILTINS
        ):
            census.plain.append(text)
            _evaluate_plain(census, text)
    return census


def test_corpus_holds_expressions() -> None:
    census = corpus_census()
    print("\n" + census.summary())
    assert census.occurrences, "no ${...}/#{...} found: corpus layout changed?"


def test_every_corpus_expression_parses() -> None:
    census = corpus_census()
    assert census.syntax_errors == {}


def test_known_non_juel_texts_are_still_in_the_corpus() -> None:
    assert set(KNOWN_NOT_JUEL) <= set(corpus_census().distinct)


def test_plain_variable_expressions_fail_only_with_juel_evaluation_errors() -> None:
    assert corpus_census().crashes == {}


def test_plain_variable_expressions_all_evaluate_with_plausible_values() -> None:
    census = corpus_census()
    assert census.plain, "expected plain-variable expressions in the corpus"
    assert census.evaluation_errors == {}
