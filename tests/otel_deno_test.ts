// Tracing through Deno's built-in OpenTelemetry (OTEL_DENO=true): a Deno process runs a traced
// task and exports OTLP/HTTP JSON to a receiver this test runs; the spans arrive with the
// messaging conventions and the link from process to send.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { spawn } from "node:child_process";
import process from "node:process";

interface OtlpSpan {
  name: string;
  kind: number;
  spanId: string;
  traceId: string;
  links?: { spanId: string; traceId: string }[];
  attributes: { key: string; value: { stringValue?: string } }[];
}

test("Deno's built-in exporter sends the send and process spans over OTLP", async () => {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.url === "/v1/traces") bodies.push(body);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const child = spawn("node_modules/.bin/deno", [
      "run",
      "-A",
      "--no-check",
      "tests/fixtures/otel_deno_probe.ts",
    ], {
      env: {
        ...process.env,
        OTEL_DENO: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_SERVICE_NAME: "stem-otel-test",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0, output);
    const spans: OtlpSpan[] = bodies.flatMap((b) =>
      JSON.parse(b).resourceSpans.flatMap((r: { scopeSpans: { spans: OtlpSpan[] }[] }) =>
        r.scopeSpans.flatMap((s) => s.spans)
      )
    );
    const attr = (span: OtlpSpan, key: string) =>
      span.attributes.find((a) => a.key === key)?.value.stringValue;
    const send = spans.find((s) => s.name === "send default");
    const processSpan = spans.find((s) => s.name === "process default");
    assert.ok(send, `spans: ${spans.map((s) => s.name).join(", ")}`);
    assert.ok(processSpan);
    assert.equal(send.kind, 4, "SPAN_KIND_PRODUCER");
    assert.equal(processSpan.kind, 5, "SPAN_KIND_CONSUMER");
    assert.equal(attr(send, "messaging.system"), "stem");
    assert.equal(attr(processSpan, "stem.task.name"), "otel.hello");
    assert.equal(attr(processSpan, "stem.task.outcome"), "succeeded");
    assert.deepEqual(processSpan.links?.map((l) => l.spanId), [send.spanId]);
  } finally {
    server.close();
  }
});
