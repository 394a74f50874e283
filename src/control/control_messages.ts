import type { JsonValue } from "../core/envelope.ts";

/** Topic every worker's control responder listens on. */
export const CONTROL_COMMAND_TOPIC = "stem.control.commands";

/** Topic of the replies to one request. */
export function controlReplyTopic(requestId: string): string {
  return `stem.control.reply.${requestId}`;
}

/** The commands a worker answers. */
export type ControlCommandType =
  | "ping"
  | "inspect"
  | "stats"
  | "pause"
  | "resume"
  | "shutdown"
  | "revoke";

/** A command as it travels on the bus. */
export interface ControlCommand {
  /** Identifies the request; replies go to `controlReplyTopic(requestId)`. */
  requestId: string;
  /** What to do. */
  type: ControlCommandType;
  /** Worker ids addressed; null means every worker. */
  targets: string[] | null;
  /** The command's arguments. */
  payload: Record<string, JsonValue>;
}

/** A worker's answer as it travels on the bus. */
export interface ControlReplyMessage {
  /** The request answered. */
  requestId: string;
  /** Who answered. */
  workerId: string;
  /** False when the command failed on this worker. */
  ok: boolean;
  /** The answer. */
  payload: unknown;
  /** Why it failed. */
  error: { code: string; message: string } | null;
}

const TYPES = new Set<string>([
  "ping",
  "inspect",
  "stats",
  "pause",
  "resume",
  "shutdown",
  "revoke",
]);

/** The command in `value`, or null when it is not one (foreign or malformed messages). */
export function parseControlCommand(value: unknown): ControlCommand | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Partial<ControlCommand>;
  if (typeof v.requestId !== "string" || v.requestId === "") return null;
  if (typeof v.type !== "string" || !TYPES.has(v.type)) return null;
  const targets = Array.isArray(v.targets) ? v.targets.filter((t) => typeof t === "string") : null;
  const payload = typeof v.payload === "object" && v.payload !== null && !Array.isArray(v.payload)
    ? v.payload
    : {};
  return { requestId: v.requestId, type: v.type, targets, payload };
}
