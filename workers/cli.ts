// Kept so `deno run -A workers/cli.ts ...` and `bun workers/cli.ts ...` keep working; the CLI
// lives in workers/cli/ (main.ts dispatches to one file per command group).
import process from "node:process";
import { main } from "./cli/main.ts";

export { main };

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
