"""camunda:inputOutput: input parameters become the activity's local variables when it
starts; output parameters write back when it ends."""
from __future__ import annotations

import json

from tests.conftest import deploy, start, tasks


def _values(dtos: dict) -> dict:
    def value(dto):
        if dto["type"] in ("Json", "Object") and isinstance(dto["value"], str):
            return json.loads(dto["value"])
        return dto["value"]

    return {name: value(dto) for name, dto in dtos.items()}


def _process_variables(rest, instance_id: str) -> dict:
    return _values(rest.get(f"/process-instance/{instance_id}/variables").json())


def _int(value: int) -> dict:
    return {"value": value, "type": "Integer"}


def test_input_parameters_become_local_variables_of_the_task(rest):
    deploy(rest, "scopes/io_user_task.bpmn")
    instance = start(rest, "io_task", variables={"price": _int(10), "zip": {"value": "10115"}})
    [task] = tasks(rest)
    local = _values(rest.get(f"/task/{task['id']}/localVariables").json())
    assert local["greeting"] == "hello"
    assert local["doubled"] == 20
    assert set(_process_variables(rest, instance["id"])) == {"price", "zip"}


def test_input_parameters_list_map_and_python_script_values(rest):
    deploy(rest, "scopes/io_user_task.bpmn")
    start(rest, "io_task", variables={"price": _int(10), "zip": {"value": "10115"}})
    [task] = tasks(rest)
    local = _values(rest.get(f"/task/{task['id']}/localVariables").json())
    assert local["sizes"] == ["small", 10]
    assert local["address"] == {"city": "Berlin", "zip": "10115"}
    assert local["scripted"] == 11


def test_output_parameters_write_back_when_the_task_completes(rest):
    deploy(rest, "scopes/io_user_task.bpmn")
    instance = start(rest, "io_task", variables={"price": _int(10), "zip": {"value": "10115"}})
    [task] = tasks(rest)
    response = rest.post(f"/task/{task['id']}/complete", json={"variables": {"approved": {"value": True}}})
    assert response.status_code == 204, response.text
    variables = _process_variables(rest, instance["id"])
    assert variables["message"] == "hello world"
    assert variables["approvedTwice"] is True
    assert "greeting" not in variables and "doubled" not in variables


def test_sub_process_inputs_are_visible_inside_and_outputs_leave_it(rest):
    deploy(rest, "scopes/io_subprocess.bpmn")
    instance = start(rest, "io_sub")
    [inner] = tasks(rest)
    assert inner["assignee"] == "demo"
    assert "who" not in _process_variables(rest, instance["id"])
    rest.post(f"/task/{inner['id']}/complete", json={})
    variables = _process_variables(rest, instance["id"])
    assert variables == {"handledBy": "demo"}


def test_script_task_reads_inputs_and_outputs_its_local_result(rest):
    deploy(rest, "scopes/io_script_task.bpmn")
    instance = start(rest, "io_script", variables={"price": _int(7)})
    assert _process_variables(rest, instance["id"]) == {"price": 7, "total": 21}


def _fetch(rest, topic: str) -> list[dict]:
    body = {"workerId": "w", "maxTasks": 1, "topics": [{"topicName": topic, "lockDuration": 10_000}]}
    return rest.post("/external-task/fetchAndLock", json=body).json()


def test_a_worker_fetches_the_input_parameters_of_its_external_task(rest):
    # The http-connector pattern `m8flow migrate convert` writes: parameters as inputs.
    deploy(rest, "scopes/io_external_task.bpmn")
    start(rest, "io_external", variables={"orderId": _int(7)})
    [task] = _fetch(rest, "http-connector")
    assert _values(task["variables"]) == {"orderId": 7, "url": "https://shop.example/orders/7", "method": "GET"}


def test_output_parameters_map_what_the_worker_completed_with(rest):
    deploy(rest, "scopes/io_external_task.bpmn")
    instance = start(rest, "io_external", variables={"orderId": _int(7)})
    [task] = _fetch(rest, "http-connector")
    body = {"workerId": "w", "variables": {"response": _int(200)}}
    assert rest.post(f"/external-task/{task['id']}/complete", json=body).status_code == 204
    variables = _process_variables(rest, instance["id"])
    assert variables["orderStatus"] == "found"
    assert "url" not in variables and "method" not in variables
