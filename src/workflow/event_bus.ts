/** What an event bus can do, read before relying on it. */
export interface EventBusCapabilities {
  /** Messages reach subscribers in other processes sharing the backing store. */
  crossProcess: boolean;
  /** Delivery is pushed by the server (false: subscribers poll). */
  push: boolean;
}

/** A message as a subscriber receives it. */
export interface BusMessage {
  /** The topic it was published on. */
  topic: string;
  /** The JSON payload. */
  payload: unknown;
}

/** Undoes a `subscribe`; safe to call twice. */
export type Unsubscribe = () => Promise<void>;

/**
 * Best-effort fan-out of notifications by topic: every subscriber present when a message is
 * published receives it at most once. Not durable: anything that must survive a restart (event
 * payloads for waiting workflows) is stored elsewhere, and the bus only says "look now".
 */
export interface EventBus {
  /** What the bus does. */
  readonly capabilities: EventBusCapabilities;
  /** Sends `payload` to every current subscriber of `topic`. */
  publish(topic: string, payload: unknown): Promise<void>;
  /** Calls `handler` for each message on `topic` until the returned function is called. */
  subscribe(topic: string, handler: (message: BusMessage) => void): Promise<Unsubscribe>;
  /** Stops delivery to every subscriber and releases timers and connections. */
  close(): Promise<void>;
}
