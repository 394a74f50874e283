// OpenTelemetry tracing middleware with the real SDK (in-memory exporter) on memory and SQLite:
// send/process spans after the messaging conventions, context carried in envelope headers
// (also when signed), links or parenting, errors and retries on the span, child enqueues.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  FunctionTaskHandler,
  PayloadSigner,
  StemApp,
  type StemAppOptions,
  tracingMiddleware,
} from "../mod.ts";

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = provider.getTracer("stem-test");
const contextManager = new AsyncLocalStorageContextManager();

/** Finished spans called `name`, once the processor's asynchronous exports are done. */
async function spansNamed(name: string): Promise<ReadableSpan[]> {
  await provider.forceFlush();
  return exporter.getFinishedSpans().filter((s) => s.name === name);
}

const tasks = [
  new FunctionTaskHandler({ name: "t.ok", entrypoint: (_ctx, args) => Number(args.n) + 1 }),
  new FunctionTaskHandler({
    name: "t.broken",
    options: { maxRetries: 1 },
    entrypoint: () => {
      throw new Error("disk full");
    },
  }),
  new FunctionTaskHandler({
    name: "t.parent",
    entrypoint: async (ctx) => await ctx.enqueue("t.ok", { args: { n: 1 } }),
  }),
];

const dir = mkdtempSync(join(tmpdir(), "stem-tracing-"));
const kinds: [string, (options: StemAppOptions) => Promise<StemApp>][] = [
  ["memory", (options) => StemApp.inMemory(options)],
  ["sqlite", (options) => StemApp.sqlite(join(dir, `${crypto.randomUUID()}.db`), options)],
];

before(() => {
  context.setGlobalContextManager(contextManager.enable());
});
after(() => {
  context.disable();
  rmSync(dir, { recursive: true, force: true });
});

for (const [kind, open] of kinds) {
  describe(`tracing middleware (${kind})`, () => {
    beforeEach(() => exporter.reset());

    test("send is a PRODUCER span under the caller's span; process a CONSUMER span linked to it", async () => {
      const app = await open({
        tasks,
        middleware: [tracingMiddleware({ tracer, workerId: "w1" })],
      });
      try {
        const request = tracer.startSpan("GET /checkout");
        const id = await context.with(
          trace.setSpan(context.active(), request),
          () => app.stem.enqueue("t.ok", { args: { n: 1 } }),
        );
        request.end();
        assert.equal((await app.stem.waitForTask(id, { timeout: "10s" })).value, 2);
        await app.close();

        const [send] = await spansNamed("send default");
        assert.equal(send.kind, SpanKind.PRODUCER);
        assert.equal(send.parentSpanContext?.spanId, request.spanContext().spanId);
        assert.equal(send.attributes["messaging.system"], "stem");
        assert.equal(send.attributes["messaging.operation.type"], "send");
        assert.equal(send.attributes["messaging.destination.name"], "default");
        assert.equal(send.attributes["messaging.message.id"], id);
        assert.equal(send.attributes["stem.task.name"], "t.ok");

        const [process] = await spansNamed("process default");
        assert.equal(process.kind, SpanKind.CONSUMER);
        assert.notEqual(process.spanContext().traceId, send.spanContext().traceId);
        assert.deepEqual(process.links.map((l) => l.context.spanId), [send.spanContext().spanId]);
        assert.equal(process.links[0].context.traceId, send.spanContext().traceId);
        assert.equal(process.attributes["messaging.operation.name"], "process");
        assert.equal(process.attributes["messaging.message.id"], id);
        assert.equal(process.attributes["stem.task.attempt"], 0);
        assert.equal(process.attributes["stem.worker.id"], "w1");
        assert.equal(process.attributes["stem.task.outcome"], "succeeded");
        assert.equal(process.status.code, SpanStatusCode.UNSET);
      } finally {
        await app.close();
      }
    });

    test('consumerContext "parent" puts the work in the trace of the request that enqueued it', async () => {
      const app = await open({
        tasks,
        middleware: [tracingMiddleware({ tracer, consumerContext: "parent" })],
      });
      try {
        const id = await app.stem.enqueue("t.parent");
        const childId = (await app.stem.waitForTask<string>(id, { timeout: "10s" })).value!;
        await app.stem.waitForTask(childId, { timeout: "10s" });
        await app.close();
        const sends = await spansNamed("send default");
        const processes = await spansNamed("process default");
        assert.equal(sends.length, 2);
        assert.equal(processes.length, 2);
        const traceIds = new Set([...sends, ...processes].map((s) => s.spanContext().traceId));
        assert.equal(traceIds.size, 1, "one trace from the first send to the child's work");
        const parentSend = sends.find((s) => s.attributes["messaging.message.id"] === id)!;
        const parentProcess = processes.find((s) => s.attributes["messaging.message.id"] === id)!;
        const childSend = sends.find((s) => s.attributes["messaging.message.id"] === childId)!;
        assert.equal(parentProcess.parentSpanContext?.spanId, parentSend.spanContext().spanId);
        // The child's enqueue ran inside the parent's process span.
        assert.equal(childSend.parentSpanContext?.spanId, parentProcess.spanContext().spanId);
      } finally {
        await app.close();
      }
    });

    test("a retry is an event and the final failure an error status with the exception", async () => {
      const app = await open({
        tasks,
        middleware: [tracingMiddleware({ tracer })],
        retryStrategy: { nextDelay: () => 0 },
      });
      try {
        const id = await app.stem.enqueue("t.broken");
        assert.equal((await app.stem.waitForTask(id, { timeout: "10s" })).state, "failed");
        await app.close();
        const processes = (await spansNamed("process default")).sort((a, b) =>
          Number(a.attributes["stem.task.attempt"]) - Number(b.attributes["stem.task.attempt"])
        );
        assert.deepEqual(processes.map((s) => s.attributes["stem.task.outcome"]), [
          "retried",
          "failed",
        ]);
        const retry = processes[0].events.find((e) => e.name === "stem.task.retry");
        assert.equal(retry?.attributes?.["exception.message"], "disk full");
        assert.equal(processes[1].status.code, SpanStatusCode.ERROR);
        assert.equal(processes[1].status.message, "disk full");
        assert.ok(processes[1].events.some((e) => e.name === "exception"));
      } finally {
        await app.close();
      }
    });

    test("trace headers are added before signing, so signed envelopes verify", async () => {
      const signer = new PayloadSigner({ keys: { k1: btoa("a-long-enough-secret-for-hmac") } });
      const app = await open({ tasks, signer, middleware: [tracingMiddleware({ tracer })] });
      try {
        const id = await app.stem.enqueue("t.ok", { args: { n: 41 } });
        const result = await app.stem.waitForTask(id, { timeout: "10s" });
        assert.equal(result.value, 42, JSON.stringify(result.status?.error));
        const status = await app.stem.getTaskStatus(id);
        assert.equal(status?.state, "succeeded");
        await app.close();
        const [send] = await spansNamed("send default");
        const [process] = await spansNamed("process default");
        assert.equal(process.links[0].context.spanId, send.spanContext().spanId);
      } finally {
        await app.close();
      }
    });
  });
}
