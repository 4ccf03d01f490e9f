// Conductor's official JavaScript SDK against conductor-server: it registers definitions, starts
// workflows, runs its TaskManager workers (batch poll + update-v2) and checks every workflow COMPLETED
// with the right outputs; it manages an event handler that starts a workflow from another's EVENT task.
//
//   node sdk_test.mjs /path/to/conductor-server
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  EventClient,
  MetadataClient,
  TaskManager,
  WorkflowExecutor,
  orkesConductorClient,
} from "@io-orkes/conductor-javascript";

const serverBinary = process.argv[2];
if (!serverBinary) {
  console.error("usage: node sdk_test.mjs /path/to/conductor-server");
  process.exit(2);
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, check, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const results = [];
async function check(name, body) {
  try {
    await body();
    results.push([name, null]);
  } catch (e) {
    results.push([name, e]);
  }
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual), b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${what}: expected ${b}, got ${a}`);
}

const dir = mkdtempSync(join(tmpdir(), "conductor-sdk-"));
const port = await freePort();
const server = spawn(serverBinary, ["--port", String(port), "--db", join(dir, "sdk.db")], {
  stdio: ["ignore", "ignore", "inherit"],
});
const serverUrl = `http://127.0.0.1:${port}`;
let manager;
try {
  await waitFor("the server to answer /health", async () => {
    try {
      return (await fetch(`${serverUrl}/health`)).ok;
    } catch {
      return false;
    }
  });
  const client = await orkesConductorClient({ serverUrl });
  const metadata = new MetadataClient(client);
  const executor = new WorkflowExecutor(client);
  const run = Date.now().toString(36);
  const name = (n) => `sdk_${run}_${n}`;

  await metadata.registerTask({ name: name("upper"), retryCount: 0, timeoutSeconds: 60, responseTimeoutSeconds: 30 });
  await metadata.registerTask({
    name: name("flaky"),
    retryCount: 2,
    retryLogic: "FIXED",
    retryDelaySeconds: 0,
    timeoutSeconds: 60,
    responseTimeoutSeconds: 30,
  });
  await metadata.registerWorkflowDef(
    {
      name: name("pipeline"),
      version: 1,
      schemaVersion: 2,
      tasks: [
        { name: name("upper"), taskReferenceName: "upper", type: "SIMPLE", inputParameters: { text: "${workflow.input.text}" } },
        { name: name("flaky"), taskReferenceName: "flaky", type: "SIMPLE", inputParameters: { text: "${upper.output.text}" } },
      ],
      outputParameters: { shout: "${upper.output.text}", length: "${flaky.output.length}" },
    },
    true,
  );

  const attempts = new Map();
  manager = new TaskManager(
    client,
    [
      { taskDefName: name("upper"), concurrency: 4, execute: async (task) => ({ status: "COMPLETED", outputData: { text: String(task.inputData.text).toUpperCase() } }) },
      {
        taskDefName: name("flaky"),
        concurrency: 4,
        execute: async (task) => {
          // The first attempt of every workflow fails; the server's retry must bring a second one.
          const seen = attempts.get(task.workflowInstanceId) ?? 0;
          attempts.set(task.workflowInstanceId, seen + 1);
          if (seen === 0) throw new Error("first attempt fails");
          return { status: "COMPLETED", outputData: { length: String(task.inputData.text).length } };
        },
      },
    ],
    { options: { pollInterval: 10, concurrency: 4 } },
  );
  manager.startPolling();

  const inputs = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
  const ids = await Promise.all(inputs.map((text) => executor.startWorkflow({ name: name("pipeline"), version: 1, input: { text } })));

  await check("every workflow id is a bare text id", async () => {
    for (const id of ids) if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`bad id ${JSON.stringify(id)}`);
  });
  await check("every workflow completes with the workers' outputs", async () => {
    for (let i = 0; i < ids.length; ++i) {
      const wf = await waitFor(`workflow ${ids[i]}`, async () => {
        const w = await executor.getWorkflow(ids[i], true);
        return w.status === "RUNNING" ? null : w;
      });
      assertEqual(wf.status, "COMPLETED", `status of ${ids[i]}`);
      assertEqual(wf.output, { shout: inputs[i].toUpperCase(), length: inputs[i].length }, `output of ${ids[i]}`);
      assertEqual(wf.tasks.map((t) => `${t.referenceTaskName}:${t.status}`), ["upper:COMPLETED", "flaky:FAILED", "flaky:COMPLETED"], `tasks of ${ids[i]}`);
      assertEqual(wf.tasks[1].reasonForIncompletion, "first attempt fails", "failure reason reported by the SDK");
    }
  });
  await check("search finds the workflows", async () => {
    const found = await executor.search(0, 100, `workflowType IN (${name("pipeline")}) AND status IN (COMPLETED)`, "*");
    assertEqual(found.totalHits, ids.length, "totalHits");
  });
  await check("the bulk calls act on every id and report unknown ones", async () => {
    await metadata.registerWorkflowDef(
      { name: name("idle"), version: 1, schemaVersion: 2, tasks: [{ name: name("nobody"), taskReferenceName: "nobody", type: "SIMPLE" }] },
      true,
    );
    const idle = await Promise.all([1, 2].map(() => executor.startWorkflow({ name: name("idle"), version: 1, input: {} })));
    const unknown = "00000000-0000-0000-0000-000000000000";
    const bulk = client.workflowBulkResource;
    const statuses = async () => Promise.all(idle.map(async (id) => (await executor.getWorkflow(id, false)).status));

    const paused = await bulk.pauseWorkflow1([...idle, unknown]);
    assertEqual(paused.bulkSuccessfulResults, idle, "paused ids");
    assertEqual(Object.keys(paused.bulkErrorResults), [unknown], "ids that could not be paused");
    assertEqual(await statuses(), ["PAUSED", "PAUSED"], "after pause");
    assertEqual((await bulk.resumeWorkflow(idle)).bulkSuccessfulResults, idle, "resumed ids");
    assertEqual(await statuses(), ["RUNNING", "RUNNING"], "after resume");
    assertEqual((await bulk.terminate(idle, "bulk test")).bulkSuccessfulResults, idle, "terminated ids");
    assertEqual(await statuses(), ["TERMINATED", "TERMINATED"], "after terminate");
    assertEqual((await bulk.retry(idle)).bulkSuccessfulResults, idle, "retried ids");
    assertEqual(await statuses(), ["RUNNING", "RUNNING"], "after retry");
    await bulk.terminate(idle);
    assertEqual((await bulk.restart(idle, true)).bulkSuccessfulResults, idle, "restarted ids");
    assertEqual(await statuses(), ["RUNNING", "RUNNING"], "after restart");
    const refused = await bulk.pauseWorkflow1([]).then(
      () => null,
      (e) => e,
    );
    if (!refused) throw new Error("an empty id list was accepted");
  });
  await check("an unknown workflow is an error with the server's message", async () => {
    try {
      await executor.getWorkflow("00000000-0000-0000-0000-000000000000", false);
    } catch (e) {
      if (!String(e.message).includes("No such workflow found by id")) throw new Error(`unexpected message: ${e.message}`);
      return;
    }
    throw new Error("no error for an unknown workflow");
  });

  await metadata.registerWorkflowDef(
    {
      name: name("approval"),
      version: 1,
      schemaVersion: 2,
      tasks: [
        { name: "approval_wait", taskReferenceName: "hold", type: "WAIT" },
        // The SDK's signal sends its output wrapped as {"taskOutput": ...}, which the WAIT task keeps.
        { name: name("upper"), taskReferenceName: "after", type: "SIMPLE", inputParameters: { text: "${hold.output.taskOutput.text}" } },
      ],
      outputParameters: { shout: "${after.output.text}" },
    },
    true,
  );
  await check("executeWorkflow answers the run blocked at its WAIT task, signal moves it to the end", async () => {
    const started = await executor.executeWorkflow({ name: name("approval"), version: 1, input: {} }, name("approval"), 1, "sdk-request");
    assertEqual(started.status, "RUNNING", "status of the executed run");
    assertEqual(started.requestId, "sdk-request", "requestId");
    assertEqual(started.tasks.map((t) => `${t.referenceTaskName}:${t.status}`), ["hold:IN_PROGRESS"], "tasks of the executed run");
    const signalled = await executor.signal(started.workflowId, "COMPLETED", { text: "go" });
    assertEqual(signalled.status, "COMPLETED", "status after the signal");
    assertEqual(signalled.output, { shout: "GO" }, "output after the signal");
    const other = await executor.executeWorkflow({ name: name("approval"), version: 1, input: {} }, name("approval"), 1, "sdk-async");
    await executor.signalAsync(other.workflowId, "COMPLETED", { text: "later" });
    const done = await waitFor("the async signalled run", async () => {
      const w = await executor.getWorkflow(other.workflowId, true);
      return w.status === "RUNNING" ? null : w;
    });
    assertEqual(done.output, { shout: "LATER" }, "output after the async signal");
  });
  await check("testWorkflow runs the definition on mocks and answers the finished run", async () => {
    const tested = await executor.testWorkflow({
      name: name("pipeline"),
      version: 1,
      input: { text: "mock" },
      taskRefToMockOutput: {
        upper: [{ status: "COMPLETED", output: { text: "MOCK" } }],
        flaky: [{ status: "COMPLETED", output: { length: 99 } }],
      },
    });
    assertEqual(tested.status, "COMPLETED", "status of the tested run");
    assertEqual(tested.output, { shout: "MOCK", length: 99 }, "output of the tested run");
  });
  await check("an event handler added through the SDK starts a workflow from an EVENT task", async () => {
    const events = new EventClient(client);
    await metadata.registerWorkflowDef(
      { name: name("greeted"), version: 1, schemaVersion: 2, tasks: [{ name: "hold", taskReferenceName: "hold", type: "WAIT" }] },
      true,
    );
    await metadata.registerWorkflowDef(
      {
        name: name("greeter"),
        version: 1,
        schemaVersion: 2,
        tasks: [{ name: "notify", taskReferenceName: "notify", type: "EVENT", sink: "conductor", inputParameters: { who: "${workflow.input.who}" } }],
      },
      true,
    );
    const event = `conductor:${name("greeter")}:notify`;
    const handler = {
      name: name("on_greet"),
      event,
      active: false,
      actions: [{ action: "start_workflow", start_workflow: { name: name("greeted"), version: 1, input: { who: "${who}" } } }],
    };
    await events.addEventHandler(handler);
    assertEqual((await events.getEventHandlersForEvent(event, true)).length, 0, "active handlers before activation");
    await events.updateEventHandler({ ...handler, active: true });
    assertEqual((await events.getEventHandlersForEvent(event, true)).map((h) => h.name), [handler.name], "active handlers");
    assertEqual((await events.getAllEventHandlers()).some((h) => h.name === handler.name), true, "listed handlers");
    await executor.startWorkflow({ name: name("greeter"), version: 1, input: { who: "ada" } });
    const started = await waitFor("the handler to start a workflow", async () => {
      const found = await executor.search(0, 10, `workflowType IN (${name("greeted")})`, "*");
      return found.totalHits > 0 ? found.results[0] : null;
    });
    const greeted = await executor.getWorkflow(started.workflowId, false);
    assertEqual(greeted.input.who, "ada", "input of the started workflow");
    await events.removeEventHandler(handler.name);
    assertEqual((await events.getAllEventHandlers()).some((h) => h.name === handler.name), false, "handler removed");
  });
} catch (e) {
  results.push(["setup", e]);
} finally {
  if (manager) await manager.stopPolling();
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  rmSync(dir, { recursive: true, force: true });
}

let failed = 0;
for (const [name, error] of results) {
  console.log(`${error ? "FAIL" : "PASS"} ${name}${error ? `: ${error.message}` : ""}`);
  if (error) ++failed;
}
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
