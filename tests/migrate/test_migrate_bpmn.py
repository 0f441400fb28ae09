from __future__ import annotations

from pathlib import Path

from lxml import etree
from migrate_models import process  # type: ignore[import-not-found]

from migrate.bpmn import convert_bpmn
from migrate.delegates import DelegateMapping
from migrate.findings import FileStatus

C = "{http://camunda.org/schema/1.0/bpmn}"
B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def convert(data: bytes, mapping: DelegateMapping | None = None):
    outcome = convert_bpmn(data, "p.bpmn", mapping)
    root = etree.fromstring(outcome.output) if outcome.output else None
    return outcome.result, root


def ids(result) -> list[str]:
    return [f.message_id for f in result.findings]


def test_java_class_becomes_external_task_with_derived_topic() -> None:
    result, root = convert(process('<bpmn:serviceTask id="task" camunda:class="com.acme.ChargeCard"/>'))
    task = root.find(f".//{B}serviceTask")
    assert result.status is FileStatus.CONVERTED
    assert task.get(C + "type") == "external" and task.get(C + "topic") == "charge-card"
    assert task.get(C + "class") is None
    assert "java-delegate-external-task" in ids(result)


def test_delegate_expression_bean_becomes_topic() -> None:
    _, root = convert(process('<bpmn:serviceTask id="task" camunda:delegateExpression="${mailSender}"/>'))
    assert root.find(f".//{B}serviceTask").get(C + "topic") == "mail-sender"


def test_bean_calling_expression_becomes_topic_from_bean_and_method() -> None:
    _, root = convert(process(
        '<bpmn:serviceTask id="task" camunda:expression="${orderService.place(execution)}"/>'))
    assert root.find(f".//{B}serviceTask").get(C + "topic") == "order-service-place"


def test_mapping_file_can_pick_a_topic() -> None:
    mapping = DelegateMapping.from_dict({"com.acme.ChargeCard": {"topic": "payments"}})
    result, root = convert(process('<bpmn:serviceTask id="task" camunda:class="com.acme.ChargeCard"/>'), mapping)
    assert root.find(f".//{B}serviceTask").get(C + "topic") == "payments"
    assert "from the delegate mapping" in result.findings[0].message


def test_mapping_file_can_pick_a_python_handler() -> None:
    mapping = DelegateMapping.from_dict({"com.acme.ChargeCard": {"handler": "acme.charge"}})
    result, root = convert(process('<bpmn:serviceTask id="task" camunda:class="com.acme.ChargeCard"/>'), mapping)
    task = root.find(f".//{B}serviceTask")
    assert task.get(C + "class") == "acme.charge" and task.get(C + "type") is None
    assert "java-delegate-handler" in ids(result)
    again = convert_bpmn(etree.tostring(root), "p.bpmn", mapping)
    assert again.result.findings == []


def test_injected_fields_become_input_parameters() -> None:
    _, root = convert(process(
        '<bpmn:serviceTask id="task" camunda:class="a.B"><bpmn:extensionElements>'
        '<camunda:field name="url" stringValue="http://x"/></bpmn:extensionElements></bpmn:serviceTask>'))
    param = root.find(f".//{C}inputParameter")
    assert param.get("name") == "url" and param.text == "http://x"


def test_listener_class_without_mapping_is_a_task_finding_and_unchanged() -> None:
    result, root = convert(process(
        '<bpmn:userTask id="task"><bpmn:extensionElements>'
        '<camunda:taskListener event="create" class="com.acme.Notify"/>'
        '</bpmn:extensionElements></bpmn:userTask>'))
    assert "listener-delegate" in ids(result)
    assert root.find(f".//{C}taskListener").get("class") == "com.acme.Notify"


def test_http_connector_becomes_external_task_keeping_parameters() -> None:
    result, root = convert(process(
        '<bpmn:serviceTask id="task"><bpmn:extensionElements><camunda:connector>'
        '<camunda:inputOutput><camunda:inputParameter name="url">http://x</camunda:inputParameter>'
        '</camunda:inputOutput><camunda:connectorId>http-connector</camunda:connectorId>'
        '</camunda:connector></bpmn:extensionElements></bpmn:serviceTask>'))
    task = root.find(f".//{B}serviceTask")
    assert task.get(C + "topic") == "http-connector" and root.find(f".//{C}connector") is None
    assert task.find(f".//{C}inputParameter").get("name") == "url"
    assert "http-connector-external-task" in ids(result)


def test_soap_connector_is_a_task_finding() -> None:
    result, _ = convert(process(
        '<bpmn:serviceTask id="task"><bpmn:extensionElements><camunda:connector>'
        '<camunda:connectorId>soap-http-connector</camunda:connectorId>'
        '</camunda:connector></bpmn:extensionElements></bpmn:serviceTask>'))
    assert "soap-connector" in ids(result)


def test_javascript_script_task_becomes_python() -> None:
    result, root = convert(process(
        '<bpmn:scriptTask id="task" scriptFormat="javascript"><bpmn:script>'
        'execution.setVariable("x", 2 * y);</bpmn:script></bpmn:scriptTask>'))
    task = root.find(f".//{B}scriptTask")
    assert task.get("scriptFormat") == "python" and task.findtext(f"{B}script") == "x = 2 * y"
    assert "script-translated" in ids(result)


def test_untranslatable_script_is_kept_and_quoted_in_the_finding() -> None:
    script = "java.lang.System.out.println(x);"
    result, root = convert(process(
        f'<bpmn:scriptTask id="task" scriptFormat="groovy"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'))
    finding = next(f for f in result.findings if f.message_id == "script-untranslatable")
    assert script in finding.message and finding.element_id == "task"
    assert root.find(f".//{B}scriptTask").findtext(f"{B}script") == script


def test_python_script_passes_through_unchanged() -> None:
    data = process('<bpmn:scriptTask id="task" scriptFormat="python"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>')
    outcome = convert_bpmn(data, "p.bpmn")
    assert outcome.output == data and outcome.result.findings == []


def test_script_input_parameter_becomes_a_juel_expression() -> None:
    _, root = convert(process(
        '<bpmn:userTask id="task"><bpmn:extensionElements><camunda:inputOutput>'
        '<camunda:inputParameter name="big"><camunda:script scriptFormat="javascript">amount &gt; 10'
        '</camunda:script></camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>'))
    assert root.find(f".//{C}inputParameter").text == "${amount > 10}"


def test_iso_timer_literal_is_quoted_and_expression_kept() -> None:
    _, root = convert(process(
        '<bpmn:intermediateCatchEvent id="task"><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>PT5M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        '<bpmn:boundaryEvent id="b" attachedToRef="task2"><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>${wait}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'))
    texts = [e.text for e in root.iter(f"{B}timeDuration")]
    assert texts == ["'PT5M'", "${wait}"]


def test_invalid_cron_is_a_task_finding() -> None:
    result, _ = convert(process(
        '<bpmn:intermediateCatchEvent id="task"><bpmn:timerEventDefinition>'
        '<bpmn:timeCycle>0 0 99 * * ?</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'))
    assert "timer-invalid" in ids(result)


def test_operaton_namespace_is_renamed_to_camunda() -> None:
    result, root = convert(process('<bpmn:userTask id="task" operaton:assignee="demo"/>'))
    assert root.find(f".//{B}userTask").get(C + "assignee") == "demo"
    assert "namespace-renamed" in ids(result)
    assert "operaton" not in etree.tostring(root).decode()


def test_modeler_noise_is_dropped_and_metadata_kept() -> None:
    data = process('<bpmn:userTask id="task" camunda:modelerTemplate="x"/>',
                   attrs='modeler:executionPlatform="Camunda Platform"').replace(
        b'camunda:historyTimeToLive="30"', b'camunda:historyTimeToLive="30" camunda:versionTag="v1"')
    _, root = convert(data)
    text = etree.tostring(root).decode()
    assert "modelerTemplate" not in text and "executionPlatform" not in text
    assert 'camunda:versionTag="v1"' in text and 'camunda:historyTimeToLive="30"' in text


def test_dialect_names_and_modeler_attributes_are_cleaned_at_any_depth() -> None:
    result, root = convert(process(
        '<bpmn:userTask id="task" operaton:assignee="demo" camunda:modelerTemplate="t">'
        '<bpmn:extensionElements><operaton:inputOutput modeler:note="n">'
        '<operaton:inputParameter name="x" camunda:diagramRelationId="d">1</operaton:inputParameter>'
        '</operaton:inputOutput></bpmn:extensionElements></bpmn:userTask>',
        attrs='modeler:executionPlatform="Camunda Platform"'))
    assert root.find(f".//{C}inputOutput/{C}inputParameter").text == "1"
    names = [name for e in root.iter(etree.Element) for name in (e.tag, *e.keys())]
    assert not [n for n in names if "operaton" in n or "modeler" in n or "diagramRelationId" in n]
    dropped = next(f for f in result.findings if f.message_id == "modeler-metadata-dropped")
    assert dropped.message.startswith("4 modeler-only attribute(s)")
    assert ids(result).count("namespace-renamed") == 1


def test_unparseable_juel_names_attribute_and_expression() -> None:
    result, _ = convert(process('<bpmn:userTask id="task" camunda:assignee="${a +}"/>'))
    finding = next(f for f in result.findings if f.message_id == "juel-syntax-error")
    assert "camunda:assignee" in finding.message and "${a +}" in finding.message


def test_bean_call_in_an_expression_is_reported() -> None:
    result, _ = convert(process('<bpmn:userTask id="task" camunda:assignee="${users.pick(group)}"/>'))
    assert "juel-bean-call" in ids(result)


def test_value_methods_and_execution_are_not_bean_calls() -> None:
    result, _ = convert(process(
        '<bpmn:userTask id="task" camunda:assignee="${execution.getVariable(\'u\').trim()}"/>'))
    assert "juel-bean-call" not in ids(result)


def test_form_keys_are_reported_by_kind() -> None:
    result, _ = convert(process(
        '<bpmn:userTask id="task" camunda:formKey="embedded:app:forms/a.html"/>'
        '<bpmn:userTask id="t2" camunda:formKey="app:forms/a.jsf"/>'))
    assert {"form-key-embedded", "form-key-external"} <= set(ids(result))


def test_implicit_parallel_split_gets_an_explicit_gateway() -> None:
    data = process('<bpmn:userTask id="task"/><bpmn:sequenceFlow id="f3" sourceRef="task" targetRef="end"/>')
    result, root = convert(data)
    assert result.status is FileStatus.CONVERTED
    gateway = root.find(f".//{B}parallelGateway")
    assert gateway is not None
    assert {f.get("sourceRef") for f in root.iter(f"{B}sequenceFlow") if f.get("id") in {"f2", "f3"}} == {gateway.get("id")}


def test_malformed_xml_fails_with_line_and_is_not_written() -> None:
    outcome = convert_bpmn(b"<bpmn:definitions xmlns:bpmn='x'>\n<oops></bpmn:definitions>", "bad.bpmn")
    assert outcome.result.status is FileStatus.FAILED and outcome.output is None
    assert outcome.result.findings[0].message_id == "parse-error" and outcome.result.findings[0].line == 2


def test_model_the_engine_refuses_fails_with_element() -> None:
    outcome = convert_bpmn(process('<bpmn:sendTask id="task"/>'), "p.bpmn")
    finding = outcome.result.findings[-1]
    assert outcome.result.status is FileStatus.FAILED
    assert finding.message_id == "engine-rejects-model" and finding.element_id == "task"


def test_an_engine_refusal_after_a_rewrite_gives_the_line_in_the_input_file() -> None:
    # The rewritten fields take two lines fewer in the output; the report points into the input.
    data = process('<bpmn:serviceTask id="mail" camunda:class="a.Mail"><bpmn:extensionElements>\n'
                   '<camunda:field name="to" stringValue="x"/>\n<camunda:field name="cc" stringValue="y"/>\n'
                   '</bpmn:extensionElements></bpmn:serviceTask>\n    <bpmn:sendTask id="task"/>')
    line = next(n for n, text in enumerate(data.decode().splitlines(), 1) if "<bpmn:sendTask" in text)
    finding = convert_bpmn(data, "p.bpmn").result.findings[-1]
    assert finding.message_id == "engine-rejects-model" and (finding.element_id, finding.line) == ("task", line)


def test_conversion_is_idempotent(tmp_path: Path) -> None:
    data = process('<bpmn:serviceTask id="task" camunda:class="a.B"/><bpmn:intermediateCatchEvent id="t2">'
                   '<bpmn:timerEventDefinition><bpmn:timeDuration>PT5M</bpmn:timeDuration>'
                   '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')
    once = convert_bpmn(data, "p.bpmn").output
    twice = convert_bpmn(once, "p.bpmn")
    assert twice.output == once and twice.result.findings == []
