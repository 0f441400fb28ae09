from __future__ import annotations

import pytest
from migrate_models import dmn  # type: ignore[import-not-found]

from migrate.dmn import convert_dmn
from migrate.findings import FileStatus


def table(hit_policy: str = "UNIQUE", *, aggregation: str = "", input_entry: str = '"Fall"',
          output_entry: str = '"Stew"', language: str = "") -> str:
    agg = f'aggregation="{aggregation}"' if aggregation else ""
    lang = f'expressionLanguage="{language}"' if language else ""
    return f"""<decisionTable id="t" hitPolicy="{hit_policy}" {agg}>
      <input id="i"><inputExpression id="ie" typeRef="string"><text>season</text></inputExpression></input>
      <output id="o" name="dish" typeRef="string"/>
      <rule id="r"><inputEntry id="e1" {lang}><text>{input_entry}</text></inputEntry>
        <outputEntry id="e2"><text>{output_entry}</text></outputEntry></rule>
    </decisionTable>"""


def ids(data: bytes) -> list[str]:
    return [f.message_id for f in convert_dmn(data, "d.dmn").result.findings]


@pytest.mark.parametrize("policy,aggregation", [
    ("UNIQUE", ""), ("FIRST", ""), ("PRIORITY", ""), ("ANY", ""), ("RULE ORDER", ""),
    ("OUTPUT ORDER", ""), ("COLLECT", ""), ("COLLECT", "SUM"), ("COLLECT", "COUNT"),
])
def test_supported_hit_policies_raise_no_finding(policy: str, aggregation: str) -> None:
    outcome = convert_dmn(dmn(table(policy, aggregation=aggregation)), "d.dmn")
    assert outcome.result.findings == [] and outcome.result.status is FileStatus.CONVERTED


def test_aggregation_outside_collect_is_an_error() -> None:
    assert "dmn-hit-policy-unsupported" in ids(dmn(table("UNIQUE", aggregation="SUM")))


def test_script_language_entries_are_reported() -> None:
    assert "dmn-expression-language" in ids(dmn(table(language="javascript", input_entry="x > 1")))


def test_complex_feel_entries_are_reported() -> None:
    assert "dmn-feel-unsupported" in ids(dmn(table(input_entry='contains(season, "a")')))


def test_juel_entries_are_parsed_with_the_engine_parser() -> None:
    assert "juel-syntax-error" in ids(dmn(table(language="juel", input_entry="${season ==}")))


def test_literal_expression_decision_in_simple_feel_is_fine() -> None:
    data = dmn('<variable id="v" name="dish"/><literalExpression id="le"><text>"Stew"</text></literalExpression>')
    assert ids(data) == []


def test_unchanged_dmn_is_written_back_byte_for_byte() -> None:
    data = dmn(table())
    assert convert_dmn(data, "d.dmn").output == data


def test_bpmn_given_as_dmn_fails_as_not_a_model() -> None:
    outcome = convert_dmn(b"<x/>", "d.dmn")
    assert outcome.result.status is FileStatus.FAILED
    assert outcome.result.findings[0].message_id == "not-a-model"
