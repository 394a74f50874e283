// The memory adapters' JSON copy skips building JSON text for plain values, so it must give what
// a JSON round trip gives (what a durable store hands back) and fail where JSON fails.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { jsonCopy } from "../adapters/memory/json_copy.ts";

const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe("jsonCopy", () => {
  test("gives what a JSON round trip gives", () => {
    const values: unknown[] = [
      { a: 1, b: [1, undefined, () => 1, NaN, -0, "x", { c: null, d: undefined }] },
      { at: new Date(0), custom: { toJSON: () => 5 }, bare: Object.create(null) },
      { map: new Map([[1, 2]]), inf: Infinity, sym: Symbol("s"), fn: () => 1 },
      [1, [2, [3, { deep: true }]]],
      { nested: JSON.parse("[".repeat(100) + "1" + "]".repeat(100)) },
    ];
    for (const value of values) assert.deepEqual(jsonCopy(value), roundTrip(value));
    assert.ok(Object.is((jsonCopy({ z: -0 }) as { z: number }).z, 0));
  });

  test("is detached from the original", () => {
    const original = { args: { list: [1, 2] } };
    const copy = jsonCopy(original);
    copy.args.list.push(3);
    assert.deepEqual(original.args.list, [1, 2]);
  });

  test("fails where JSON fails: a BigInt, a cycle", () => {
    assert.throws(() => jsonCopy({ n: 1n }), TypeError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.throws(() => jsonCopy(cycle), TypeError);
  });
});
