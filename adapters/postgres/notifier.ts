import type { Sql } from "./connection.ts";

type Handler = (payload: string) => void;

/**
 * One LISTEN per channel, shared by every consumer or watcher of a client. postgres.js keeps
 * the listening connection open and re-issues LISTEN after a reconnect; `onReconnect` handlers
 * run then, because notifications sent while disconnected are lost.
 */
export class Notifier {
  readonly #sql: Sql;
  readonly #channel: string;
  readonly #handlers = new Set<Handler>();
  readonly #reconnectHandlers = new Set<() => void>();
  #ready: Promise<{ unlisten(): Promise<void> }> | null = null;
  #listens = 0;

  /** Creates a notifier for `channel`; nothing is sent until {@link ready}. */
  constructor(sql: Sql, channel: string) {
    this.#sql = sql;
    this.#channel = channel;
  }

  /** Resolves once LISTEN is active. */
  async ready(): Promise<void> {
    this.#ready ??= this.#sql.listen(
      this.#channel,
      (payload) => {
        for (const handler of [...this.#handlers]) handler(payload);
      },
      () => {
        if (++this.#listens > 1) { for (const fn of [...this.#reconnectHandlers]) fn(); }
      },
    );
    try {
      await this.#ready;
    } catch (error) {
      this.#ready = null;
      throw error;
    }
  }

  /** Adds a handler of notifications (and of reconnects); returns its remover. */
  subscribe(handler: Handler, onReconnect?: () => void): () => void {
    this.#handlers.add(handler);
    if (onReconnect) this.#reconnectHandlers.add(onReconnect);
    return () => {
      this.#handlers.delete(handler);
      if (onReconnect) this.#reconnectHandlers.delete(onReconnect);
    };
  }

  /** Stops listening. */
  async close(): Promise<void> {
    const ready = this.#ready;
    this.#ready = null;
    this.#handlers.clear();
    this.#reconnectHandlers.clear();
    if (ready) await ready.then((r) => r.unlisten()).catch(() => {});
  }
}
