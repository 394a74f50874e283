// CPU time of this process and of a PostgreSQL server's processes (Linux /proc), so a case's cost
// can be compared between runs on a noisy machine, where jobs/s drifts with the neighbours' load.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { CpuProbe } from "./scenarios.ts";

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime, stime, cutime, cstime (ticks) and ppid of a process, or null once it is gone. */
function stat(pid: number): { ppid: number; ticks: number; childTicks: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // After "(comm) ": state is field 3, so field n is fields[n - 3].
    return {
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
      childTicks: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return null;
  }
}

/**
 * A probe of this process's CPU and the server's: the postmaster (from `postmaster.pid` in
 * `dataDir`), its live children and the children it already reaped. Server time is 0 where
 * /proc is missing.
 */
export function serverCpuProbe(dataDir: string): CpuProbe {
  let postmaster = 0;
  try {
    postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    // Not a local server: client time only.
  }
  return () => {
    const usage = process.cpuUsage();
    const clientMs = (usage.user + usage.system) / 1000;
    const main = postmaster ? stat(postmaster) : null;
    if (!main) return { clientMs, serverMs: 0 };
    let ticks = main.ticks + main.childTicks;
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const child = stat(Number(entry));
      if (child?.ppid === postmaster) ticks += child.ticks;
    }
    return { clientMs, serverMs: ticks * TICK_MS };
  };
}
