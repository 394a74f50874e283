/**
 * Line framing of the subprocess isolate's protocol: one JSON message per line on stdin
 * (worker → isolate) and, marked, on stdout (isolate → worker), so a task's own `console.log`
 * output on the same stdout is told apart and passed through.
 *
 * @module
 */

/** Starts a protocol line on the child's stdout. */
export const FRAME_MARK = "\u001eSTEM:";

/** Splits a byte stream into text lines. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  const text = stream.pipeThrough(
    new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>,
  );
  for await (const chunk of text) {
    buffered += chunk;
    let at: number;
    while ((at = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
    }
  }
  if (buffered) yield buffered;
}

/** A stdout line as `{ output, message }`: text the task printed, and a protocol message. */
export function unframe(line: string): { output: string; message?: string } {
  const at = line.indexOf(FRAME_MARK);
  if (at < 0) return { output: line };
  return { output: line.slice(0, at), message: line.slice(at + FRAME_MARK.length) };
}
