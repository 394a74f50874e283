import type { JsonValue } from "../core/envelope.ts";
import { ValidationError } from "../core/errors.ts";
import type { SignatureOptions } from "../core/task_signature.ts";
import type { CanvasNode } from "./nodes.ts";

/** A task of a compiled canvas, with the id it is published under. */
export interface WireTask {
  /** Kind. */
  t: "task";
  /** Task id, derived from the canvas id, so a re-publish reuses it. */
  id: string;
  /** Task name. */
  name: string;
  /** Arguments. */
  args: Record<string, JsonValue>;
  /** Options. */
  options: SignatureOptions;
}

/** A group of a compiled canvas. */
export interface WireGroup {
  /** Kind. */
  t: "group";
  /** Group id (the `GroupStore` record). */
  id: string;
  /** Members. */
  members: WireNode[];
}

/** A chain of a compiled canvas. */
export interface WireChain {
  /** Kind. */
  t: "chain";
  /** Steps in order. */
  steps: WireNode[];
  /** Error callback. */
  onError?: WireTask;
}

/** A compiled canvas node: JSON, ids assigned. */
export type WireNode = WireTask | WireGroup | WireChain;

/** A member slot of a group: where a member's final result is recorded. */
export interface MemberSlot {
  /** Group id. */
  group: string;
  /** Position in the group. */
  index: number;
  /** The slot's key in the group record: the member's final task id. */
  id: string;
}

/** The final task of a chain, marked failed when an earlier step fails (so waiters resolve). */
export interface FinalTask {
  /** Task id. */
  id: string;
  /** Task name. */
  name: string;
}

/**
 * What happens after a task (envelope field `canvas`) or a group (its meta `stem.canvas`):
 * the rest of the chain, the chain's error callback, the group slot its result fills.
 */
export interface Continuation {
  /** Steps still to run after this one, in order. */
  next?: WireNode[];
  /** The chain's error callback. */
  onError?: WireTask;
  /** The group slot the final result goes to. */
  member?: MemberSlot;
  /** The chain's final task. */
  final?: FinalTask;
  /** The previous step's result (on task envelopes only). */
  previous?: JsonValue;
}

/** Group meta key of a canvas group's continuation and member order. */
export const GROUP_META_KEY = "stem.canvas";

/** A canvas group's meta entry. */
export interface GroupPlan extends Continuation {
  /** Member slot ids, in input order. */
  order: string[];
  /** Set on batches. */
  batch?: boolean;
}

function invalid(message: string): ValidationError {
  return new ValidationError("canvas", [{ path: [], message }]);
}

/** The final task of a node: a task's own id, a chain's last; null for a group. */
export function finalOf(node: WireNode): FinalTask | null {
  if (node.t === "task") return { id: node.id, name: node.name };
  if (node.t === "chain") return finalOf(node.steps[node.steps.length - 1]);
  return null;
}

function task(node: CanvasNode & { kind: "task" }, id: string): WireTask {
  if (typeof node.name !== "string" || node.name === "") {
    throw invalid(`the task at ${id} has no name`);
  }
  return { t: "task", id, name: node.name, args: { ...node.args }, options: { ...node.options } };
}

/** Compiles a canvas node, assigning every task and group an id derived from `id`. */
export function compile(node: CanvasNode, id: string): WireNode {
  switch (node?.kind) {
    case "task":
      return task(node, id);
    case "group": {
      if (node.members.length === 0) throw invalid(`the group ${id} has no members`);
      const members = node.members.map((m, k) => compile(m, `${id}.${k}`));
      for (const [k, m] of members.entries()) {
        if (!finalOf(m)) {
          throw invalid(
            `member ${k} of group ${id} is a bare group; wrap it in a chord or a chain ending in a task`,
          );
        }
      }
      return { t: "group", id, members };
    }
    case "chain": {
      if (node.steps.length === 0) throw invalid(`the chain ${id} has no steps`);
      const steps: WireNode[] = [];
      for (const [i, step] of node.steps.entries()) {
        const compiled = compile(step, `${id}.${i}`);
        if (compiled.t === "chain" && !compiled.onError) steps.push(...compiled.steps);
        else if (compiled.t === "chain") {
          throw invalid(`step ${i} of chain ${id} is a chain with its own onError; flatten it`);
        } else steps.push(compiled);
      }
      const chain: WireChain = { t: "chain", steps };
      if (node.onError) chain.onError = task(node.onError, `${id}.error`);
      return chain;
    }
    case "chord": {
      const body = compile(node.body, id);
      const chain: WireChain = { t: "chain", steps: [body, task(node.callback, `${id}.callback`)] };
      if (node.onError) chain.onError = task(node.onError, `${id}.error`);
      return chain;
    }
    default:
      throw invalid(
        `"${(node as { kind?: unknown })?.kind}" is not a canvas node (task, group, chain, chord)`,
      );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads a continuation written by {@link Continuation}; null when the value is not one. */
export function readContinuation(value: unknown): Continuation | null {
  if (!isRecord(value)) return null;
  if (value.next !== undefined && !Array.isArray(value.next)) return null;
  if (value.onError !== undefined && !isRecord(value.onError)) return null;
  if (value.member !== undefined) {
    const m = value.member;
    if (!isRecord(m) || typeof m.group !== "string" || typeof m.id !== "string") return null;
  }
  return value as Continuation;
}
