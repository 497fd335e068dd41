/**
 * HTML that escapes by default. `html` is the way to write markup: its literal text is markup,
 * and every value put into it is escaped unless it is itself markup (made by `html`, or by `raw`
 * for text the caller vouches for). A string is never taken for markup, not even where markup is
 * expected (a type error), so there is no escaping to forget.
 */

/** Escapes text for HTML content and quoted attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

declare const MARKUP: unique symbol;

class Markup {
  /** Makes the type nominal: no object written elsewhere passes for markup. */
  declare private readonly [MARKUP]: true;

  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

/** Markup: made only by {@link html} or {@link raw}. Its text is sent as it is. */
export type Html = Markup;

/** What may be put into {@link html}: markup as it is; text and numbers escaped; lists one after the other. */
export type Interpolation = Html | string | number | readonly Interpolation[];

function write(value: Interpolation): string {
  if (value instanceof Markup) return value.text;
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    let text = '';
    for (const item of value) text += write(item);
    return text;
  }
  // Only reached by a value the types do not allow: escaped like text.
  return escapeHtml(String(value));
}

/** Markup from a template: the literal parts as they are, every value escaped unless it is markup. */
export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): Html {
  let text = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) text += write(values[i]!) + strings[i + 1];
  return new Markup(text);
}

/** Text the caller vouches for as markup, such as the page's own stylesheet. Never text from the API. */
export function raw(text: string): Html {
  return new Markup(text);
}

/** The items one after the other, with `separator` between them. */
export function join(items: readonly Interpolation[], separator: Html): Html {
  let text = '';
  for (let i = 0; i < items.length; i++) text += (i === 0 ? '' : separator.text) + write(items[i]!);
  return new Markup(text);
}
