import type { Duration } from "../core/duration.ts";
import { ErrorCode } from "../core/error_codes.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";
import type { EventBus, Unsubscribe } from "../workflow/event_bus.ts";
import {
  type InspectReply,
  type PingReply,
  type QueueStateReply,
  type RevokeReply,
  SHUTDOWN_MODES,
  type ShutdownMode,
  type ShutdownReply,
  type StatsReply,
} from "./control_api.ts";
import {
  CONTROL_COMMAND_TOPIC,
  type ControlCommand,
  type ControlReplyMessage,
  controlReplyTopic,
  parseControlCommand,
} from "./control_messages.ts";
import type { RevokeEntry } from "./revoke_store.ts";

/** What a worker offers its control responder (the `Worker` implements it). */
export interface ControlledWorker {
  /** Worker id. */
  readonly id: string;
  /** Answer to `ping`. */
  pingInfo(): PingReply;
  /** Answer to `inspect`. */
  inspectInfo(): Promise<InspectReply>;
  /** Answer to `stats`. */
  statsInfo(): StatsReply;
  /** Re-reads the persisted pauses and consumes accordingly. */
  syncPauses(): Promise<QueueStateReply>;
  /** Starts a shutdown (not awaited by the responder); false when one is under way. */
  beginShutdown(mode: ShutdownMode, grace: Duration | undefined): boolean;
  /** Applies revocations now; returns the ids of running tasks it aborted. */
  applyRevocations(entries: RevokeEntry[]): string[];
}

/**
 * The worker side of remote control: listens on the control topic of the event bus, answers
 * commands addressed to its worker (or to every worker) on the request's reply topic. A command
 * that fails is answered with `ok: false`, never dropped; foreign messages are ignored.
 */
export class ControlResponder {
  readonly #bus: EventBus;
  readonly #worker: ControlledWorker;
  readonly #logger: Logger;
  #off: Unsubscribe | null = null;
  #shutdownAsked = false;

  /** Answers for `worker` on `bus`. */
  constructor(bus: EventBus, worker: ControlledWorker, logger: Logger = silentLogger) {
    this.#bus = bus;
    this.#worker = worker;
    this.#logger = logger;
  }

  /** Starts listening; resolves once commands are received. */
  async start(): Promise<void> {
    if (this.#off) return;
    this.#off = await this.#bus.subscribe(CONTROL_COMMAND_TOPIC, (message) => {
      const command = parseControlCommand(message.payload);
      if (!command) return;
      if (command.targets && command.targets.length > 0) {
        if (!command.targets.includes(this.#worker.id)) return;
      }
      void this.#answer(command);
    });
  }

  /** Stops listening. */
  async stop(): Promise<void> {
    const off = this.#off;
    this.#off = null;
    await off?.();
  }

  async #answer(command: ControlCommand): Promise<void> {
    const reply: ControlReplyMessage = {
      requestId: command.requestId,
      workerId: this.#worker.id,
      ok: true,
      payload: null,
      error: null,
    };
    let after: (() => void) | undefined;
    try {
      const result = await this.#run(command);
      reply.payload = result.payload;
      after = result.after;
    } catch (error) {
      reply.ok = false;
      reply.error = {
        code: (error as { code?: string }).code ?? ErrorCode.controlUnavailable,
        message: error instanceof Error ? error.message : String(error),
      };
    }
    try {
      await this.#bus.publish(controlReplyTopic(command.requestId), reply);
    } catch (error) {
      this.#logger.warn("Could not send a control reply", {
        workerId: this.#worker.id,
        command: command.type,
        error,
      });
    }
    // A shutdown begins after its reply went out, so the caller hears back first.
    after?.();
  }

  async #run(command: ControlCommand): Promise<{ payload: unknown; after?: () => void }> {
    const w = this.#worker;
    switch (command.type) {
      case "ping":
        return { payload: w.pingInfo() };
      case "inspect":
        return { payload: await w.inspectInfo() };
      case "stats":
        return { payload: w.statsInfo() };
      case "pause":
      case "resume":
        return { payload: await w.syncPauses() };
      case "revoke": {
        const entries = Array.isArray(command.payload.entries)
          ? command.payload.entries as unknown as RevokeEntry[]
          : [];
        const reply: RevokeReply = { terminated: w.applyRevocations(entries) };
        return { payload: reply };
      }
      case "shutdown": {
        const asked = command.payload.mode ?? "warm";
        if (!SHUTDOWN_MODES.includes(asked as ShutdownMode)) {
          throw new TypeError(`Unknown shutdown mode "${asked}": use warm, soft or hard.`);
        }
        const mode = asked as ShutdownMode;
        const grace = typeof command.payload.graceMs === "number"
          ? command.payload.graceMs
          : undefined;
        const stats = w.statsInfo();
        // The shutdown begins only after the reply is sent, and a second command can arrive
        // before that (the caller may hear the reply before the bus confirms the publish here):
        // the first command counts as the one that initiated it.
        const initiated = !stats.stopping && !this.#shutdownAsked;
        this.#shutdownAsked = true;
        return {
          payload: { mode, inflight: stats.inflight, initiated } satisfies ShutdownReply,
          after: () => void w.beginShutdown(mode, grace),
        };
      }
    }
  }
}
