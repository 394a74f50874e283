/**
 * The canvas: chains, groups, chords and batches of task signatures, driven by workers.
 *
 * @module
 */
export {
  type BatchOptions,
  type BatchState,
  type BatchStatus,
  type BatchSubmission,
  Canvas,
  type CanvasOptions,
  type CanvasWaitOptions,
  type ChainRun,
  type ChordRun,
  type GroupRun,
} from "./canvas.ts";
export {
  type CanvasNode,
  chain,
  type ChainNode,
  chord,
  type ChordNode,
  group,
  type GroupNode,
  type LastOf,
  type ResultOf,
  type ResultsOf,
} from "./nodes.ts";
export { CanvasRuntime, type CanvasRuntimeOptions } from "./runtime.ts";
export { signature, type SignatureOptions, type TaskSignature } from "../core/task_signature.ts";
