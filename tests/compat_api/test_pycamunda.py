"""The real pycamunda client from PyPI, unchanged, against a running gateway."""
from __future__ import annotations

import pycamunda.deployment
import pycamunda.processdef
import pycamunda.processinst
import pycamunda.task
import pycamunda.variable
import pytest

from tests.conftest import FIXTURES


@pytest.fixture
def url(server):
    return server.url + "/engine-rest"


def _deploy(url: str) -> pycamunda.deployment.DeploymentWithDefinitions:
    create = pycamunda.deployment.Create(url=url, name="pycamunda-orders")
    with open(FIXTURES / "order.bpmn", "rb") as model:
        create.add_resource(model)
        return create()


def test_pycamunda_deploys_a_model(url):
    deployment = _deploy(url)
    [definition] = list(deployment.deployed_process_definitions.values()) if isinstance(deployment.deployed_process_definitions, dict) else deployment.deployed_process_definitions
    assert definition.key == "order"
    assert pycamunda.processdef.Get(url, key="order")().version == 1


def test_pycamunda_starts_with_variables_and_reads_them_back(url):
    _deploy(url)
    start = pycamunda.processdef.StartInstance(url=url, key="order", business_key="po-7", with_variables_in_return=True)
    start.add_variable(name="amount", value=300, type_="Long")
    start.add_variable(name="owner", value="demo")
    instance = start()
    assert instance.business_key == "po-7"
    assert instance.variables["amount"].value == 300
    assert pycamunda.processinst.Get(url, id_=instance.id_)().definition_id.startswith("order:")


def test_pycamunda_lists_and_completes_tasks(url):
    _deploy(url)
    start = pycamunda.processdef.StartInstance(url=url, key="order")
    start.add_variable(name="amount", value=10)
    start.add_variable(name="owner", value="demo")
    instance = start()
    [task] = pycamunda.task.GetList(url, process_instance_id=instance.id_)()
    assert task.name == "Approve 10" and task.assignee == "demo"
    pycamunda.task.Unclaim(url, id_=task.id_)()
    pycamunda.task.Claim(url, id_=task.id_, user_id="mary")()
    complete = pycamunda.task.Complete(url, id_=task.id_, with_variables_in_return=True)
    complete.add_variable(name="approved", value=True)
    returned = complete()
    assert returned["approved"].value is True
    [ship] = pycamunda.task.GetList(url, process_instance_id=instance.id_)()
    assert ship.task_definition_key == "ship"


def test_pycamunda_reads_process_variables(url):
    _deploy(url)
    start = pycamunda.processdef.StartInstance(url=url, key="order")
    start.add_variable(name="amount", value=10)
    start.add_variable(name="owner", value="demo")
    instance = start()
    values = pycamunda.processinst.VariablesGetList(url, process_instance_id=instance.id_)()
    assert values["owner"].value == "demo"
    update = pycamunda.processinst.VariablesUpdate(url, process_instance_id=instance.id_, var_name="note", value="hi", type_="String")
    update()
    assert pycamunda.processinst.VariablesGet(url, process_instance_id=instance.id_, var_name="note")().value == "hi"
    activity = pycamunda.processinst.GetActivityInstance(url, id_=instance.id_)()
    assert activity.child_activity_instances[0].activity_id == "approve"


def test_pycamunda_surfaces_camunda_errors(url):
    with pytest.raises(pycamunda.NotFound):
        pycamunda.processdef.Get(url, key="missing")()
