// What the audit's two query parsers (the key table's and the recent changes') read the same way.

/** The most rows or changes one page or JSON answer may ask for. */
export const MAX_PAGE_SIZE = 1_000;
/** The highest page number a query may ask for. */
export const MAX_PAGE = 1_000_000_000;

/**
 * The non-empty, trimmed value of each of `names` that `params` holds; a name given twice is an
 * error that names it. Other parameters are ignored. Pure.
 */
export function singleValues(params: URLSearchParams, names: Iterable<string>): { readonly values: Map<string, string> } | { readonly error: string } {
  const values = new Map<string, string>();
  for (const name of names) {
    const all = params.getAll(name);
    if (all.length > 1) return { error: `query parameter ${name} is given ${all.length} times` };
    const value = (all[0] ?? '').trim();
    if (value !== '') values.set(name, value);
  }
  return { values };
}

/** A whole number from `min` to `max` written in decimal digits, or undefined. Pure. */
export function integer(value: string, min: number, max: number): number | undefined {
  if (!/^\d{1,10}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

/** The error of a parameter whose value is not what it takes. */
export const badParameter = (name: string, expected: string): { readonly ok: false; readonly error: string } => ({ ok: false, error: `query parameter ${name}: expected ${expected}` });
