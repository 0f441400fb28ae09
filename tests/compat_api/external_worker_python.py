"""The real camunda-external-task-client-python3, unchanged, as a worker for
test_external_task_clients.py. Prints one JSON line per handled task.

    python tests/compat_api/external_worker_python.py <base url> <worker id>
"""
from __future__ import annotations

import json
import logging
import sys

from camunda.external_task.external_task import ExternalTask
from camunda.external_task.external_task_worker import ExternalTaskWorker

TOPICS = ["charge", "refund", "receipt", "audit"]


def main(base_url: str, worker_id: str) -> None:
    logging.basicConfig(level=logging.WARNING)

    def report(task: ExternalTask, outcome: str) -> None:
        print(json.dumps({"worker": worker_id, "taskId": task.get_task_id(), "topic": task.get_topic_name(),
                          "instance": task.get_process_instance_id(), "outcome": outcome}), flush=True)

    def handle(task: ExternalTask):  # type: ignore[no-untyped-def]
        topic = task.get_topic_name()
        if topic == "charge":
            mode = task.get_variable("mode")
            if mode == "decline":
                report(task, "bpmnError")
                return task.bpmn_error("CARD_DECLINED", "card declined", {"declinedBy": worker_id})
            if mode == "flaky" and task._context.get("retries") is None:
                report(task, "failure")
                return task.failure("gateway timeout", "trace", max_retries=1, retry_timeout=200)
            report(task, "complete")
            return task.complete({"charged": True, "chargedBy": worker_id})
        report(task, "complete")
        return task.complete({f"{topic}By": worker_id})

    config = {"maxTasks": 5, "lockDuration": 20000, "asyncResponseTimeout": 5000, "sleepSeconds": 1}
    ExternalTaskWorker(worker_id=worker_id, base_url=base_url, config=config).subscribe(TOPICS, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
