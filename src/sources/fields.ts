import { z } from 'zod';
import { InvalidResponseError } from '../errors/invalid-response-error.js';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
// Epoch numbers below this are seconds; the vendor's examples use milliseconds.
const MILLISECONDS_FROM = 100_000_000_000;

/**
 * A timestamp as the APIs write them: ISO 8601 text or an epoch number (the agent-key docs show
 * both). Parsed to Unix milliseconds.
 */
export const timestamp = z.union([z.string(), z.number()]).transform((value, context) => {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value >= MILLISECONDS_FROM ? value : value * 1000;
  } else if (ISO_8601.test(value)) {
    // The APIs write UTC; a time without an offset must not be read in the exporter's zone.
    const parsed = Date.parse(/(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`);
    if (!Number.isNaN(parsed)) return parsed;
  }
  context.addIssue({ code: 'custom', message: `not a timestamp: ${JSON.stringify(value).slice(0, 40)}` });
  return z.NEVER;
});

/**
 * The last four characters of a masked key, when the mask ends in four letters or digits
 * (`********-****-****-db2c132ca78d` → `a78d`); empty when it does not (`mdb_sa_sk_...`): only
 * what the API shows, and never a piece of the mask.
 */
export function keySuffix(masked: string | null | undefined): string {
  return /[A-Za-z0-9]{4}$/.exec(masked ?? '')?.[0] ?? '';
}

/** Describes the first problem of a rejected item: index, field and what is wrong. */
export function describeIssue(index: number, error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || '(item)';
  return `item ${index}: ${field}: ${issue?.message ?? 'invalid'}`;
}

/** Parses every item of a list with `schema`; the first item it cannot read fails the whole list. */
export function mapItems<T extends z.ZodType>(items: readonly unknown[], schema: T, url: string): z.output<T>[] {
  return items.map((item, index) => {
    const parsed = schema.safeParse(item);
    if (!parsed.success) throw new InvalidResponseError(url, describeIssue(index, parsed.error));
    return parsed.data;
  });
}
