/**
 * File reads for entry points (TLS certificates named by path in `STEM_TLS_*`).
 *
 * @module
 */
import { readFile } from "node:fs/promises";

/** Reads a UTF-8 text file. */
export async function readTextFile(path: string): Promise<string> {
  return await readFile(path, "utf8");
}
