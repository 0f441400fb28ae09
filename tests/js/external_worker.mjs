// The real camunda-external-task-client-js, unchanged, as a worker for
// tests/compat_api/test_external_task_clients.py. Prints one JSON line per handled task.
import { Client, Variables } from "camunda-external-task-client-js";

const [baseUrl, workerId] = process.argv.slice(2);
const client = new Client({
  baseUrl,
  workerId,
  maxTasks: 5,
  lockDuration: 20000,
  asyncResponseTimeout: 5000,
  interval: 50,
  autoPoll: false,
});

const report = (task, outcome) =>
  console.log(JSON.stringify({ worker: workerId, taskId: task.id, topic: task.topicName, instance: task.processInstanceId, outcome }));

client.subscribe("charge", async ({ task, taskService }) => {
  const mode = task.variables.get("mode");
  if (mode === "decline") {
    const variables = new Variables().set("declinedBy", workerId);
    await taskService.handleBpmnError(task, "CARD_DECLINED", "card declined", variables);
    report(task, "bpmnError");
  } else if (mode === "flaky" && task.retries === null) {
    await taskService.handleFailure(task, { errorMessage: "gateway timeout", errorDetails: "trace", retries: 1, retryTimeout: 200 });
    report(task, "failure");
  } else {
    const variables = new Variables().setAll({ charged: true, chargedBy: workerId, receiptLines: { total: task.variables.get("amount") } });
    await taskService.complete(task, variables);
    report(task, "complete");
  }
});

for (const topic of ["refund", "receipt", "audit"]) {
  client.subscribe(topic, async ({ task, taskService }) => {
    await taskService.complete(task, new Variables().set(`${topic}By`, workerId));
    report(task, "complete");
  });
}

client.on("complete:error", (_task, error) => console.error("complete:error", String(error)));
client.on("poll:error", (error) => console.error("poll:error", String(error)));
client.start();
process.on("SIGTERM", () => { client.stop(); process.exit(0); });
