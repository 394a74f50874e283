// Runs a bench/<name>.ts on Deno and on Bun, alternating rounds, and prints one JSON object with
// per-runtime medians (the VM drifts ~30% between fast and slow phases, so single runs mislead).
import { execFileSync } from "node:child_process";

const name = process.argv[2] ?? "memory";
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const commands = {
  deno: ["node_modules/.bin/deno", ["run", "-A", `bench/${name}.ts`]],
  bun: ["node_modules/.bin/bun", [`bench/${name}.ts`]],
};
const runs = { deno: [], bun: [] };
for (let r = 0; r < rounds; r++) {
  for (const [rt, [cmd, args]] of Object.entries(commands)) {
    const out = execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    runs[rt].push(JSON.parse(out.trim().split("\n").pop()));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function summarize(list) {
  const out = {};
  for (const [k, v] of Object.entries(list[0])) {
    if (typeof v === "number") out[k] = median(list.map((x) => x[k]));
    else if (v && typeof v === "object") out[k] = summarize(list.map((x) => x[k]));
    else out[k] = v;
  }
  return out;
}
console.log(
  JSON.stringify(
    { bench: name, rounds, deno: summarize(runs.deno), bun: summarize(runs.bun) },
    null,
    2,
  ),
);
