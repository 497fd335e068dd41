const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

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
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0);
  return total;
}
