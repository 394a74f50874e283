import process from "node:process";

/** "deno" or "bun": the runtime running this test file. */
export const runtime: "deno" | "bun" = "Bun" in globalThis ? "bun" : "deno";

/** argv to run a TypeScript file as a script with the current runtime. */
export function scriptCommand(file: string): [string, string[]] {
  return runtime === "bun"
    ? [process.execPath, [file]]
    : [process.execPath, ["run", "-A", "--no-check", file]];
}
