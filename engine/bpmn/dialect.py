"""The Camunda 7 dialect on top of SpiffWorkflow's ``CamundaParser``: which task parser and
spec class each BPMN element gets.

Every task parser here stores, on its spec, ``extensions = {"camunda": {...}, "activityType":
..., "timer"?: {...}, "scriptFormat"?: ...}`` (see ``engine.bpmn.extensions``); the process
parser stores ``{"camunda": {...}}`` on the ``BpmnProcessSpec`` as ``spec.extensions``.
"""
from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.event_parsers import (
    CANCEL_EVENT_XPATH,
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TERMINATION_EVENT_XPATH,
    TIMER_EVENT_XPATH,
    EventBasedGatewayParser,
)
from SpiffWorkflow.bpmn.parser.event_parsers import ReceiveTaskParser as BpmnReceiveTaskParser
from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser
from SpiffWorkflow.bpmn.parser.task_parsers import (
    ConditionalGatewayParser,
    GatewayParser,
    SubprocessParser,
)
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    EventBasedGateway,
    EventSubprocess,
    ExclusiveGateway,
    InclusiveGateway,
    IntermediateCatchEvent,
    ParallelGateway,
    ReceiveTask,
    ScriptTask,
    ServiceTask,
    StartEvent,
    SubWorkflowTask,
    TransactionSubprocess,
)
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser,
    CamundaEndEventParser,
    CamundaEventDefinitionParser,
    CamundaIntermediateCatchEventParser,
    CamundaIntermediateThrowEventParser,
    CamundaStartEventParser,
)
from SpiffWorkflow.camunda.parser.task_spec import CallActivityParser as CamundaCallActivityParser
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.camunda.parser.task_spec import UserTaskParser as CamundaUserTaskParser
from SpiffWorkflow.camunda.specs.user_task import UserTask

from engine.bpmn.activity_types import SYNTHETIC, activity_type_of_element
from engine.bpmn.documents import OneWalkDocuments
from engine.bpmn.extensions import BPMN_NS, CAMUNDA_NS, read_camunda, read_timer
from engine.bpmn.specs import (
    CamundaBusinessRuleTask,
    CamundaCallActivity,
    CamundaEndEvent,
    CamundaIntermediateThrowEvent,
    CamundaReceiveTask,
    CamundaSendTask,
    PassThroughManualTask,
    PassThroughTask,
)

# Set on elements the dialect rewrites (link catch events) to keep their Camunda activity type.
ACTIVITY_TYPE = "{urn:m8flow:bpmn}activityType"


_DOCUMENTATION = "{" + BPMN_NS + "}documentation"
_NAME_STEP = {
    **{f"./bpmn:{local}": (False, "{" + BPMN_NS + "}" + local) for local in (
        "ioSpecification", "standardLoopCharacteristics", "multiInstanceLoopCharacteristics")},
    **{path: (True, "{" + BPMN_NS + "}" + path[len(".//bpmn:"):]) for path in (
        CANCEL_EVENT_XPATH, CONDITIONAL_EVENT_XPATH, ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH,
        MESSAGE_EVENT_XPATH, SIGNAL_EVENT_XPATH, TERMINATION_EVENT_XPATH, TIMER_EVENT_XPATH)},
}
_DATA_INPUT_ASSOCIATION = "{" + BPMN_NS + "}dataInputAssociation"
_DATA_OUTPUT_ASSOCIATION = "{" + BPMN_NS + "}dataOutputAssociation"
_IMPLEMENTATION_ATTRIBUTES = ("type", "topic", "class", "delegateExpression", "expression", "resultVariable")


class _Dialect:
    """Mixin for every task parser: the camunda dict, activity type and raw timer text."""

    node: Any
    task: Any

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        node = self.node if node is None else node
        extensions: dict[str, Any] = {"camunda": read_camunda(node)}
        kind = node.get(ACTIVITY_TYPE) or activity_type_of_element(node)
        if kind is not None:
            extensions["activityType"] = kind
        timer = read_timer(node)
        if timer is not None:
            extensions["timer"] = timer
        return extensions

    def xpath(self, xpath: str) -> list[Any]:
        # The name-only paths Spiff evaluates on every node (loop markers, io specification,
        # event definitions): lxml's tag-filtered iterators give the same elements.
        step = _NAME_STEP.get(xpath)
        if step is not None and self.nsmap.get("bpmn") == BPMN_NS:  # type: ignore[attr-defined]
            descendants, tag = step
            return list(self.node.iterdescendants(tag) if descendants else self.node.iterchildren(tag))
        return super().xpath(xpath)  # type: ignore[misc, no-any-return]

    # Spiff looks these up with XPath on every node, and nearly every node has none: lxml's
    # iterators say so for a fraction of the cost, with the same answer.
    def parse_documentation(self, sequence_flow: Any = None) -> str | None:
        node = sequence_flow if sequence_flow is not None else self.node
        documentation = next(node.iterdescendants(_DOCUMENTATION), None)
        return None if documentation is None else documentation.text

    def parse_incoming_data_references(self) -> list[Any]:
        if next(self.node.iterchildren(_DATA_INPUT_ASSOCIATION), None) is None:
            return []
        return super().parse_incoming_data_references()  # type: ignore[misc, no-any-return]

    def parse_outgoing_data_references(self) -> list[Any]:
        if next(self.node.iterchildren(_DATA_OUTPUT_ASSOCIATION), None) is None:
            return []
        return super().parse_outgoing_data_references()  # type: ignore[misc, no-any-return]

    def connect_outgoing(self, outgoing_task: Any, sequence_flow_node: Any, is_default: bool) -> None:
        # Spiff keeps no sequence-flow objects: a flow's listeners (all "take", whatever their
        # event says) go on its source, keyed by the target spec (engine.listeners).
        super().connect_outgoing(outgoing_task, sequence_flow_node, is_default)  # type: ignore[misc]
        listeners = read_camunda(sequence_flow_node).get("executionListeners")
        if listeners:
            take = self.task.extensions.setdefault("takeListeners", {})
            take.setdefault(outgoing_task.name, []).append({"flow": sequence_flow_node.get("id"), "listeners": listeners})

    def _add_multiinstance_task(self, loop_characteristics: Any) -> None:
        # Camunda's MI semantics (collection expressions, nrOf* variables): engine.multi_instance.
        from engine.multi_instance import (
            CamundaParallelMultiInstance,
            CamundaSequentialMultiInstance,
        )

        mi = read_camunda(self.node)["multiInstance"]
        collection = mi["attributes"].get("collection")
        if mi["loopCardinality"] is None and not collection:
            self.raise_validation_exception(  # type: ignore[attr-defined]
                "A multi-instance activity must specify a loopCardinality or a camunda:collection"
            )
        original = self.spec.task_specs.pop(self.task.name)  # type: ignore[attr-defined]
        cls = CamundaSequentialMultiInstance if mi["isSequential"] else CamundaParallelMultiInstance
        self.task = cls(
            self.spec, original.name, task_spec="", cardinality="nrOfInstances",  # type: ignore[attr-defined]
            condition=mi["completionCondition"], collection=collection,
            element_variable=mi["attributes"].get("elementVariable"),
            loop_cardinality=mi["loopCardinality"],
        )
        self._copy_task_attrs(original, loop_characteristics)
        # The body is no external task or delegate itself: each instance is.
        camunda = dict(self.task.extensions.get("camunda", {}))
        camunda["attributes"] = {key: value for key, value in camunda.get("attributes", {}).items()
                                 if key not in _IMPLEMENTATION_ATTRIBUTES}
        self.task.extensions = {**self.task.extensions, "camunda": camunda}

    def _copy_task_attrs(self, original: Any, loop_characteristics: Any = None) -> None:
        # The multi-instance / loop wrapper keeps the element's extensions too.
        super()._copy_task_attrs(original, loop_characteristics)  # type: ignore[misc]
        self.task.extensions = dict(original.extensions)


class TaskParser(_Dialect, CamundaTaskParser):
    pass


class UserTaskParser(_Dialect, CamundaUserTaskParser):
    pass


class BusinessRuleTaskParser(_Dialect, CamundaTaskParser):
    @staticmethod
    def get_decision_ref(node: Any) -> str | None:
        # BpmnDmnParser collects dependencies with this; Spiff's version raises KeyError
        # for business rule tasks implemented by a delegate or an external task.
        return node.get("{" + CAMUNDA_NS + "}decisionRef")


class ScriptTaskParser(_Dialect, CamundaTaskParser):
    def create_task(self) -> Any:
        script = self.xpath("./bpmn:script")
        if len(script) != 1 or not (script[0].text or "").strip():
            raise ValidationException(
                "Script task has no inline script", node=self.node, file_name=self.filename
            )
        return self.spec_class(self.spec, self.bpmn_id, script=script[0].text,
                               **self.bpmn_attributes)

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions = super().parse_extensions(node)
        extensions["scriptFormat"] = self.node.get("scriptFormat")
        return extensions


class SubProcessParser(_Dialect, CamundaTaskParser):
    def create_task(self) -> Any:
        subprocess_id = SubprocessParser.get_subprocess_spec(self)
        cls = EventSubprocess if self.node.get("triggeredByEvent") == "true" else SubWorkflowTask
        return cls(self.spec, self.bpmn_id, subworkflow_spec=subprocess_id,
                   **self.bpmn_attributes)


class TransactionParser(_Dialect, CamundaTaskParser):
    def create_task(self) -> Any:
        subprocess_id = SubprocessParser.get_subprocess_spec(self)
        return TransactionSubprocess(self.spec, self.bpmn_id, subworkflow_spec=subprocess_id,
                                     **self.bpmn_attributes)


class CallActivityParser(_Dialect, CamundaCallActivityParser):
    """The called process is resolved and started at run time (``engine.call_activities``)."""

    def create_task(self) -> Any:
        return self.spec_class(self.spec, self.bpmn_id, **self.bpmn_attributes)

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions = super().parse_extensions(node)
        extensions["calledElement"] = self.node.get("calledElement")
        return extensions


class ExclusiveGatewayParser(_Dialect, ConditionalGatewayParser):
    pass


class ParallelGatewayParser(_Dialect, GatewayParser):
    pass


class EventGatewayParser(_Dialect, EventBasedGatewayParser):
    pass


class StartEventParser(_Dialect, CamundaStartEventParser):
    """Also reads error and escalation start events (event subprocesses): Spiff parses them
    as none start events, which fire as soon as the process starts."""

    def create_task(self) -> Any:
        event_definition = self.get_event_definition([
            MESSAGE_EVENT_XPATH, SIGNAL_EVENT_XPATH, TIMER_EVENT_XPATH, CONDITIONAL_EVENT_XPATH,
            ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH,
        ])
        task = self._create_task(event_definition)
        self.spec.start.connect(task)
        return task

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        # Spiff drops isInterrupting of event sub-process starts; engine.events.hooks needs it.
        extensions = super().parse_extensions(node)
        extensions["isInterrupting"] = self.node.get("isInterrupting", "true").strip() != "false"
        return extensions


class EndEventParser(_Dialect, CamundaEndEventParser):
    """Also reads signal end events: Spiff parses them as none end events."""

    def create_task(self) -> Any:
        event_definition = self.get_event_definition([
            MESSAGE_EVENT_XPATH, CANCEL_EVENT_XPATH, ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH,
            TERMINATION_EVENT_XPATH, SIGNAL_EVENT_XPATH,
        ])
        task = self._create_task(event_definition)
        task.connect(self.spec.end)
        return task


class IntermediateCatchEventParser(_Dialect, CamundaIntermediateCatchEventParser):
    pass


class IntermediateThrowEventParser(_Dialect, CamundaIntermediateThrowEventParser):
    pass


class BoundaryEventParser(_Dialect, CamundaBoundaryEventParser):
    pass


class ReceiveTaskParser(_Dialect, CamundaEventDefinitionParser, BpmnReceiveTaskParser):
    """Camunda's message event definition class, like every other message event here (the
    plain BPMN one has another payload convention). Without a message Spiff's receive task
    completes at once; Camunda's waits to be signalled, so it parks instead."""

    def create_task(self) -> Any:
        has_message = self.node.get("messageRef") or self.xpath(MESSAGE_EVENT_XPATH)
        if not has_message:
            return CamundaReceiveTask(self.spec, self.bpmn_id, **self.bpmn_attributes)
        return BpmnReceiveTaskParser.create_task(self)


class Camunda7ProcessParser(ProcessParser):
    def create_spec(self) -> Any:
        spec = super().create_spec()
        is_process = self.node.tag == "{" + BPMN_NS + "}process"
        spec.extensions = {"camunda": read_camunda(self.node) if is_process else {"attributes": {}}}
        return spec


class Camunda7Parser(OneWalkDocuments, CamundaParser):
    PROCESS_PARSER_CLASS = Camunda7ProcessParser
    OVERRIDE_PARSER_CLASSES = {
        full_tag("task"): (TaskParser, PassThroughTask),
        full_tag("manualTask"): (TaskParser, PassThroughManualTask),
        full_tag("userTask"): (UserTaskParser, UserTask),
        full_tag("serviceTask"): (TaskParser, ServiceTask),
        full_tag("sendTask"): (TaskParser, CamundaSendTask),
        full_tag("businessRuleTask"): (BusinessRuleTaskParser, CamundaBusinessRuleTask),
        full_tag("receiveTask"): (ReceiveTaskParser, ReceiveTask),
        full_tag("scriptTask"): (ScriptTaskParser, ScriptTask),
        full_tag("subProcess"): (SubProcessParser, SubWorkflowTask),
        full_tag("transaction"): (TransactionParser, TransactionSubprocess),
        full_tag("callActivity"): (CallActivityParser, CamundaCallActivity),
        full_tag("exclusiveGateway"): (ExclusiveGatewayParser, ExclusiveGateway),
        full_tag("inclusiveGateway"): (ExclusiveGatewayParser, InclusiveGateway),
        full_tag("parallelGateway"): (ParallelGatewayParser, ParallelGateway),
        full_tag("eventBasedGateway"): (EventGatewayParser, EventBasedGateway),
        full_tag("startEvent"): (StartEventParser, StartEvent),
        full_tag("endEvent"): (EndEventParser, CamundaEndEvent),
        full_tag("intermediateCatchEvent"): (IntermediateCatchEventParser, IntermediateCatchEvent),
        full_tag("intermediateThrowEvent"): (IntermediateThrowEventParser, CamundaIntermediateThrowEvent),
        full_tag("boundaryEvent"): (BoundaryEventParser, BoundaryEvent),
    }


_B = "{" + BPMN_NS + "}"
_IGNORED_BY_CAMUNDA = (
    # Camunda 7 gives data associations and data stores no run-time meaning; Spiff copies data
    # objects into task data and refuses data stores without a Python implementation.
    _B + "dataInputAssociation",
    _B + "dataOutputAssociation",
    _B + "dataStoreReference",
    _B + "dataStore",
    # Camunda 7 does not execute standard loops: the activity runs once.
    _B + "standardLoopCharacteristics",
)


_SPLITS_BY_ITSELF = {
    _B + local for local in ("exclusiveGateway", "inclusiveGateway", "parallelGateway",
                             "eventBasedGateway", "complexGateway", "startEvent")
}


def prepare_for_spiff(root: Any) -> None:
    """Adapt the tree, in place, where Camunda and Spiff read the same XML differently."""
    doomed = [element for element in root.iter(*_IGNORED_BY_CAMUNDA)]
    for element in doomed:
        element.getparent().remove(element)
    for container in root.iter(_B + "process", _B + "subProcess", _B + "transaction"):
        _connect_link_events(container)
        _make_implicit_splits_explicit(container)


def _make_implicit_splits_explicit(container: Any) -> None:
    """An activity with several outgoing flows splits in Camunda (all unconditional flows, or
    the conditional ones that hold); Spiff refuses it. Insert the equivalent parallel or
    inclusive gateway, marked synthetic so it has no Camunda activity type."""
    outgoing: dict[str, list[Any]] = {}
    for flow in container.iterchildren(_B + "sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
    if all(len(flows) < 2 for flows in outgoing.values()):
        return  # most containers: nothing splits implicitly, no need to index the nodes
    nodes: dict[str, Any] = {}
    for element in container.iterchildren(etree.Element):
        if element.tag != _B + "sequenceFlow":
            nodes[element.get("id")] = element
    for source_id, flows in outgoing.items():
        source = nodes.get(source_id)
        if len(flows) < 2 or source is None or source.tag in _SPLITS_BY_ITSELF:
            continue
        default = source.get("default")
        conditional = [f for f in flows if f.find(_B + "conditionExpression") is not None]
        if conditional and len(conditional) + (1 if default else 0) != len(flows):
            continue  # conditional and unconditional flows mixed: left to Spiff (refused)
        kind = "inclusiveGateway" if conditional else "parallelGateway"
        split_id = f"{source_id}__split"
        split = etree.SubElement(container, _B + kind, {"id": split_id, SYNTHETIC: "true"})
        if default:
            split.set("default", default)
        for flow in flows:
            flow.set("sourceRef", split_id)
        etree.SubElement(container, _B + "sequenceFlow",
                         {"id": f"{source_id}__to_split", "sourceRef": source_id,
                          "targetRef": split_id})


def _connect_link_events(container: Any) -> None:
    """Spiff reads link events as none events: the throw ends its path and the catch is never
    reached. A link throw continues at the catch event of the same name in the same scope,
    so give the throw a sequence flow to that catch and make the catch a pass-through none
    event that keeps its Camunda activity type."""
    catches: dict[str, Any] = {}
    throws: list[tuple[Any, str]] = []
    for element in container.iterchildren(_B + "intermediateCatchEvent", _B + "intermediateThrowEvent"):
        link = element.find(_B + "linkEventDefinition")
        if link is None:
            continue
        name = link.get("name") or ""
        if element.tag == _B + "intermediateCatchEvent":
            catches[name] = element
        elif element.tag == _B + "intermediateThrowEvent":
            throws.append((element, name))
    for element, name in throws:
        catch = catches.get(name)
        if catch is None:
            continue
        element.remove(element.find(_B + "linkEventDefinition"))
        etree.SubElement(container, _B + "sequenceFlow", {
            "id": f"{element.get('id')}__link", "sourceRef": element.get("id"), "targetRef": catch.get("id"),
        })
    for catch in catches.values():
        link = catch.find(_B + "linkEventDefinition")
        if link is not None:
            catch.remove(link)
            catch.tag = _B + "intermediateThrowEvent"
            catch.set(ACTIVITY_TYPE, "intermediateLinkCatch")
