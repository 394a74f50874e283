// A second shutdown command can reach a worker before its first reply's publish has resolved there
// (on Postgres the caller hears the NOTIFY before the publishing connection's command completes).
// The responder must still count only the first command as the one that initiated the shutdown.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { InMemoryEventBus } from "../adapters/memory/mod.ts";
import { type ControlledWorker, ControlResponder } from "../src/control/control_responder.ts";
import {
  CONTROL_COMMAND_TOPIC,
  type ControlReplyMessage,
  controlReplyTopic,
} from "../src/control/control_messages.ts";
import type { ShutdownMode, StatsReply } from "../src/control/control_api.ts";
import type { BusMessage, EventBus } from "../src/workflow/event_bus.ts";
import { gate } from "./helpers/app.ts";

/** The real in-memory bus, with the publish of replies answering only once `acks` opens. */
function slowAckBus(acks: Promise<void>): EventBus {
  const bus = new InMemoryEventBus();
  return {
    capabilities: bus.capabilities,
    subscribe: (topic, handler) => bus.subscribe(topic, handler),
    publish: async (topic, payload) => {
      await bus.publish(topic, payload);
      if (topic !== CONTROL_COMMAND_TOPIC) await acks;
    },
    close: () => bus.close(),
  } as EventBus;
}

function worker(begun: ShutdownMode[], onBegin: () => void): ControlledWorker {
  let stopping = false;
  return {
    id: "w1",
    pingInfo: () => ({}) as never,
    inspectInfo: () => Promise.resolve({} as never),
    statsInfo: () => ({ inflight: 1, stopping } as unknown as StatsReply),
    syncPauses: () => Promise.resolve({} as never),
    beginShutdown: (mode) => {
      begun.push(mode);
      onBegin();
      const first = !stopping;
      stopping = true;
      return first;
    },
    applyRevocations: () => [],
  };
}

describe("control responder", () => {
  test("a hard shutdown that arrives before the warm one's reply is confirmed does not claim to have initiated it", async () => {
    const acks = gate();
    const bus = slowAckBus(acks.promise);
    const begun: ShutdownMode[] = [];
    const bothBegun = gate();
    const responder = new ControlResponder(
      bus,
      worker(begun, () => begun.length === 2 && bothBegun.open()),
    );
    await responder.start();
    const replies: ControlReplyMessage[] = [];
    const both = gate();
    for (const requestId of ["r1", "r2"]) {
      await bus.subscribe(controlReplyTopic(requestId), (message: BusMessage) => {
        replies.push(message.payload as ControlReplyMessage);
        if (replies.length === 2) both.open();
      });
    }
    await bus.publish(CONTROL_COMMAND_TOPIC, {
      requestId: "r1",
      type: "shutdown",
      targets: ["w1"],
      payload: { mode: "warm" },
    });
    await bus.publish(CONTROL_COMMAND_TOPIC, {
      requestId: "r2",
      type: "shutdown",
      targets: ["w1"],
      payload: { mode: "hard" },
    });
    await both.promise;
    const byId = new Map(replies.map((r) => [r.requestId, r]));
    assert.equal((byId.get("r1")?.payload as { initiated: boolean }).initiated, true);
    assert.equal((byId.get("r2")?.payload as { initiated: boolean }).initiated, false);
    // Neither shutdown began before its reply was confirmed; the hard one still escalates after.
    assert.deepEqual(begun, []);
    acks.open();
    await bothBegun.promise;
    assert.deepEqual(begun.sort(), ["hard", "warm"]);
    await responder.stop();
  });
});
