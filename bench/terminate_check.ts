// Does Worker.terminate() stop a busy loop on this runtime? Starts a module Worker spinning in
// `while (true) {}`, terminates it, then watches the process's CPU time for 500 ms while the main
// thread idles: a stopped worker leaves it near 0, a thread still spinning adds about 500 ms.
// Prints one JSON object and exits. Run: `deno run -A bench/terminate_check.ts`, `bun bench/terminate_check.ts`.
import process from "node:process";

const source = `self.onmessage = () => { self.postMessage("spinning"); while (true) {} };`;
const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
const worker = new Worker(url, { type: "module" });
await new Promise<void>((resolve) => {
  worker.onmessage = () => resolve();
  worker.postMessage("go");
});
await new Promise((r) => setTimeout(r, 100));
worker.terminate();
await new Promise((r) => setTimeout(r, 100));
const before = process.cpuUsage();
const wallStart = performance.now();
await new Promise((r) => setTimeout(r, 500));
const cpu = process.cpuUsage(before);
const cpuMs = (cpu.user + cpu.system) / 1000;
const wallMs = performance.now() - wallStart;
const versions = process.versions as Record<string, string | undefined>;
console.log(JSON.stringify({
  runtime: versions.bun ? `bun ${versions.bun}` : `deno ${versions.deno}`,
  cpuMsAfterTerminate: Math.round(cpuMs),
  wallMs: Math.round(wallMs),
  busyLoopStopped: cpuMs < wallMs / 4,
}));
process.exit(0);
