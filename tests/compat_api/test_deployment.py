"""`/deployment`: what Camunda Modeler's Deploy button and pycamunda rely on."""
from __future__ import annotations

from tests.conftest import bpmn, deploy


def test_create_deployment_returns_the_deployed_process_definitions(rest):
    body = deploy(rest, "order.bpmn", deployment_name="orders")
    assert body["name"] == "orders"
    [definition] = body["deployedProcessDefinitions"].values()
    assert definition["key"] == "order"
    assert definition["version"] == 1
    assert definition["id"].startswith("order:1:")
    assert definition["versionTag"] == "v1"
    assert body["deployedDecisionDefinitions"] is None
    assert body["links"][0]["rel"] == "self"


def test_response_content_type_is_exactly_application_json(rest):
    response = rest.get("/deployment")
    assert response.headers["content-type"] == "application/json"


def test_redeploying_a_key_increments_its_version(rest):
    deploy(rest, "order.bpmn")
    body = deploy(rest, "order.bpmn")
    [definition] = body["deployedProcessDefinitions"].values()
    assert definition["version"] == 2


def test_duplicate_filtering_returns_the_previous_deployment_unchanged(rest):
    first = deploy(rest, "order.bpmn", deployment_name="dup", **{"enable-duplicate-filtering": "true"})
    second = deploy(rest, "order.bpmn", deployment_name="dup", **{"enable-duplicate-filtering": "true"})
    assert second["id"] == first["id"]
    assert second["deployedProcessDefinitions"] is None
    assert rest.get("/process-definition/count", params={"key": "order"}).json() == {"count": 1}


def test_create_without_resources_is_an_invalid_request(rest):
    response = rest.post("/deployment/create", files={"deployment-name": (None, "x")})
    assert response.status_code == 400
    assert response.json()["type"] == "InvalidRequestException"
    assert response.json()["message"] == "No deployment resources contained in the form upload."


def test_unparseable_bpmn_is_a_parse_exception_with_details(rest):
    files = {"data": ("broken.bpmn", b"<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'>", "text/xml")}
    response = rest.post("/deployment/create", files=files)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "ParseException"
    assert "broken.bpmn" in body["details"]


def test_list_count_and_get_deployments(rest):
    deployed = deploy(rest, "order.bpmn", deployment_name="a")
    deploy(rest, "order.bpmn", deployment_name="b")
    assert rest.get("/deployment/count").json() == {"count": 2}
    listed = rest.get("/deployment", params={"nameLike": "a%"}).json()
    assert [d["name"] for d in listed] == ["a"]
    assert rest.get(f"/deployment/{deployed['id']}").json()["name"] == "a"


def test_deployments_sort_and_page(rest):
    for name in ("c", "a", "b"):
        deploy(rest, "order.bpmn", deployment_name=name)
    page = rest.get("/deployment", params={"sortBy": "name", "sortOrder": "desc", "firstResult": 1, "maxResults": 1}).json()
    assert [d["name"] for d in page] == ["b"]


def test_sort_by_without_sort_order_is_rejected(rest):
    response = rest.get("/deployment", params={"sortBy": "name"})
    assert response.status_code == 400
    assert response.json()["message"] == "Only a single sorting parameter specified. sortBy and sortOrder required"


def test_unknown_deployment_is_404(rest):
    response = rest.get("/deployment/nope")
    assert response.status_code == 404
    assert response.json()["type"] == "InvalidRequestException"


def test_resources_and_their_data_round_trip(rest):
    deployed = deploy(rest, "order.bpmn")
    [resource] = rest.get(f"/deployment/{deployed['id']}/resources").json()
    assert resource["name"] == "order.bpmn"
    data = rest.get(f"/deployment/{deployed['id']}/resources/{resource['id']}/data")
    assert data.content == bpmn("order.bpmn")


def test_delete_with_running_instances_needs_cascade(rest):
    deployed = deploy(rest, "order.bpmn")
    rest.post("/process-definition/key/order/start", json={"variables": {"amount": {"value": 1}, "owner": {"value": "x"}}})
    refused = rest.delete(f"/deployment/{deployed['id']}")
    assert refused.status_code == 500
    assert rest.delete(f"/deployment/{deployed['id']}", params={"cascade": "true"}).status_code == 204
    assert rest.get("/process-instance/count").json() == {"count": 0}
    assert rest.get(f"/deployment/{deployed['id']}").status_code == 404
