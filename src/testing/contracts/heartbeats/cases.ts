import type { HeartbeatStore } from "../../../backend/heartbeat_store.ts";
import { equal, ok } from "../../assert.ts";
import { uniqueName } from "../../contract_harness.ts";
import { afterTime, type ContractCase, type StoreTestContext } from "../contract_case.ts";

/** One heartbeat-store conformance case. */
export type HeartbeatCase = ContractCase<StoreTestContext<HeartbeatStore>, Record<never, never>>;

/** Worker heartbeats: store, update, list, expire. */
export const heartbeatCases: HeartbeatCase[] = [
  {
    name: "a heartbeat is stored, updated in place and read back",
    run: async ({ store }) => {
      const workerId = uniqueName("worker");
      await store.setWorkerHeartbeat({ workerId, timestamp: 1, inflight: 0, queues: ["a"] });
      await store.setWorkerHeartbeat({
        workerId,
        timestamp: 2,
        inflight: 3,
        queues: ["a", "b"],
        extras: { pid: 7, host: "h" },
      });
      const got = await store.getWorkerHeartbeat(workerId);
      ok(got);
      equal(got.timestamp, 2);
      equal(got.inflight, 3);
      equal(got.queues.join(","), "a,b");
      equal(got.extras?.pid, 7);
      equal((await store.listWorkerHeartbeats()).filter((h) => h.workerId === workerId).length, 1);
      equal(await store.getWorkerHeartbeat(uniqueName("nobody")), null);
    },
  },
  {
    name: "listWorkerHeartbeats returns every live worker",
    run: async ({ store }) => {
      const ids = [uniqueName("w"), uniqueName("w"), uniqueName("w")];
      for (const workerId of ids) {
        await store.setWorkerHeartbeat({ workerId, timestamp: 1, inflight: 0, queues: [] });
      }
      const listed = new Set((await store.listWorkerHeartbeats()).map((h) => h.workerId));
      ok(ids.every((id) => listed.has(id)), "all three workers are listed");
    },
  },
  {
    name: "a heartbeat expires after its ttl and leaves the listing",
    run: async ({ store, time }) => {
      const workerId = uniqueName("worker");
      const keeper = uniqueName("worker");
      await store.setWorkerHeartbeat({ workerId, timestamp: 1, inflight: 0, queues: [] }, {
        ttl: 300,
      });
      await store.setWorkerHeartbeat({ workerId: keeper, timestamp: 1, inflight: 0, queues: [] }, {
        ttl: "1h",
      });
      ok(await store.getWorkerHeartbeat(workerId), "readable before the ttl");
      const after = await afterTime(
        time,
        300,
        () => store.getWorkerHeartbeat(workerId),
        (h) => h === null,
      );
      equal(after, null);
      const listed = (await store.listWorkerHeartbeats()).map((h) => h.workerId);
      ok(!listed.includes(workerId), "the expired worker is not listed");
      ok(listed.includes(keeper), "a live worker still is");
    },
  },
];
