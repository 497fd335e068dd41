/** A way of writing durations: a sum of `amount unit` parts, such as `1h30m`. */
interface Dialect {
  /** Each unit in milliseconds. */
  readonly units: Readonly<Record<string, number>>;
  readonly whole: RegExp;
  readonly part: RegExp;
}

/** `bareDecimalPoint`: an amount may end in its decimal point (`1.s`), as Go's may. */
function dialect(units: Readonly<Record<string, number>>, bareDecimalPoint: boolean): Dialect {
  // Longest first, so that `ms` is not read as `m` and a stray `s`.
  const unit = Object.keys(units)
    .sort((a, b) => b.length - a.length)
    .join('|');
  const part = `(\\d+(?:\\.\\d${bareDecimalPoint ? '*' : '+'})?)(${unit})`;
  return { units, whole: new RegExp(`^(?:${part})+$`), part: new RegExp(part, 'g') };
}

/** The config file's units, as Prometheus writes them. */
const CONFIG = dialect({ ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }, false);

/** Go's time.ParseDuration units, which the exporter-toolkit's web config uses. */
const GO = dialect({ ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }, true);

/** The sum of a trimmed duration's parts in milliseconds; undefined when it is not a duration. */
function sumOfParts(text: string, { units, whole, part }: Dialect): number | undefined {
  if (!whole.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(part)) total += Number(amount) * (units[unit ?? ''] ?? 0);
  return total;
}

/**
 * Parses a duration as the config file writes it: a number of seconds (`300`, `"300"`) or
 * Prometheus-style units (`"300s"`, `"5m"`, `"1h30m"`, `"500ms"`). Returns milliseconds, or
 * undefined when the input is not a duration.
 */
export function parseDuration(input: number | string): number | undefined {
  const ms = millisecondsOf(input);
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

function millisecondsOf(input: number | string): number | undefined {
  if (typeof input === 'number') return input >= 0 ? input * 1000 : undefined;
  const text = input.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text) * 1000;
  return sumOfParts(text, CONFIG);
}

/** Go's time.ParseDuration for non-negative values, in milliseconds; undefined when not a duration. */
export function parseGoDuration(input: string): number | undefined {
  const text = input.trim();
  return text === '0' ? 0 : sumOfParts(text, GO);
}
