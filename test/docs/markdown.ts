/**
 * Just enough Markdown for the documentation checks: headings and their GitHub anchors, inline links,
 * and the generated table of contents. Fenced code blocks and code spans hold neither headings nor
 * links.
 */

export interface Heading {
  level: number;
  text: string;
  anchor: string;
}

export interface Link {
  line: number;
  target: string;
}

const FENCE = /^\s*(```|~~~)/;

/** The lines outside fenced code blocks, with their 1-based line numbers. */
function proseLines(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, i) => {
    const m = FENCE.exec(text);
    if (m) {
      if (fence === undefined) fence = m[1];
      else if (m[1] === fence) fence = undefined;
      return;
    }
    if (fence === undefined) out.push({ line: i + 1, text });
  });
  return out;
}

/** GitHub's anchor for a heading: the rendered text, lower-cased, punctuation dropped, spaces as hyphens. */
export function slug(text: string): string {
  return text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

export function headings(markdown: string): Heading[] {
  const seen = new Map<string, number>();
  const out: Heading[] = [];
  for (const { text } of proseLines(markdown)) {
    const m = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(text);
    if (!m) continue;
    const base = slug(m[2]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.push({ level: m[1]!.length, text: m[2]!, anchor: n === 0 ? base : `${base}-${n}` });
  }
  return out;
}

/** Every anchor a link may name in this file: its headings, and HTML `id` / `name` attributes. */
export function anchors(markdown: string): Set<string> {
  const set = new Set(headings(markdown).map((h) => h.anchor));
  for (const { text } of proseLines(markdown)) {
    for (const m of text.matchAll(/\s(?:id|name)="([^"]+)"/g)) set.add(m[1]!);
  }
  return set;
}

/** Inline links `[text](target)` and images, outside code. */
export function links(markdown: string): Link[] {
  const out: Link[] = [];
  for (const { line, text } of proseLines(markdown)) {
    const prose = text.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ line, target: m[1]! });
  }
  return out;
}

export const TOC_START = '<!-- toc -->';
export const TOC_END = '<!-- /toc -->';

/** The table of contents of the README's level-2 and level-3 headings. */
export function renderToc(markdown: string): string {
  const entries = headings(markdown)
    .filter((h) => h.level === 2 || h.level === 3)
    .map((h) => `${'  '.repeat(h.level - 2)}- [${h.text}](#${h.anchor})`);
  return [TOC_START, ...entries, TOC_END].join('\n');
}

/** The table of contents as written, from its start marker to its end marker; undefined without markers. */
export function writtenToc(markdown: string): string | undefined {
  const start = markdown.indexOf(TOC_START);
  const end = markdown.indexOf(TOC_END);
  if (start < 0 || end < start) return undefined;
  return markdown.slice(start, end + TOC_END.length);
}
