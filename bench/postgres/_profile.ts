import { readFileSync } from "node:fs";
import postgres from "postgres";
import process from "node:process";
import { startPostgres } from "../../tests/helpers/postgres_server.ts";
import { processing } from "./scenarios.ts";
import { stemPostgres } from "./stem_systems.ts";
const server = await startPostgres({
  settings: { shared_preload_libraries: "pg_stat_statements" },
});
const admin = postgres(server.url, { onnotice: () => {}, max: 1 });
await admin.unsafe("CREATE EXTENSION pg_stat_statements");
const s = stemPostgres(server.url);
await s.setup();
await processing(s, 2000, 50);
await admin.unsafe("SELECT pg_stat_statements_reset()");
const busy = () => {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].split(/\s+/).slice(1).map(Number);
  return { busy: f[0] + f[1] + f[2] + f[5] + f[6], all: f.reduce((a, b) => a + b, 0) };
};
const b0 = busy();
const c0 = process.cpuUsage();
const t0 = performance.now();
const r = await processing(s, 10000, 50);
const b1 = busy();
const c1 = process.cpuUsage(c0);
console.log(
  "machine busy %",
  Math.round(100 * (b1.busy - b0.busy) / (b1.all - b0.all)),
  "deno cpu ms",
  Math.round((c1.user + c1.system) / 1000),
);
const { PostgresResultBackend } = await import("../../adapters/postgres/mod.ts");
console.log("rate", r, performance.now() - t0);
const rows = await admin.unsafe(
  "SELECT calls, round(total_exec_time) t, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 80) q FROM pg_stat_statements ORDER BY calls DESC LIMIT 12",
);
for (const row of rows) console.log(row.calls, row.t, row.rows, row.q);
await s.close();
await admin.end();
await server.stop();
process.exit(0);
