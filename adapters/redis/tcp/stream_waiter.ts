import type { StreamWaiter } from "../transport.ts";
import { type CommandBounds, type NodeRedisClient, send } from "./tcp_transport.ts";

/** Blocks in `XREAD BLOCK` on its own connection; interrupted with `CLIENT UNBLOCK`. */
export class TcpStreamWaiter implements StreamWaiter {
  readonly #blocking: NodeRedisClient;
  readonly #control: NodeRedisClient;
  readonly #clientId: string;
  readonly #bounds: CommandBounds;
  readonly #onClose: () => void;
  #waiting = false;

  /**
   * Wraps a connected blocking client whose server-side id is `clientId`; a wait rejects when no
   * reply comes within its block time plus the command bound.
   */
  constructor(
    blocking: NodeRedisClient,
    control: NodeRedisClient,
    clientId: string,
    bounds: CommandBounds,
    onClose: () => void = () => {},
  ) {
    this.#onClose = onClose;
    this.#blocking = blocking;
    this.#control = control;
    this.#clientId = clientId;
    this.#bounds = bounds;
  }

  /** Waits for an entry newer than `ids` on any of `keys`, up to `timeoutMs`. */
  async wait(keys: string[], ids: string[], timeoutMs: number): Promise<void> {
    const block = String(Math.max(1, Math.round(timeoutMs)));
    this.#waiting = true;
    try {
      await send(
        this.#blocking,
        [
          "XREAD",
          "COUNT",
          "1",
          "BLOCK",
          block,
          "STREAMS",
          ...keys,
          ...ids,
        ],
        this.#bounds,
        Number(block),
      );
    } finally {
      this.#waiting = false;
    }
  }

  /** Makes a pending wait return now. */
  async interrupt(): Promise<void> {
    if (!this.#waiting) return;
    await send(this.#control, ["CLIENT", "UNBLOCK", this.#clientId], this.#bounds).catch(() => {});
  }

  /** Closes the blocking connection. */
  close(): Promise<void> {
    this.#onClose();
    try {
      this.#blocking.destroy();
    } catch { /* already closed */ }
    return Promise.resolve();
  }
}
