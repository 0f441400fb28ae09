"""`m8flow migrate import` against a Camunda 7 played by respx: deployments, versions and
tenants arrive in order; running instances come back at the same activities with the same
variables, business keys and assignees; what cannot be mapped is reported; the source only
ever sees GET requests."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import respx
from typer.testing import CliRunner

from migrate import live_source
from migrate.cli import app
from tests.conftest import FIXTURES

SOURCE = "http://camunda.test:8080/engine-rest"
MODELS = FIXTURES / "import"


def _dep(id_: str, name: str, time: str, tenant: str | None, source: str | None = "process application") -> dict:
    return {"links": [], "id": id_, "name": name, "source": source, "deploymentTime": time, "tenantId": tenant}


# Deployments listed newest first: the importer must ask for deploymentTime order itself.
DEPLOYMENTS = [
    _dep("d4", "billing", "2024-03-05T09:00:00.000+0000", "globex"),
    _dep("d3", "billing", "2024-03-01T09:00:00.000+0000", "acme", None),
    _dep("d2", "claims", "2024-02-01T09:00:00.000+0000", None),
    _dep("d1", "claims", "2024-01-01T09:00:00.000+0000", None),
]
RESOURCES = {
    "d1": {"r1": ("claims.bpmn", MODELS / "claims.bpmn"), "r2": ("claims.png", b"\x89PNG fake diagram")},
    "d2": {"r3": ("claims.bpmn", MODELS / "claims-v2.bpmn")},
    "d3": {"r4": ("invoice.bpmn", MODELS / "invoice.bpmn"), "r5": ("risk.dmn", MODELS / "risk.dmn")},
    "d4": {"r6": ("invoice.bpmn", MODELS / "invoice.bpmn")},
}
DEFINITIONS = {
    "claims:1:c1": ("claims", 1, "d1", None), "claims:2:c2": ("claims", 2, "d2", None),
    "invoice:1:i1": ("invoice", 1, "d3", "acme"), "invoice:1:i2": ("invoice", 1, "d4", "globex"),
}
VARIABLES = {
    "reviewer": {"type": "String", "value": "bob", "valueInfo": {}},
    "amount": {"type": "Integer", "value": 1250, "valueInfo": {}},
    "ratio": {"type": "Double", "value": 0.25, "valueInfo": {}},
    "big": {"type": "Long", "value": 9007199254740993, "valueInfo": {}},
    "urgent": {"type": "Boolean", "value": True, "valueInfo": {}},
    "nothing": {"type": "Null", "value": None, "valueInfo": {}},
    "received": {"type": "Date", "value": "2024-05-01T10:00:00.000+0000", "valueInfo": {}},
    "policy": {"type": "Json", "value": "{\"number\":\"P-1\",\"holders\":[\"ann\",\"bo\"]}", "valueInfo": {}},
    "customer": {"type": "Object", "value": "{\"name\":\"Ann\",\"vip\":true}",
                 "valueInfo": {"objectTypeName": "com.acme.Customer", "serializationDataFormat": "application/json"}},
    "scan": {"type": "Bytes", "value": "aGVsbG8gd29ybGQ=", "valueInfo": {}},
}


def _activity(instance: str, definition: str, activity: str, kind: str, children: list | None = None) -> dict:
    return {"id": f"{activity}:{instance}-{activity}", "parentActivityInstanceId": instance, "activityId": activity,
            "activityType": kind, "processInstanceId": instance, "processDefinitionId": definition,
            "childActivityInstances": children or [], "childTransitionInstances": [], "executionIds": [instance],
            "activityName": activity, "incidentIds": [], "incidents": [], "name": activity}


def _instance(id_: str, definition: str, business_key: str, activities: list[dict], *, tasks=(), external=(),
              variables=None) -> dict:
    key = DEFINITIONS[definition][0]
    return {
        "dto": {"links": [], "id": id_, "definitionId": definition, "definitionKey": key, "businessKey": business_key,
                "caseInstanceId": None, "ended": False, "suspended": False, "tenantId": DEFINITIONS[definition][3]},
        "tree": {"id": id_, "parentActivityInstanceId": None, "activityId": definition, "activityType": "processDefinition",
                 "processInstanceId": id_, "processDefinitionId": definition, "childActivityInstances": activities,
                 "childTransitionInstances": [], "executionIds": [id_], "activityName": key, "incidentIds": [],
                 "incidents": [], "name": key},
        "tasks": list(tasks), "external": list(external), "variables": variables if variables is not None else {},
    }


def _task(id_: str, instance: str, definition: str, key: str, assignee: str | None, links: list[dict],
          local: dict | None = None) -> dict:
    return {"dto": {"id": id_, "name": key, "assignee": assignee, "owner": None, "created": "2024-05-01T10:00:00.000+0000",
                    "due": None, "followUp": None, "delegationState": None, "description": None, "executionId": instance,
                    "parentTaskId": None, "priority": 50, "processDefinitionId": definition, "processInstanceId": instance,
                    "taskDefinitionKey": key, "suspended": False, "formKey": None, "tenantId": DEFINITIONS[definition][3]},
            "links": links, "local": local or {}}


INSTANCES = {
    "pi-review": _instance(
        "pi-review", "claims:1:c1", "claim-1", [_activity("pi-review", "claims:1:c1", "review", "userTask")],
        variables=VARIABLES,
        tasks=[_task("t-review", "pi-review", "claims:1:c1", "review", "mary",
                     [{"type": "candidate", "userId": None, "groupId": "clerks"},
                      {"type": "candidate", "userId": "sam", "groupId": None},
                      {"type": "assignee", "userId": "mary", "groupId": None}],
                     local={"note": {"type": "String", "value": "call back", "valueInfo": {}}})]),
    "pi-parallel": _instance(
        "pi-parallel", "claims:2:c2", "claim-2",
        [_activity("pi-parallel", "claims:2:c2", "check", "userTask"),
         _activity("pi-parallel", "claims:2:c2", "pay", "serviceTask")],
        variables={"reviewer": VARIABLES["reviewer"], "amount": VARIABLES["amount"]},
        tasks=[_task("t-check", "pi-parallel", "claims:2:c2", "check", None,
                     [{"type": "candidate", "userId": None, "groupId": "experts"}])],
        external=[{"id": "e1", "activityId": "pay", "topicName": "payment", "workerId": "worker-1",
                   "lockExpirationTime": "2024-05-01T11:00:00.000+0000", "retries": None, "processInstanceId": "pi-parallel"}]),
    "pi-timer": _instance("pi-timer", "claims:2:c2", "claim-3",
                          [_activity("pi-timer", "claims:2:c2", "cooling", "intermediateTimer")],
                          variables={"reviewer": VARIABLES["reviewer"]}),
    "pi-sub": _instance("pi-sub", "claims:2:c2", "claim-4",
                        [_activity("pi-sub", "claims:2:c2", "close", "subProcess",
                                   [_activity("pi-sub", "claims:2:c2", "archive", "userTask")])]),
    "pi-multi": _instance("pi-multi", "claims:2:c2", "claim-6",
                          [_activity("pi-multi", "claims:2:c2", "check#multiInstanceBody", "multiInstanceBody",
                                     [_activity("pi-multi", "claims:2:c2", "check", "userTask")])]),
    "pi-gone": _instance("pi-gone", "claims:1:c1", "claim-5",
                         [_activity("pi-gone", "claims:1:c1", "legacyStep", "userTask")]),
    "pi-invoice": _instance(
        "pi-invoice", "invoice:1:i1", "inv-9", [_activity("pi-invoice", "invoice:1:i1", "approveInvoice", "userTask")],
        variables={"amount": VARIABLES["amount"]},
        tasks=[_task("t-inv", "pi-invoice", "invoice:1:i1", "approveInvoice", "lee",
                     [{"type": "candidate", "userId": None, "groupId": "accounting"}])]),
}


class FakeCamunda:
    """The read side of Camunda 7's REST API, shaped as in its OpenAPI document."""

    def __init__(self, router: respx.Router) -> None:
        self.router = router
        router.route(url__startswith=SOURCE).mock(side_effect=self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            return httpx.Response(405, json={"type": "NotAllowedException", "message": "read only"})
        path = request.url.path.removeprefix("/engine-rest")
        q = request.url.params
        for pattern, handler in self.ROUTES:
            match = re.fullmatch(pattern, path)
            if match:
                body = handler(self, q, *match.groups())
                if isinstance(body, bytes):
                    return httpx.Response(200, content=body, headers={"Content-Type": "application/octet-stream"})
                return httpx.Response(200, json=body)
        return httpx.Response(404, json={"type": "NotFoundException", "message": f"HTTP 404 Not Found {path}"})

    @staticmethod
    def _page(items: list, q: httpx.QueryParams) -> list:
        first = int(q.get("firstResult", 0))
        maximum = q.get("maxResults")
        return items[first:first + int(maximum)] if maximum is not None else items[first:]

    def version(self, q):
        return {"version": "7.21.0"}

    def deployments(self, q):
        items = list(DEPLOYMENTS)
        if q.get("sortBy") == "deploymentTime":
            items.sort(key=lambda d: d["deploymentTime"], reverse=q.get("sortOrder") == "desc")
        return self._page(items, q)

    def resources(self, q, deployment):
        return [{"id": rid, "name": name, "deploymentId": deployment} for rid, (name, _) in RESOURCES[deployment].items()]

    def data(self, q, deployment, resource):
        content = RESOURCES[deployment][resource][1]
        return content.read_bytes() if isinstance(content, Path) else content

    def definition(self, q, id_):
        key, version, deployment, tenant = DEFINITIONS[id_]
        return {"id": id_, "key": key, "category": "http://m8flow.test/import", "description": None, "name": key,
                "version": version, "resource": f"{key}.bpmn", "deploymentId": deployment, "diagram": None,
                "suspended": False, "tenantId": tenant, "versionTag": None, "historyTimeToLive": None,
                "startableInTasklist": True}

    def instances(self, q):
        return self._page([i["dto"] for i in INSTANCES.values()], q)

    def tree(self, q, id_):
        return INSTANCES[id_]["tree"]

    def variables(self, q, id_):
        assert q.get("deserializeValues") == "false"
        return INSTANCES[id_]["variables"]

    def tasks(self, q):
        return self._page([t["dto"] for t in INSTANCES[q["processInstanceId"]]["tasks"]], q)

    def _task(self, id_):
        return next(t for i in INSTANCES.values() for t in i["tasks"] if t["dto"]["id"] == id_)

    def task_links(self, q, id_):
        return self._task(id_)["links"]

    def task_locals(self, q, id_):
        return self._task(id_)["local"]

    def external(self, q):
        return self._page(INSTANCES[q["processInstanceId"]]["external"], q)

    ROUTES: ClassVar[list[tuple[str, Any]]] = [
        (r"/version", version), (r"/deployment", deployments), (r"/deployment/([^/]+)/resources", resources),
        (r"/deployment/([^/]+)/resources/([^/]+)/data", data), (r"/process-definition/([^/]+)", definition),
        (r"/process-instance", instances), (r"/process-instance/([^/]+)/activity-instances", tree),
        (r"/process-instance/([^/]+)/variables", variables), (r"/task", tasks),
        (r"/task/([^/]+)/identity-links", task_links), (r"/task/([^/]+)/localVariables", task_locals),
        (r"/external-task", external),
    ]


@pytest.fixture
def source() -> Iterator[respx.Router]:
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()  # the real gateway of the `server` fixture
        FakeCamunda(router)
        yield router


def run_cli(*args: str) -> Any:
    result = CliRunner().invoke(app, ["import", "--source", SOURCE, "--quiet", *args])
    return result


def report(directory: Path) -> dict:
    return json.loads((directory / "report.json").read_text())


def findings(document: dict, path_part: str) -> list[dict]:
    return [f for file in document["files"] if path_part in file["path"] for f in file["findings"]]


def source_methods(router: respx.Router) -> set[str]:
    return {call.request.method for call in router.calls if str(call.request.url).startswith(SOURCE)}


def test_deployments_versions_and_tenants_arrive_in_source_order(source, database_url, rest, tmp_path):
    result = run_cli("--database-url", database_url, "--report-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    deployments = rest.get("/deployment", params={"sortBy": "deploymentTime", "sortOrder": "asc"}).json()
    assert [(d["name"], d["tenantId"], d["source"]) for d in deployments] == [
        ("claims", None, "process application"), ("claims", None, "process application"),
        ("billing", "acme", None), ("billing", "globex", "process application")]
    definitions = rest.get("/process-definition").json()
    by_deployment = {d["deploymentId"]: (d["key"], d["version"], d["tenantId"], d["name"]) for d in definitions}
    assert [by_deployment[d["id"]] for d in deployments] == [
        ("claims", 1, None, "Insurance claim"), ("claims", 2, None, "Insurance claim (v2)"),
        ("invoice", 1, "acme", "Invoice"), ("invoice", 1, "globex", "Invoice")]
    first = rest.get(f"/deployment/{deployments[0]['id']}/resources").json()
    assert sorted(r["name"] for r in first) == ["claims.bpmn", "claims.png"]
    # the Java delegate was converted on the way
    xml = rest.get("/process-definition/key/invoice/tenant-id/acme/xml").json()["bpmn20Xml"]
    assert 'camunda:type="external"' in xml
    assert source_methods(source) == {"GET"}


def test_deployments_are_read_page_by_page(source, database_url, tmp_path, monkeypatch):
    monkeypatch.setattr(live_source, "PAGE", 3)
    result = run_cli("--database-url", database_url, "--dry-run", "--report-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    pages = [call.request.url.params.get("firstResult") for call in source.calls
             if call.request.url.path.endswith("/deployment")]
    assert pages == ["0", "3"]
    assert len(findings(report(tmp_path), "deployments/")) >= 4


def running(rest: httpx.Client, business_key: str) -> dict:
    [instance] = rest.get("/process-instance", params={"businessKey": business_key}).json()
    return instance


def waiting_at(rest: httpx.Client, instance_id: str) -> list[str]:
    tree = rest.get(f"/process-instance/{instance_id}/activity-instances").json()
    return sorted(a["activityId"] for a in tree["childActivityInstances"]
                  if a["activityType"] not in ("boundaryTimer", "parallelGateway"))


def test_instances_come_back_at_the_same_activities_with_variables_and_assignees(source, database_url, rest, tmp_path):
    result = run_cli("--database-url", database_url, "--with-instances", "--report-dir", str(tmp_path))
    assert result.exit_code == 0, result.output

    review = running(rest, "claim-1")
    assert review["definitionId"].startswith("claims:1:")
    assert waiting_at(rest, review["id"]) == ["review"]
    assert rest.get(f"/process-instance/{review['id']}/variables", params={"deserializeValues": "false"}).json() == VARIABLES
    [task] = rest.get("/task", params={"processInstanceId": review["id"]}).json()
    assert task["assignee"] == "mary"
    links = rest.get(f"/task/{task['id']}/identity-links", params={"type": "candidate"}).json()
    assert {(link["userId"], link["groupId"]) for link in links} == {(None, "clerks"), ("sam", None)}
    assert rest.get(f"/task/{task['id']}/localVariables").json()["note"]["value"] == "call back"

    parallel = running(rest, "claim-2")
    assert parallel["definitionId"].startswith("claims:2:")
    assert waiting_at(rest, parallel["id"]) == ["check", "pay"]
    [external] = rest.get("/external-task", params={"processInstanceId": parallel["id"]}).json()
    assert external["topicName"] == "payment" and external["workerId"] is None
    assert waiting_at(rest, running(rest, "claim-3")["id"]) == ["cooling"]

    invoice = running(rest, "inv-9")
    assert invoice["tenantId"] == "acme"
    [approve] = rest.get("/task", params={"processInstanceId": invoice["id"]}).json()
    assert approve["assignee"] == "lee"

    document = report(tmp_path)
    sub = running(rest, "claim-4")
    tree = rest.get(f"/process-instance/{sub['id']}/activity-instances").json()
    [close] = tree["childActivityInstances"]
    assert (close["activityId"], [a["activityId"] for a in close["childActivityInstances"]]) == ("close", ["archive"])

    document = report(tmp_path)
    assert [f["messageId"] for f in findings(document, "pi-multi")] == ["instance-in-scope"]
    assert [f["messageId"] for f in findings(document, "pi-gone")] == ["instance-activity-missing"]
    assert "external-task-lock-dropped" in [f["messageId"] for f in findings(document, "pi-parallel")]
    assert rest.get("/process-instance/count").json() == {"count": 5}
    assert source_methods(source) == {"GET"}


def test_dry_run_reports_and_changes_nothing(source, database_url, rest, tmp_path):
    result = run_cli("--database-url", database_url, "--with-instances", "--dry-run", "--report-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert rest.get("/deployment/count").json() == {"count": 0}
    assert rest.get("/process-instance/count").json() == {"count": 0}
    document = report(tmp_path)
    would = [f["message"] for f in findings(document, "pi-review")]
    assert would and "would be recreated at review" in would[0]
    assert [f["messageId"] for f in findings(document, "pi-multi")] == ["instance-in-scope"]
    assert source_methods(source) == {"GET"}


def test_import_over_http_into_a_running_gateway(source, server, rest, tmp_path):
    result = run_cli("--target", server.url, "--with-instances", "--report-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert rest.get("/deployment/count").json() == {"count": 4}
    review = running(rest, "claim-1")
    assert waiting_at(rest, review["id"]) == ["review"]
    assert rest.get(f"/process-instance/{review['id']}/variables/customer", params={"deserializeValue": "false"}).json() \
        == VARIABLES["customer"]
    [task] = rest.get("/task", params={"processInstanceId": review["id"]}).json()
    assert task["assignee"] == "mary"
    assert source_methods(source) == {"GET"}


def test_usage_errors_and_an_unreachable_source_are_not_exit_zero(tmp_path):
    assert run_cli("--report-dir", str(tmp_path)).exit_code == 2
    assert run_cli("--target", "http://a", "--database-url", "sqlite://", "--report-dir", str(tmp_path)).exit_code == 2
    with respx.mock() as router:
        router.route(url__startswith=SOURCE).mock(side_effect=httpx.ConnectError("refused"))
        assert run_cli("--dry-run", "--report-dir", str(tmp_path)).exit_code == 1
