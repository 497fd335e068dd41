/**
 * The baseline: the same key and scope series held in plain prom-client Gauges (and a Counter for
 * the `_total` family), the way a typical Node.js exporter would keep them, rendered with
 * `registry.metrics()`. The series are taken from one real scrape of the exporter, so families,
 * HELP texts, labels and values are exactly the same.
 */
import { Counter, Gauge, Registry } from 'prom-client';

interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  labelNames: Set<string>;
  samples: { labels: Record<string, string>; value: number }[];
}

/** Parses label pairs of the text format, escapes included. */
function parseLabels(block: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let at = 0;
  while (at < block.length) {
    const eq = block.indexOf('=', at);
    const name = block.slice(at, eq);
    let value = '';
    let index = eq + 2; // past ="
    for (; block[index] !== '"'; index++) {
      if (block[index] === '\\') {
        index++;
        value += block[index] === 'n' ? '\n' : block[index];
      } else value += block[index];
    }
    labels[name] = value;
    at = index + 2; // past ",
  }
  return labels;
}

function parseFamilies(text: string, wanted: ReadonlySet<string>): ParsedFamily[] {
  const families = new Map<string, ParsedFamily>();
  let current: ParsedFamily | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const space = line.indexOf(' ', 7);
      const name = line.slice(7, space);
      current = wanted.has(name) ? { name, help: line.slice(space + 1), type: 'gauge', labelNames: new Set(), samples: [] } : undefined;
      if (current) families.set(name, current);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      if (current) current.type = line.slice(line.lastIndexOf(' ') + 1);
      continue;
    }
    if (line.startsWith('#') || current === undefined) continue;
    const brace = line.indexOf('{');
    const lastSpace = line.lastIndexOf(' ');
    const labels = brace === -1 ? {} : parseLabels(line.slice(brace + 1, line.lastIndexOf('}', lastSpace)));
    for (const name of Object.keys(labels)) current.labelNames.add(name);
    current.samples.push({ labels, value: Number(line.slice(lastSpace + 1)) });
  }
  return [...families.values()];
}

export interface Baseline {
  readonly registry: Registry;
  readonly series: number;
}

/** A prom-client registry holding the `wanted` families of an exposition text. */
export function buildBaseline(text: string, wanted: ReadonlySet<string>): Baseline {
  const registry = new Registry();
  let series = 0;
  for (const family of parseFamilies(text, wanted)) {
    const common = { name: family.name, help: family.help, labelNames: [...family.labelNames], registers: [registry] };
    if (family.type === 'counter') {
      const counter = new Counter(common);
      for (const { labels, value } of family.samples) counter.inc(labels, value);
    } else {
      const gauge = new Gauge(common);
      for (const { labels, value } of family.samples) gauge.set(labels, value);
    }
    series += family.samples.length;
  }
  return { registry, series };
}
