/**
 * Batch sizes of the shared {@link SharedBatcher} for the Redis transports.
 *
 * @module
 */
import { Batcher as SharedBatcher, type BatchRunner } from "../../src/broker/batcher.ts";

/**
 * Batch size for a transport: small over TCP (Redis starts on a batch while the client is still
 * producing the next), large over HTTP (every request is one billed command and one HTTP round
 * trip).
 */
export function batchSizeFor(kind: "tcp" | "http"): number {
  return kind === "http" ? 100 : 16;
}

/** The shared batcher with a positional batch size, as the Redis stores construct it. */
export class Batcher<I, O> extends SharedBatcher<I, O> {
  /** Batches calls to `run`, at most `max` items per call, flushed after the macrotask. */
  constructor(run: BatchRunner<I, O>, max = 16) {
    super(run, { maxBatch: max });
  }
}
