import type { TaskSignature } from "../core/task_signature.ts";

/** A group of nodes run in parallel; resolves to their results in input order. */
export interface GroupNode<Results extends readonly unknown[] = unknown[]> {
  /** Always `"group"`. */
  readonly kind: "group";
  /** The members, each a task, a chain or a chord. */
  readonly members: readonly CanvasNode[];
  /** Type-only marker of the results; never set at run time. */
  readonly "~result"?: Results;
}

/** Nodes run one after another, each getting the previous result; resolves to the last one's. */
export interface ChainNode<Result = unknown> {
  /** Always `"chain"`. */
  readonly kind: "chain";
  /** The steps, in order. */
  readonly steps: readonly CanvasNode[];
  /** Runs once when a step fails for good (its `ctx.previousResult` names the failure). */
  readonly onError?: TaskSignature;
  /** Type-only marker of the result; never set at run time. */
  readonly "~result"?: Result;
}

/** A group whose results, in body order, go to one callback once every member succeeded. */
export interface ChordNode<Result = unknown> {
  /** Always `"chord"`. */
  readonly kind: "chord";
  /** The body. */
  readonly body: GroupNode<readonly unknown[]>;
  /** The callback; `ctx.previousResult` holds the body's results. */
  readonly callback: TaskSignature<Result>;
  /** Runs once when a body member fails for good (the callback then never runs). */
  readonly onError?: TaskSignature;
  /** Type-only marker of the result; never set at run time. */
  readonly "~result"?: Result;
}

/** Anything the canvas can run. */
export type CanvasNode =
  | TaskSignature<unknown>
  | GroupNode<readonly unknown[]>
  | ChainNode<unknown>
  | ChordNode<unknown>;

/** The result type a node resolves to. */
export type ResultOf<N> = N extends { readonly "~result"?: infer R } ? R : unknown;

/** The results of a list of nodes, position by position. */
export type ResultsOf<S extends readonly unknown[]> = { -readonly [K in keyof S]: ResultOf<S[K]> };

/** The last element type of a tuple. */
export type LastOf<S extends readonly unknown[]> = S extends readonly [...unknown[], infer L] ? L
  : S[number];

/** Builds a group node (to nest in a chain or a chord; `canvas.group` runs one). */
export function group<const S extends readonly CanvasNode[]>(
  members: S,
): GroupNode<ResultsOf<S>> {
  return { kind: "group", members };
}

/** Builds a chain node (to nest in a group; `canvas.chain` runs one). */
export function chain<const S extends readonly CanvasNode[]>(
  steps: S,
  options: { onError?: TaskSignature } = {},
): ChainNode<ResultOf<LastOf<S>>> {
  return options.onError ? { kind: "chain", steps, onError: options.onError } : {
    kind: "chain",
    steps,
  };
}

/** Builds a chord node (to nest in a chain or a group; `canvas.chord` runs one). */
export function chord<Result>(
  body: GroupNode<readonly unknown[]> | readonly CanvasNode[],
  callback: TaskSignature<Result>,
  options: { onError?: TaskSignature } = {},
): ChordNode<Result> {
  const members = Array.isArray(body) ? body as readonly CanvasNode[] : (body as GroupNode).members;
  const node: ChordNode<Result> = { kind: "chord", body: { kind: "group", members }, callback };
  return options.onError ? { ...node, onError: options.onError } : node;
}
