// A bare Web Worker for bench/isolate.ts's baseline: hashes `rounds` and answers, no Stem at all.
import { hashRounds } from "./isolate_tasks.ts";

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<number>) => void) | null;
  postMessage(value: number): void;
};
scope.onmessage = (event) => scope.postMessage(hashRounds(event.data));
