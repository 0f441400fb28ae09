"""fetchAndLock's query is built once per shape of request and filled with its values
(engine/commands/fetch_query.py): each value must reach its own filter."""
from __future__ import annotations

from typing import Any

import pytest

from engine.commands import external_task as commands
from engine.commands import fetch_query
from engine.commands.deployment import create_deployment
from engine.commands.process_instance import start_process_instance
from engine.dates import now
from engine.process_engine import ProcessEngine
from engine.variables import parse_variables
from tests.conftest import bpmn

MODEL = bpmn("external_single.bpmn")  # one external task, topic ${topic}


def _start(engine: ProcessEngine, topic: str, business_key: str, **variables: dict[str, Any]) -> None:
    values = parse_variables({"topic": {"value": topic}, **variables}, context="test")
    start_process_instance(engine, key="single", business_key=business_key, variables=values)


def _fetch(engine: ProcessEngine, *topics: commands.TopicRequest) -> list[str]:
    locked = commands.fetch_and_lock(engine, commands.FetchRequest("worker", 10, list(topics)))
    return sorted(task.row["business_key"] for task in locked)


@pytest.fixture()
def deployed(engine: ProcessEngine) -> ProcessEngine:
    create_deployment(engine, {"single.bpmn": MODEL})
    return engine


def test_each_topic_of_a_request_gets_its_own_filter_values(deployed: ProcessEngine) -> None:
    for topic in ("a", "b"):
        for key in ("first", "second"):
            _start(deployed, topic, f"{topic}-{key}")
    fetched = _fetch(deployed, commands.TopicRequest("a", 1000, business_key="a-second"),
                     commands.TopicRequest("b", 1000, business_key="b-first"))
    assert fetched == ["a-second", "b-first"]


@pytest.mark.parametrize(("wanted", "matching"), [
    (3, ["long 3", "double 3.0"]),
    (3.0, ["long 3", "double 3.0"]),
    (2.5, ["double 2.5"]),
    (True, ["boolean true"]),
    ("3", ["string 3"]),
    (None, ["null"]),
])
def test_process_variable_filters_compare_values_as_camunda_does(deployed: ProcessEngine, wanted: Any, matching: list[str]) -> None:
    stored = {
        "long 3": {"value": 3, "type": "Long"}, "double 3.0": {"value": 3.0, "type": "Double"},
        "double 2.5": {"value": 2.5, "type": "Double"}, "boolean true": {"value": True, "type": "Boolean"},
        "string 3": {"value": "3", "type": "String"}, "null": {"value": None, "type": "Null"},
    }
    for key, value in stored.items():
        _start(deployed, "t", key, x=value)
    assert _fetch(deployed, commands.TopicRequest("t", 1000, process_variables={"x": wanted})) == sorted(matching)


def test_requests_of_one_shape_share_one_statement() -> None:
    def shape_of(business_key: str) -> Any:
        request = commands.FetchRequest("w", 5, [commands.TopicRequest("t", 1000, business_key=business_key)])
        return fetch_query.shape_and_values(request, now())

    (first, first_values), (second, second_values) = shape_of("one"), shape_of("two")
    assert first == second and first_values != second_values
    assert fetch_query.fetch_statement(first, False) is fetch_query.fetch_statement(second, False)
