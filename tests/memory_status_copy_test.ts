// The memory backend stores a status copied field by field (not through JSON text), so what it
// hands back must equal a JSON round trip of what was written, with the backend's timestamps.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { InMemoryResultBackend } from "../adapters/memory/mod.ts";
import type { TaskStatusInput } from "../src/backend/task_status.ts";
import { testStatus } from "../src/testing/test_values.ts";
import { FakeClock } from "../src/testing/fake_clock.ts";

const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value));

describe("memory status copies", () => {
  test("a read equals a JSON round trip of the write, timestamps from the backend", async () => {
    const clock = new FakeClock(1_000);
    const backend = new InMemoryResultBackend({ clock });
    const inputs: TaskStatusInput[] = [
      testStatus({
        state: "succeeded",
        result: { at: new Date(0), n: NaN, gone: undefined } as never,
      }),
      testStatus({ result: "text", encoder: "base64", timestamps: { startedAt: 5 } }),
      testStatus({
        state: "failed",
        error: { type: "Boom", message: "no", retryable: false, stack: undefined },
        progress: { percent: 50, data: [1, undefined, -0] as never },
        meta: { queue: "q", nested: { list: [1, 2] }, skipped: undefined } as never,
      }),
      // A key no status has is kept, as a durable backend keeps the whole document.
      { ...testStatus(), custom: { kept: true } } as TaskStatusInput,
    ];
    for (const input of inputs) {
      await backend.set(input);
      const { timestamps, ...rest } = roundTrip(input) as TaskStatusInput;
      assert.deepEqual(await backend.get(input.id), {
        ...rest,
        timestamps: { ...timestamps, createdAt: 1_000, updatedAt: 1_000 },
      });
    }
  });

  test("neither the writer's object nor a read's copy reaches the stored status", async () => {
    const backend = new InMemoryResultBackend();
    const input = testStatus({ result: { list: [1] }, meta: { queue: "q", tags: ["a"] } });
    const returned = await backend.set(input);
    (input.result as { list: number[] }).list.push(2);
    (input.meta.tags as string[]).push("b");
    const read = (await backend.get(input.id))!;
    (read.result as { list: number[] }).list.push(3);
    read.timestamps.updatedAt = 0;
    returned.timestamps.createdAt = 0;
    const again = (await backend.get(input.id))!;
    assert.deepEqual(again.result, { list: [1] });
    assert.deepEqual(again.meta.tags, ["a"]);
    assert.notEqual(again.timestamps.updatedAt, 0);
    assert.notEqual(again.timestamps.createdAt, 0);
  });

  test("a later write keeps createdAt; a value JSON cannot hold rejects and stores nothing", async () => {
    const clock = new FakeClock(1_000);
    const backend = new InMemoryResultBackend({ clock });
    const input = testStatus();
    await backend.set(input);
    await clock.tick(500);
    await backend.set({ ...input, state: "running" });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await assert.rejects(
      backend.set({ ...input, state: "succeeded", result: 1n as never }),
      TypeError,
    );
    await assert.rejects(
      backend.set({ ...input, state: "succeeded", meta: cycle as never }),
      TypeError,
    );
    const stored = (await backend.get(input.id))!;
    assert.equal(stored.state, "running");
    assert.deepEqual(stored.timestamps, { createdAt: 1_000, updatedAt: 1_500 });
  });
});
