"""Every message id ``m8flow migrate`` reports, with its usual severity and meaning.

Ids are stable kebab-case; docs/migration.md lists them all (a test keeps the two in step).
"""
from __future__ import annotations

from migrate.findings import Severity

MESSAGES: dict[str, tuple[Severity, str]] = {
    # input and output
    "parse-error": (Severity.ERROR, "The file is not well-formed XML (or not JSON, for .form); line given."),
    "not-a-model": (Severity.ERROR, "The XML root is not a BPMN 2.0 / DMN definitions element."),
    "camunda-8-model": (Severity.ERROR, "A Camunda 8 (Zeebe) model; m8flow runs Camunda 7 models."),
    "engine-rejects-model": (Severity.ERROR, "The engine's deployment parser refuses the converted model (unsupported or invalid construct); element and line given."),
    "internal-error": (Severity.ERROR, "The converter itself failed on this file (a bug: please report it)."),
    "unreadable-input": (Severity.ERROR, "A file or archive could not be read."),
    "unsafe-archive-path": (Severity.ERROR, "An archive member's path escapes the archive (../ or absolute)."),
    "output-not-written": (Severity.ERROR, "The converted file could not be written under --out."),
    "duplicate-path": (Severity.WARNING, "Two inputs map to the same relative path; the second is skipped."),
    "unsupported-file-type": (Severity.WARNING, "A file named on the command line is not a model, form or archive."),
    # BPMN dialect and metadata
    "namespace-renamed": (Severity.INFO, "operaton: / activiti: extensions were renamed to camunda:."),
    "modeler-metadata-dropped": (Severity.INFO, "Modeler-only attributes (templates, execution platform) were dropped."),
    # Java delegates and connectors
    "java-delegate-external-task": (Severity.REVIEW, "A Java class / delegate expression / bean expression became an external task (topic derived or mapped)."),
    "java-delegate-handler": (Severity.REVIEW, "A Java delegate now names a Python handler chosen in the delegate mapping."),
    "listener-delegate": (Severity.TASK, "An execution/task listener calls Java; map it to a Python handler."),
    "delegate-fields-to-inputs": (Severity.REVIEW, "Injected camunda:field values became input parameters of the external task."),
    "delegate-result-variable": (Severity.WARNING, "resultVariable of a converted delegate must be set by the worker."),
    "http-connector-external-task": (Severity.REVIEW, "http-connector became an external task on topic http-connector."),
    "soap-connector": (Severity.TASK, "SOAP connector: no equivalent; replace with an external task."),
    "connector-unsupported": (Severity.TASK, "Another Camunda Connect connector (mail, custom): no equivalent."),
    "connector-unused": (Severity.INFO, "A connector Camunda ignores because the task names an implementation."),
    # scripts, expressions, timers, flows
    "script-translated": (Severity.REVIEW, "A JavaScript/Groovy script became Python (or a ${…} expression); old and new text given."),
    "script-untranslatable": (Severity.TASK, "A script outside the translatable subset, left unchanged; exact text given."),
    "script-resource": (Severity.TASK, "A script loaded from an external resource; inline it."),
    "juel-syntax-error": (Severity.TASK, "An expression the engine's JUEL parser cannot parse; attribute and text given."),
    "juel-bean-call": (Severity.TASK, "An expression calls a method on a Java bean; register a Python bean or rewrite it."),
    "juel-unknown-function": (Severity.TASK, "An expression calls a function Camunda does not define."),
    "timer-invalid": (Severity.TASK, "A timer literal that is not valid ISO 8601 or Quartz cron."),
    "timer-cron": (Severity.INFO, "A valid cron timer cycle, kept as a quoted literal."),
    "flow-condition-added": (Severity.REVIEW, "An exclusive gateway's unconditioned flow got ${true} (Camunda's meaning)."),
    "implicit-split-gateway": (Severity.REVIEW, "An activity with several outgoing flows got an explicit parallel/inclusive gateway."),
    # call activities
    "case-call": (Severity.TASK, "A call activity calls a CMMN case; m8flow has no CMMN."),
    "variable-mapping-delegate": (Severity.TASK, "Java variable mapping on a call activity; use camunda:in/out."),
    # forms
    "form-key-embedded": (Severity.INFO, "embedded: / camunda-forms: formKey, kept; convert the form with m8flow forms."),
    "form-key-external": (Severity.TASK, "app: or external formKey: the form is served by your application."),
    "form-key-expression": (Severity.REVIEW, "A formKey computed by an expression."),
    "form-ref": (Severity.INFO, "formRef (Camunda Form by id) kept."),
    "form-data": (Severity.INFO, "A generated form (camunda:formData) kept."),
    "form-property": (Severity.TASK, "Legacy activiti formProperty fields."),
    "form-handler-class": (Severity.TASK, "A Java formHandlerClass, ignored."),
    "form-file-copied": (Severity.INFO, "A .form or embedded HTML form copied unchanged (status skipped)."),
    # DMN
    "dmn-hit-policy-unsupported": (Severity.ERROR, "A hit policy / aggregation the DMN evaluator does not support."),
    "dmn-expression-language": (Severity.TASK, "A DMN expression in JavaScript, Groovy, Python or another language."),
    "dmn-feel-unsupported": (Severity.TASK, "FEEL beyond simple unary tests / simple expressions."),
    "dmn-decision-logic-unsupported": (Severity.TASK, "Decision logic other than a decision table or literal expression."),
    "dmn-no-decision": (Severity.WARNING, "A DMN model without any decision."),
    # import from a live Camunda 7
    "deployment-imported": (Severity.INFO, "A source deployment was deployed into m8flow (name, source, tenant and version order kept)."),
    "deployment-not-imported": (Severity.ERROR, "m8flow refused a source deployment, or none of its resources could be converted."),
    "instance-recreated": (Severity.INFO, "A running instance was started in m8flow at the activities it waits in, with its variables, business key and task assignments."),
    "instance-definition-missing": (Severity.ERROR, "An instance's process definition was not imported; the instance stays in the source."),
    "instance-in-scope": (Severity.ERROR, "An instance waits inside a multi-instance body, event sub-process or call activity; it stays in the source."),
    "instance-activity-missing": (Severity.ERROR, "An instance waits in an activity the converted model does not have; it stays in the source."),
    "instance-start-failed": (Severity.ERROR, "m8flow refused to start the instance (e.g. a variable type it cannot store); it stays in the source."),
    "instance-suspended": (Severity.WARNING, "A suspended source instance was recreated active."),
    "external-task-lock-dropped": (Severity.WARNING, "A locked external task was recreated unlocked; its worker fetches it again."),
}
