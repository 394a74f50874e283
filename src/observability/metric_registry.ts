/** Label names and values of one series. */
export type Labels = Record<string, string>;

interface HistogramSeries {
  buckets: number[];
  counts: number[];
  sum: number;
  count: number;
}

/**
 * In-process counters, gauges and histograms keyed by name and labels, rendered in the Prometheus
 * text format (version 0.0.4). Small on purpose: the exporter-free path for `/metrics`.
 */
export class MetricRegistry {
  readonly #values = new Map<string, Map<string, number>>();
  readonly #histograms = new Map<string, Map<string, HistogramSeries>>();

  /** Adds `delta` to a counter or gauge series. */
  add(name: string, labels: Labels, delta: number): void {
    let series = this.#values.get(name);
    if (!series) this.#values.set(name, series = new Map());
    const key = labelText(labels);
    series.set(key, (series.get(key) ?? 0) + delta);
  }

  /** Records one observation in a histogram series with the given bucket bounds. */
  observe(name: string, labels: Labels, value: number, buckets: number[]): void {
    let series = this.#histograms.get(name);
    if (!series) this.#histograms.set(name, series = new Map());
    const key = labelText(labels);
    let histogram = series.get(key);
    if (!histogram) {
      histogram = { buckets, counts: buckets.map(() => 0), sum: 0, count: 0 };
      series.set(key, histogram);
    }
    const index = histogram.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) histogram.counts[index]++;
    histogram.sum += value;
    histogram.count++;
  }

  /** The value of a counter or gauge series (0 when never recorded). */
  value(name: string, labels: Labels): number {
    return this.#values.get(name)?.get(labelText(labels)) ?? 0;
  }

  /** Text lines of every series, with `# HELP`/`# TYPE` from `help`. */
  render(help: Record<string, [string, string]>): string[] {
    const lines: string[] = [];
    const header = (name: string, fallback: string) => {
      const [text, type] = help[name] ?? [name, fallback];
      lines.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`);
    };
    for (const [name, series] of this.#values) {
      header(name, "gauge");
      for (const [key, value] of series) lines.push(`${name}${key} ${value}`);
    }
    for (const [name, series] of this.#histograms) {
      header(name, "histogram");
      for (const [key, h] of series) {
        let cumulative = 0;
        h.buckets.forEach((bound, i) => {
          cumulative += h.counts[i];
          lines.push(`${name}_bucket${withLabel(key, "le", String(bound))} ${cumulative}`);
        });
        lines.push(`${name}_bucket${withLabel(key, "le", "+Inf")} ${h.count}`);
        lines.push(`${name}_sum${key} ${h.sum}`, `${name}_count${key} ${h.count}`);
      }
    }
    return lines;
  }
}

/** A label value escaped for the Prometheus text format. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labelText(labels: Labels): string {
  const names = Object.keys(labels).sort();
  if (!names.length) return "";
  return `{${names.map((n) => `${n}="${escapeLabel(labels[n])}"`).join(",")}}`;
}

function withLabel(key: string, name: string, value: string): string {
  const label = `${name}="${escapeLabel(value)}"`;
  return key === "" ? `{${label}}` : `${key.slice(0, -1)},${label}}`;
}
