// Test helpers for specs of other projects (`@cube/observability/testing`); never imported by production code.

/** One sample line of a scrape: `name{labels} value`. */
export interface ScrapedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const NUMBER = /^(?:[+-]?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?|Inf)|NaN)$/i;

/**
 * Reads a scrape in the Prometheus text exposition format (version 0.0.4) strictly: every line is a
 * comment (`# HELP`, `# TYPE`) or a sample whose label values are unescaped; anything else throws,
 * naming the line. Specs read what Prometheus would read, not prom-client's objects.
 */
export function parsePrometheusText(text: string): ScrapedSample[] {
  const samples: ScrapedSample[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    const value = match?.[3];
    if (!match?.[1] || value === undefined || !NUMBER.test(value)) throw new Error(`line ${index + 1} is not a sample: ${line}`);
    samples.push({ name: match[1], labels: parseLabels(match[2] ?? '', index + 1), value: Number(value.replace(/inf/i, 'Infinity')) });
  }
  return samples;
}

function parseLabels(text: string, lineNumber: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const at = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (!match?.[1] || match[2] === undefined) throw new Error(`line ${lineNumber}: bad labels at ${at}: ${text}`);
    labels[match[1]] = match[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when none matches. */
export function sampleValue(samples: ScrapedSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = samples.filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value));
  if (matching.length > 1) throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matching[0]?.value;
}
