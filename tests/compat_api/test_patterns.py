"""The workflow control-flow patterns (Russell, ter Hofstede, van der Aalst, Mulyar 2006) that
SpiffWorkflow lists, each as a Camunda-style model in tests/fixtures/patterns/ run over REST.
docs/patterns.md tabulates them, including those BPMN cannot express; the last test keeps the
page and this module in step."""
from __future__ import annotations

import json
import re
import sys

import httpx

from tests.conftest import REPO, deploy, start, tasks

PATTERNS_DOC = REPO / "docs" / "patterns.md"


def run(rest: httpx.Client, fixture: str, **variables: object) -> str:
    """Deploy ``patterns/<fixture>.bpmn``, start its process (key ``wcpNN``) and return the id."""
    deploy(rest, f"patterns/{fixture}.bpmn")
    return start(rest, fixture.split("_")[0], variables=_dtos(variables))["id"]


def _dtos(variables: dict[str, object]) -> dict[str, dict]:
    return {name: {"value": json.dumps(value), "type": "Json"} if isinstance(value, list) else {"value": value}
            for name, value in variables.items()}


def waiting(rest: httpx.Client, instance_id: str) -> list[str]:
    return sorted(task["taskDefinitionKey"] for task in tasks(rest, processInstanceId=instance_id))


def complete(rest: httpx.Client, instance_id: str, activity_id: str, **variables: object) -> None:
    """Complete one open task of ``activity_id`` (the first, when several are open)."""
    open_tasks = [t for t in tasks(rest, processInstanceId=instance_id) if t["taskDefinitionKey"] == activity_id]
    assert open_tasks, f"no open {activity_id} in {waiting(rest, instance_id)}"
    response = rest.post(f"/task/{open_tasks[0]['id']}/complete", json={"variables": _dtos(variables)})
    assert response.status_code == 204, response.text


def ended(rest: httpx.Client, instance_id: str) -> bool:
    return rest.get(f"/process-instance/{instance_id}").status_code == 404


def variable(rest: httpx.Client, instance_id: str, name: str) -> object:
    response = rest.get(f"/process-instance/{instance_id}/variables/{name}")
    assert response.status_code == 200, response.text
    return response.json()["value"]


def correlate(rest: httpx.Client, message: str, **body: object) -> None:
    response = rest.post("/message", json={"messageName": message, **body})
    assert response.status_code == 204, response.text


def subscriptions(rest: httpx.Client, instance_id: str) -> list[str]:
    listed = rest.get("/event-subscription", params={"processInstanceId": instance_id}).json()
    return sorted(row["activityId"] for row in listed)


def test_wcp01_sequence(rest):
    instance = run(rest, "wcp01_sequence")
    seen = []
    while not ended(rest, instance):
        [current] = waiting(rest, instance)
        seen.append(current)
        complete(rest, instance, current)
    assert seen == ["receiveOrder", "checkStock", "shipOrder"]


def test_wcp02_parallel_split(rest):
    instance = run(rest, "wcp02_parallel_split")
    assert waiting(rest, instance) == ["receiveOrder"]
    complete(rest, instance, "receiveOrder")
    assert waiting(rest, instance) == ["packGoods", "sendInvoice"]


def test_wcp03_synchronization(rest):
    instance = run(rest, "wcp03_synchronization")
    complete(rest, instance, "packGoods")
    assert waiting(rest, instance) == ["sendInvoice"]
    complete(rest, instance, "sendInvoice")
    assert waiting(rest, instance) == ["shipOrder"]
    complete(rest, instance, "shipOrder")
    assert ended(rest, instance)


def test_wcp04_exclusive_choice(rest):
    large = run(rest, "wcp04_exclusive_choice", amount=5000)
    small = start(rest, "wcp04", variables=_dtos({"amount": 20}))["id"]
    assert waiting(rest, large) == ["approveManually"]
    assert waiting(rest, small) == ["approveAutomatically"]


def test_wcp05_simple_merge(rest):
    by_mail = run(rest, "wcp05_simple_merge", channel="email")
    by_post = start(rest, "wcp05", variables=_dtos({"channel": "post"}))["id"]
    complete(rest, by_mail, "sendEmail")
    complete(rest, by_post, "sendLetter")
    assert waiting(rest, by_mail) == ["archive"] and waiting(rest, by_post) == ["archive"]


def test_wcp06_multi_choice(rest):
    instance = run(rest, "wcp06_multi_choice", crime=False, fire=True, injured=2)
    assert waiting(rest, instance) == ["ambulance", "fireBrigade"]
    complete(rest, instance, "ambulance")
    complete(rest, instance, "fireBrigade")
    assert ended(rest, instance)


def test_wcp07_structured_synchronizing_merge(rest):
    instance = run(rest, "wcp07_structured_synchronizing_merge", crime=True, fire=False, injured=1)
    assert waiting(rest, instance) == ["ambulance", "police"]
    complete(rest, instance, "police")
    assert waiting(rest, instance) == ["ambulance"]
    complete(rest, instance, "ambulance")
    assert waiting(rest, instance) == ["report"]


def test_wcp08_multi_merge(rest):
    instance = run(rest, "wcp08_multi_merge")
    complete(rest, instance, "checkCredit")
    assert waiting(rest, instance) == ["checkIdentity", "logResult"]
    complete(rest, instance, "checkIdentity")
    assert waiting(rest, instance) == ["logResult", "logResult"]
    complete(rest, instance, "logResult")
    assert not ended(rest, instance)
    complete(rest, instance, "logResult")
    assert ended(rest, instance)


def test_wcp09_structured_discriminator(rest):
    instance = run(rest, "wcp09_structured_discriminator")
    complete(rest, instance, "askBankB")
    assert waiting(rest, instance) == ["askBankA", "askBankC", "takeOffer"]
    complete(rest, instance, "askBankA")
    complete(rest, instance, "askBankC")
    assert waiting(rest, instance) == ["takeOffer"]
    assert variable(rest, instance, "arrived") == 3
    complete(rest, instance, "takeOffer")
    assert ended(rest, instance)


def test_wcp10_arbitrary_cycles(rest):
    def walk(instance: str, *verdicts: str) -> list[str]:
        seen, given = [], iter(verdicts)
        while not ended(rest, instance):
            [current] = waiting(rest, instance)
            seen.append(current)
            complete(rest, instance, current, **({"verdict": next(given)} if current == "review" else {}))
        return seen

    at_review = run(rest, "wcp10_arbitrary_cycles", needsDraft=False, verdict="accept")
    at_draft = start(rest, "wcp10", variables=_dtos({"needsDraft": True, "verdict": "accept"}))["id"]
    assert walk(at_review, "redraft", "redraft", "accept") == [
        "register", "review", "draft", "review", "draft", "review", "pay"]
    assert walk(at_draft, "redraft", "accept") == ["register", "draft", "review", "draft", "review", "pay"]


def test_wcp11_implicit_termination(rest):
    instance = run(rest, "wcp11_implicit_termination")
    complete(rest, instance, "sendInvoice")
    assert not ended(rest, instance)
    assert waiting(rest, instance) == ["shipGoods"]
    complete(rest, instance, "shipGoods")
    assert ended(rest, instance)


def test_wcp12_mi_without_synchronization(rest):
    instance = run(rest, "wcp12_mi_without_synchronization", parcels=3)
    assert waiting(rest, instance) == ["inspect", "inspect", "inspect", "invoice"]
    assert variable(rest, instance, "spawned") == 3
    complete(rest, instance, "invoice")
    assert waiting(rest, instance) == ["inspect", "inspect", "inspect"]
    for _ in range(3):
        complete(rest, instance, "inspect")
    assert ended(rest, instance)


def test_wcp13_mi_with_design_time_knowledge(rest):
    instance = run(rest, "wcp13_mi_with_design_time_knowledge")
    assert waiting(rest, instance) == ["signContract"] * 3
    complete(rest, instance, "signContract")
    complete(rest, instance, "signContract")
    assert waiting(rest, instance) == ["signContract"]
    complete(rest, instance, "signContract")
    assert waiting(rest, instance) == ["file"]


def test_wcp14_mi_with_run_time_knowledge(rest):
    instance = run(rest, "wcp14_mi_with_run_time_knowledge", reviewers=["ann", "bob", "cy", "dee"])
    assert sorted(t["assignee"] for t in tasks(rest, processInstanceId=instance)) == ["ann", "bob", "cy", "dee"]
    for _ in range(4):
        complete(rest, instance, "review")
    assert waiting(rest, instance) == ["decide"]


def test_wcp15_mi_without_run_time_knowledge(rest):
    instance = run(rest, "wcp15_mi_without_run_time_knowledge")
    complete(rest, instance, "findWitness", witnessFound=True)
    assert waiting(rest, instance) == ["findWitness", "interview"]
    complete(rest, instance, "findWitness", witnessFound=True)
    assert waiting(rest, instance) == ["findWitness", "interview", "interview"]
    complete(rest, instance, "interview")
    complete(rest, instance, "findWitness", witnessFound=False)
    assert waiting(rest, instance) == ["interview"]
    complete(rest, instance, "interview")
    assert waiting(rest, instance) == ["report"]


def test_wcp16_deferred_choice(rest):
    accepted = run(rest, "wcp16_deferred_choice")
    expired = start(rest, "wcp16")["id"]
    assert subscriptions(rest, accepted) == ["accepted"]
    correlate(rest, "OfferAccepted", processInstanceId=accepted)
    assert waiting(rest, accepted) == ["shipOrder"]
    assert rest.get("/job", params={"processInstanceId": accepted}).json() == []

    [timer] = rest.get("/job", params={"processInstanceId": expired}).json()
    assert rest.post(f"/job/{timer['id']}/execute").status_code == 204
    assert waiting(rest, expired) == ["withdrawOffer"]
    assert subscriptions(rest, expired) == []


def test_wcp19_cancel_task(rest):
    instance = run(rest, "wcp19_cancel_task")
    assert waiting(rest, instance) == ["creditCheck", "packGoods"]
    assert subscriptions(rest, instance) == ["withdrawn"]
    correlate(rest, "WithdrawCheck", processInstanceId=instance)
    assert waiting(rest, instance) == ["packGoods"]
    assert subscriptions(rest, instance) == []
    complete(rest, instance, "packGoods")
    assert ended(rest, instance)


def test_wcp20_cancel_case(rest):
    instance = run(rest, "wcp20_cancel_case")
    other = start(rest, "wcp20")["id"]
    complete(rest, instance, "sendInvoice")
    correlate(rest, "CancelOrder", processInstanceId=instance)
    assert ended(rest, instance)
    assert tasks(rest, processInstanceId=instance) == []
    assert waiting(rest, other) == ["packGoods", "sendInvoice"]


def test_wcp21_structured_loop(rest):
    instance = run(rest, "wcp21_structured_loop")
    for left in (3, 1, 0):
        assert waiting(rest, instance) == ["proofread"]
        complete(rest, instance, "proofread", errorsLeft=left)
    assert waiting(rest, instance) == ["publish"]


def test_wcp22_recursion(rest):
    top = run(rest, "wcp22_recursion", depth=0)
    chain = [top]
    while sub := rest.get("/process-instance", params={"superProcessInstance": chain[-1]}).json():
        chain.append(sub[0]["id"])
    assert len(chain) == 3
    assert [variable(rest, instance, "depth") for instance in chain] == [0, 1, 2]
    assert waiting(rest, chain[-1]) == ["build"] and tasks(rest) == tasks(rest, processInstanceId=chain[-1])
    complete(rest, chain[-1], "build", built="part")
    assert ended(rest, chain[2])
    assert waiting(rest, chain[1]) == ["inspect"] and variable(rest, chain[1], "built") == "(part)"
    complete(rest, chain[1], "inspect")
    assert waiting(rest, chain[0]) == ["inspect"] and variable(rest, chain[0], "built") == "((part))"
    complete(rest, chain[0], "inspect")
    assert ended(rest, chain[0])


def test_wcp23_transient_trigger(rest):
    instance = run(rest, "wcp23_transient_trigger")
    assert rest.post("/signal", json={"name": "GreenLight"}).status_code == 204
    complete(rest, instance, "prepare")
    assert waiting(rest, instance) == []
    assert subscriptions(rest, instance) == ["greenLight"]
    assert rest.post("/signal", json={"name": "GreenLight"}).status_code == 204
    assert waiting(rest, instance) == ["depart"]
    assert subscriptions(rest, instance) == []


def test_wcp24_persistent_trigger(rest):
    instance = run(rest, "wcp24_persistent_trigger")
    assert subscriptions(rest, instance) == ["paid"]
    correlate(rest, "PaymentReceived", processInstanceId=instance)
    assert waiting(rest, instance) == ["pack"]
    assert subscriptions(rest, instance) == []
    complete(rest, instance, "pack")
    assert waiting(rest, instance) == ["ship"]


def test_wcp25_cancel_region(rest):
    instance = run(rest, "wcp25_cancel_region")
    complete(rest, instance, "pack")
    assert waiting(rest, instance) == ["bookCarrier", "sendInvoice"]
    correlate(rest, "StopShipping", processInstanceId=instance)
    assert waiting(rest, instance) == ["refund", "sendInvoice"]
    assert subscriptions(rest, instance) == []


def test_wcp26_cancel_mi_activity(rest):
    instance = run(rest, "wcp26_cancel_mi_activity", respondents=["ann", "bob", "cy"])
    complete(rest, instance, "answer")
    assert waiting(rest, instance) == ["answer", "answer"]
    assert subscriptions(rest, instance) == ["recalled"]
    correlate(rest, "RecallSurvey", processInstanceId=instance)
    assert waiting(rest, instance) == ["apologise"]
    assert subscriptions(rest, instance) == []


def test_wcp27_complete_mi_activity(rest):
    instance = run(rest, "wcp27_complete_mi_activity", searchers=["ann", "bob", "cy"], found=False)
    complete(rest, instance, "search", found=False)
    assert waiting(rest, instance) == ["search", "search"]
    complete(rest, instance, "search", found=True)
    assert waiting(rest, instance) == ["report"]


def test_wcp29_cancelling_discriminator(rest):
    instance = run(rest, "wcp29_cancelling_discriminator")
    complete(rest, instance, "askBankB")
    assert waiting(rest, instance) == ["takeOffer"]
    complete(rest, instance, "takeOffer")
    assert ended(rest, instance)


def test_wcp30_structured_partial_join(rest):
    instance = run(rest, "wcp30_structured_partial_join")
    complete(rest, instance, "reviewA")
    assert waiting(rest, instance) == ["reviewB", "reviewC"]
    complete(rest, instance, "reviewC")
    assert waiting(rest, instance) == ["decide", "reviewB"]
    complete(rest, instance, "reviewB")
    assert waiting(rest, instance) == ["decide"]
    complete(rest, instance, "decide")
    assert ended(rest, instance)


def test_wcp32_cancelling_partial_join(rest):
    instance = run(rest, "wcp32_cancelling_partial_join")
    complete(rest, instance, "reviewA")
    assert waiting(rest, instance) == ["reviewB", "reviewC"]
    complete(rest, instance, "reviewC")
    assert waiting(rest, instance) == ["decide"]
    assert variable(rest, instance, "arrived") == 2


def test_wcp37_acyclic_synchronizing_merge(rest):
    clean = run(rest, "wcp37_acyclic_synchronizing_merge")
    complete(rest, clean, "checkCredit")
    assert waiting(rest, clean) == ["checkFraud"]
    complete(rest, clean, "checkFraud", suspicious=False)
    assert waiting(rest, clean) == ["decide"]

    flagged = start(rest, "wcp37")["id"]
    complete(rest, flagged, "checkFraud", suspicious=True)
    assert waiting(rest, flagged) == ["checkCredit"]
    complete(rest, flagged, "checkCredit")
    assert waiting(rest, flagged) == ["decide"]


def test_wcp38_general_synchronizing_merge(rest):
    instance = run(rest, "wcp38_general_synchronizing_merge")
    complete(rest, instance, "checkCredit")
    for missing in (2, 1):
        complete(rest, instance, "collectDocuments", missing=missing)
        assert waiting(rest, instance) == ["collectDocuments"]
    complete(rest, instance, "collectDocuments", missing=0)
    assert waiting(rest, instance) == ["decide"]
    complete(rest, instance, "decide")
    assert ended(rest, instance)


def test_wcp41_thread_merge(rest):
    instance = run(rest, "wcp41_thread_merge", threads=3)
    assert waiting(rest, instance) == ["fetch"] * 3
    complete(rest, instance, "fetch")
    complete(rest, instance, "fetch")
    assert waiting(rest, instance) == ["fetch"]
    complete(rest, instance, "fetch")
    assert waiting(rest, instance) == ["pack"]


def test_wcp42_thread_split(rest):
    instance = run(rest, "wcp42_thread_split", threads=3)
    assert sorted(t["name"] for t in tasks(rest, processInstanceId=instance)) == [
        "Fetch item 0", "Fetch item 1", "Fetch item 2"]
    complete(rest, instance, "fetch")
    assert waiting(rest, instance) == ["fetch", "fetch", "label"]


def test_wcp43_explicit_termination(rest):
    instance = run(rest, "wcp43_explicit_termination")
    complete(rest, instance, "assess")
    assert ended(rest, instance)
    assert tasks(rest, processInstanceId=instance) == []


ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*)\|\s*(passes|xfail|not expressible in BPMN):(.*)\|\s*$")


def _xfailed(function: object) -> bool:
    return any(mark.name == "xfail" for mark in getattr(function, "pytestmark", []))


def test_docs_patterns_table_matches_this_module():
    module = sys.modules[__name__]
    tests_here = {name for name in dir(module) if re.fullmatch(r"test_wcp\d\d_\w+", name)}
    table = [line for line in PATTERNS_DOC.read_text().splitlines() if re.match(r"^\|\s*\d+\s*\|", line)]
    named = set()
    for line in table:
        match = ROW.match(line)
        assert match, f"docs/patterns.md row without a status: {line}"
        number, status, detail = int(match.group(1)), match.group(3), match.group(4)
        names = re.findall(r"`(test_wcp\d\d_\w+)`", detail)
        if status == "not expressible in BPMN":
            assert names == [], f"WCP{number} is 'not expressible' but has {names}"
            continue
        assert len(names) == 1 and names[0] in tests_here, f"WCP{number}: no test {names} in this module"
        assert int(names[0][8:10]) == number, f"WCP{number} names {names[0]}"
        assert _xfailed(getattr(module, names[0])) == (status == "xfail"), f"WCP{number}: status {status!r} is stale"
        named.add(names[0])
    assert tests_here - named == set(), "tests without a row in docs/patterns.md"
