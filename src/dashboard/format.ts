import type { SafeHtml } from "./html.ts";
import { html } from "./html.ts";

/** An ISO time, or a dash when unknown. */
export function isoTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? "-" : new Date(ms).toISOString();
}

/** A short duration such as `4s`, `3m 20s`, `2h 5m`. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A `<time>` element with the ISO time as title and "ago"/"in" text relative to `now`. */
export function timeCell(ms: number | null | undefined, now: number): SafeHtml {
  if (ms === null || ms === undefined) return html`<span class="muted">-</span>`;
  const delta = ms - now;
  const text = delta > 0 ? `in ${shortDuration(delta)}` : `${shortDuration(-delta)} ago`;
  return html`<time datetime="${isoTime(ms)}" title="${isoTime(ms)}">${text}</time>`;
}

/** Pretty JSON for a `<pre>` (escaped by the template that shows it). */
export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? "undefined";
  } catch {
    return String(value);
  }
}

/** A coloured badge for a task state, run status or health. */
export function badge(text: string, kind?: string): SafeHtml {
  return html`<span class="badge badge-${kind ?? text}">${text}</span>`;
}
