"""What SpiffWorkflow's ``BpmnParser.add_bpmn_xml`` collects from a whole document, in one walk.

Spiff 3.2.0 makes a dozen XPath passes over every document it is given (data stores, lanes,
diagram shapes, processes and their call activities and business rule tasks, collaborations,
messages, signals, errors, escalations, correlations), compiling each expression on every
call, and another per diagram shape for its bounds: on a typical model that costs more than
parsing the XML. ``OneWalkDocuments`` collects the same elements with one tag-filtered lxml
walk and then does what Spiff's ``_add_*`` methods do with them, in the same order, with the
same results and the same errors. Keep it in step with the pinned SpiffWorkflow version.
"""
from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import first
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.message import CorrelationProperty

_FOUND = ("dataStore", "flowNodeRef", "process", "collaboration", "message", "signal", "error",
          "escalation", "correlationKey", "correlationProperty")


class OneWalkDocuments:
    """Mixin for a ``BpmnParser`` (before it in the bases): ``add_bpmn_xml`` in one walk."""

    namespaces: dict[str, str]
    validator: Any
    data_stores: dict[str, Any]
    DATA_STORE_CLASSES: dict[str, Any]
    document_lanes: dict[int, dict[str, Any]]
    document_positions: dict[int, dict[str, Any]]
    collaborations: dict[str, Any]
    messages: dict[str, Any]
    signals: dict[str, Any]
    errors: dict[str, Any]
    escalations: dict[str, Any]
    correlations: dict[str, Any]
    message_correlations: dict[str, Any]
    process_dependencies: set[str]
    dmn_dependencies: set[str]

    def add_bpmn_xml(self, bpmn: Any, filename: str | None = None) -> None:
        if self.validator:
            self.validator.validate(bpmn, filename)
        bpmn_ns = "{" + self.namespaces["bpmn"] + "}"
        shape = "{" + self.namespaces["bpmndi"] + "}BPMNShape"
        found: dict[str, list[Any]] = {bpmn_ns + local: [] for local in _FOUND}
        found[shape] = []
        # ".//x" from an element: its descendants; from an ElementTree: the root element too.
        walk = bpmn.iter if isinstance(bpmn, etree._ElementTree) else bpmn.iterdescendants
        for element in walk(*found):
            found[element.tag].append(element)

        def of(local: str) -> list[Any]:
            return found[bpmn_ns + local]

        self._add_found_data_stores(of("dataStore"))
        self._add_found_diagram_indexes(bpmn, of("flowNodeRef"), found[shape])
        for process in of("process"):
            self._find_dependencies(process)
            self.create_parser(process, filename)  # type: ignore[attr-defined]
        self._add_found_collaboration(first(of("collaboration")))
        self._add_found_messages(of("message"))
        self._add_found_signals(of("signal"))
        self._add_found_errors(of("error"))
        self._add_found_escalations(of("escalation"))
        self._add_found_correlations(of("correlationKey"), of("correlationProperty"))

    def _find_dependencies(self, process: Any) -> None:
        """Call activities and business rule tasks, as Spiff's BpmnParser and BpmnDmnParser
        find them, in one walk."""
        bpmn_ns = "{" + self.namespaces["bpmn"] + "}"
        call_activity, business_rule_task = bpmn_ns + "callActivity", bpmn_ns + "businessRuleTask"
        parser_cls, _ = self._get_parser_class(business_rule_task)  # type: ignore[attr-defined]
        for element in process.iterdescendants(call_activity, business_rule_task):
            if element.tag == call_activity:
                self.process_dependencies.add(element.get("calledElement"))
            else:
                self.dmn_dependencies.add(parser_cls.get_decision_ref(element))

    def _add_found_data_stores(self, data_stores: list[Any]) -> None:
        for data_store in data_stores:
            data_store_id = data_store.attrib.get("id")
            if data_store_id is None:
                raise ValidationException("Data Store identifier is missing from bpmn xml")
            data_store_name = data_store.attrib.get("name")
            if data_store_name is None:
                raise ValidationException("Data Store name is missing from bpmn xml")
            if data_store_name not in self.DATA_STORE_CLASSES:
                raise ValidationException(
                    f"Data Store with name {data_store_name} has no implementation"
                )
            self.data_stores[data_store_id] = self.DATA_STORE_CLASSES[data_store_name](
                data_store_id, data_store_name, data_store.attrib.get("capacity"),
                data_store.attrib.get("isUnlimited"))

    def _add_found_diagram_indexes(self, bpmn: Any, flow_node_refs: list[Any],
                                   shapes: list[Any]) -> None:
        document_key = self._document_key(bpmn)  # type: ignore[attr-defined]
        if document_key in self.document_lanes:
            return
        lanes = {}
        for flow_node_ref in flow_node_refs:
            flow_node_id = flow_node_ref.text
            if flow_node_id is not None:
                lanes[flow_node_id] = flow_node_ref.getparent().get("name")
        bounds_tag = "{" + self.namespaces["dc"] + "}Bounds"
        positions = {}
        for shape in shapes:
            node_id = shape.get("bpmnElement")
            if node_id is None:
                continue
            bounds = next(shape.iterdescendants(bounds_tag), None)
            if bounds is not None:
                positions[node_id] = {"x": float(bounds.get("x", 0)), "y": float(bounds.get("y", 0))}
        self.document_lanes[document_key] = lanes
        self.document_positions[document_key] = positions

    def _add_found_collaboration(self, collaboration: Any) -> None:
        if collaboration is not None:
            participant = "{" + self.namespaces["bpmn"] + "}participant"
            self.collaborations[collaboration.get("id")] = [
                p.get("processRef") for p in collaboration.iterdescendants(participant)
            ]

    def _add_found_messages(self, messages: list[Any]) -> None:
        for message in messages:
            if message.attrib.get("id") is None:
                raise ValidationException("Message identifier is missing from bpmn xml")
            self.messages[message.attrib.get("id")] = message.attrib.get("name")

    def _add_found_signals(self, signals: list[Any]) -> None:
        for signal in signals:
            signal_identifier = signal.attrib.get("id")
            if signal_identifier is None:
                raise ValidationException("Signal identifier is missing from bpmn xml")
            self.signals[signal_identifier] = signal.attrib.get("name")

    def _add_found_errors(self, errors: list[Any]) -> None:
        for error in errors:
            error_identifier = error.attrib.get("id")
            if error_identifier is None:
                raise ValidationException("Error identifier is missing from bpmn xml")
            self.errors[error_identifier] = {
                "name": error.attrib.get("name"),
                "error_code": error.attrib.get("errorCode"),
            }

    def _add_found_escalations(self, escalations: list[Any]) -> None:
        for escalation in escalations:
            escalation_identifier = escalation.attrib.get("id")
            if escalation_identifier is None:
                raise ValidationException("Escalation identifier is missing from bpmn xml")
            self.escalations[escalation_identifier] = {
                "name": escalation.attrib.get("name"),
                "escalation_code": escalation.attrib.get("escalationCode"),
            }

    def _add_found_correlations(self, keys: list[Any], properties: list[Any]) -> None:
        bpmn_ns = "{" + self.namespaces["bpmn"] + "}"
        property_id_to_used_by: dict[str, list[Any]] = {}
        for correlation_key in keys:
            used_by = correlation_key.attrib.get("name")
            for property_ref in correlation_key.iterchildren(bpmn_ns + "correlationPropertyRef"):
                if property_ref.text is not None:
                    property_id_to_used_by.setdefault(property_ref.text, []).append(used_by)
        for correlation in properties:
            correlation_identifier = correlation.attrib.get("id")
            if correlation_identifier is None:
                raise ValidationException("Correlation identifier is missing from bpmn xml")
            expressions = list(correlation.iterdescendants(
                bpmn_ns + "correlationPropertyRetrievalExpression"))
            if not expressions:
                raise ValidationException(
                    "Correlation is missing correlation property retrieval expressions: "
                    f"{correlation_identifier}"
                )
            retrieval_expressions = []
            for cpre in expressions:
                message_model_identifier = cpre.attrib.get("messageRef")
                if message_model_identifier is None:
                    raise ValidationException(
                        "Message identifier is missing from correlation property: "
                        f"{correlation_identifier}"
                    )
                children = cpre.getchildren()
                expression = children[0].text if len(children) > 0 else None
                retrieval_expressions.append({"messageRef": message_model_identifier,
                                              "expression": expression})
                if expression is not None:
                    self.message_correlations.setdefault(message_model_identifier, []).append(
                        CorrelationProperty(
                            correlation_identifier, expression,
                            property_id_to_used_by.get(correlation_identifier, []),
                        )
                    )
            self.correlations[correlation_identifier] = {
                "name": correlation.attrib.get("name"),
                "retrieval_expressions": retrieval_expressions,
            }
