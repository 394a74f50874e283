import type { TaskStatus } from "../backend/task_status.ts";
import { html, type SafeHtml } from "./html.ts";

/** Finished tasks per minute of the last hour. */
export interface Throughput {
  /** Start of the first bucket, epoch ms. */
  from: number;
  /** Succeeded per minute, oldest first (60 buckets). */
  succeeded: number[];
  /** Failed per minute, oldest first. */
  failed: number[];
  /** True when the sample was full, so older minutes may be under-counted. */
  truncated: boolean;
}

const MINUTE = 60_000;
const BUCKETS = 60;

/** Buckets the finish times of `statuses` (newest update first, up to `sample`) by minute. */
export function throughput(statuses: TaskStatus[], now: number, sample: number): Throughput {
  const end = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  const from = end - BUCKETS * MINUTE;
  const succeeded = new Array<number>(BUCKETS).fill(0);
  const failed = new Array<number>(BUCKETS).fill(0);
  for (const status of statuses) {
    const at = status.timestamps.finishedAt;
    if (at === undefined || at < from || at >= end) continue;
    const i = Math.floor((at - from) / MINUTE);
    if (status.state === "succeeded") succeeded[i]++;
    else if (status.state === "failed") failed[i]++;
  }
  return { from, succeeded, failed, truncated: statuses.length >= sample };
}

/** A stacked bar chart (succeeded under failed), as inline SVG: no script, no library. */
export function throughputChart(data: Throughput): SafeHtml {
  const peak = Math.max(1, ...data.succeeded.map((s, i) => s + data.failed[i]));
  const w = 10, gap = 2, h = 110;
  const bars = data.succeeded.map((s, i) => {
    const f = data.failed[i];
    const x = i * (w + gap);
    const sh = (s / peak) * h, fh = (f / peak) * h;
    const at = new Date(data.from + i * MINUTE).toISOString().slice(11, 16);
    return html`
      <g>
        <title>${at} UTC: ${s} succeeded, ${f} failed</title>
        <rect class="s" x="${x}" y="${h - sh}" width="${w}" height="${sh}"></rect>
        <rect class="f" x="${x}" y="${h - sh - fh}" width="${w}" height="${fh}"></rect>
      </g>
    `;
  });
  const width = BUCKETS * (w + gap);
  return html`
    <svg class="chart" viewBox="0 0 ${width} ${h}" preserveAspectRatio="none" role="img"
      aria-label="Tasks finished per minute, last hour"><line class="axis" x1="0" y1="${h}" x2="${width}" y2="${h}"></line>${bars}</svg>
    <div class="chart-axis"><span>-60 min</span><span>peak ${peak}/min</span><span>now</span></div>
  `;
}
