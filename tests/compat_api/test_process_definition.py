"""`/process-definition`."""
from __future__ import annotations

from tests.conftest import bpmn, deploy


def test_list_latest_version_by_key(rest):
    deploy(rest, "order.bpmn")
    deploy(rest, "order.bpmn")
    latest = rest.get("/process-definition", params={"key": "order", "latestVersion": "true"}).json()
    assert [d["version"] for d in latest] == [2]
    assert rest.get("/process-definition/count").json() == {"count": 2}


def test_get_by_key_returns_the_latest_version(rest):
    deploy(rest, "order.bpmn")
    deploy(rest, "order.bpmn")
    assert rest.get("/process-definition/key/order").json()["version"] == 2


def test_unknown_key_is_404_rest_exception(rest):
    response = rest.get("/process-definition/key/nope")
    assert response.status_code == 404
    assert response.json() == {"type": "RestException", "message": "No matching process definition with key: nope and no tenant-id", "code": None}


def test_unknown_id_is_404(rest):
    response = rest.get("/process-definition/nope")
    assert response.status_code == 404
    assert response.json()["message"] == "No matching definition with id nope"


def test_xml_returns_the_deployed_document(rest):
    deploy(rest, "order.bpmn")
    body = rest.get("/process-definition/key/order/xml").json()
    assert body["bpmn20Xml"] == bpmn("order.bpmn").decode()


def test_tenant_definitions_are_separate(rest):
    deploy(rest, "order.bpmn", **{"tenant-id": "acme"})
    assert rest.get("/process-definition/key/order").status_code == 404
    assert rest.get("/process-definition/key/order/tenant-id/acme").json()["tenantId"] == "acme"
    started = rest.post("/process-definition/key/order/tenant-id/acme/start", json={"variables": {"amount": {"value": 1}, "owner": {"value": "x"}}})
    assert started.json()["tenantId"] == "acme"


def test_definition_dto_fields(rest):
    deploy(rest, "order.bpmn")
    [definition] = rest.get("/process-definition").json()
    assert set(definition) == {
        "id", "key", "category", "description", "name", "version", "resource", "deploymentId", "diagram",
        "suspended", "tenantId", "versionTag", "historyTimeToLive", "startableInTasklist",
    }
    assert definition["resource"] == "order.bpmn"


def test_suspended_definition_cannot_start(rest):
    deploy(rest, "order.bpmn")
    assert rest.put("/process-definition/key/order/suspended", json={"suspended": True}).status_code == 204
    response = rest.post("/process-definition/key/order/start", json={})
    assert response.status_code == 500
    assert "suspended" in response.json()["message"]


def test_delete_definition(rest):
    deploy(rest, "order.bpmn")
    definition = rest.get("/process-definition/key/order").json()
    assert rest.delete(f"/process-definition/{definition['id']}").status_code == 204
    assert rest.get("/process-definition/count").json() == {"count": 0}


def test_bad_boolean_query_parameter_is_400(rest):
    response = rest.get("/process-definition", params={"latestVersion": "maybe"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Cannot set query parameter 'latestVersion' to value 'maybe'")
