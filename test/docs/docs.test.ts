/**
 * The README and docs/: the table of contents matches the headings, every relative link (and every
 * link to this repository on GitHub) names a file and an anchor that exist, and every alert has a
 * runbook page that its runbook_url names.
 *
 * To rewrite the README's table of contents after changing its headings, run
 *   UPDATE_TOC=1 npx vitest run test/docs/docs.test.ts
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { anchors, headings, links, renderToc, writtenToc } from './markdown.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const README = join(repo, 'README.md');
const REPO_URL = 'https://github.com/mongodb-apikey-exporter/mongodb-apikey-exporter';
const RUNBOOKS = `${REPO_URL}/blob/main/docs/runbooks/`;

const markdownFiles = [
  README,
  join(repo, 'helm/mongodb-apikey-exporter/README.md'),
  ...readdirSync(join(repo, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(repo, 'docs', f)),
].sort();

interface Alert {
  alert: string;
  labels: { severity: string };
  annotations: { runbook_url: string };
}
const alerts = (parse(readFileSync(join(repo, 'prometheus/alerts.yaml'), 'utf8')) as { groups: { rules: Partial<Alert>[] }[] }).groups
  .flatMap((g) => g.rules)
  .filter((r): r is Alert => typeof r.alert === 'string');

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let set = anchorCache.get(file);
  if (!set) anchorCache.set(file, (set = anchors(readFileSync(file, 'utf8'))));
  return set;
}

/** Why a link from `from` to `target` (a path relative to `from`, or `#anchor`) is broken; undefined when it resolves. */
function brokenLink(from: string, target: string): string | undefined {
  const [path, anchor] = target.split('#', 2) as [string, string | undefined];
  const file = path === '' ? from : resolve(dirname(from), decodeURIComponent(path));
  if (!file.startsWith(repo)) return `leaves the repository`;
  if (!existsSync(file)) return `no file ${relative(repo, file)}`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return `an anchor in ${relative(repo, file)}, which is not Markdown`;
  return anchorsOf(file).has(anchor.toLowerCase()) ? undefined : `no heading #${anchor} in ${relative(repo, file)}`;
}

/** A link to this repository on GitHub, as the path it names inside the repository; undefined for any other URL. */
function repoPath(url: string): string | undefined {
  if (url === REPO_URL || url.startsWith(`${REPO_URL}#`)) return `README.md${url.slice(REPO_URL.length)}`;
  const m = /^\/(?:blob|tree)\/main\/(.+)$/.exec(url.startsWith(REPO_URL) ? url.slice(REPO_URL.length) : '');
  return m?.[1];
}

function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  for (const { line, target } of links(readFileSync(file, 'utf8'))) {
    const inRepo = /^[a-z][a-z0-9+.-]*:/i.test(target) ? repoPath(target) : target;
    if (inRepo === undefined) continue;
    const why = brokenLink(inRepo === target ? file : README, inRepo);
    if (why) problems.push(`${relative(repo, file)}:${line}: ${target}: ${why}`);
  }
  return problems;
}

describe('README table of contents', () => {
  const readme = readFileSync(README, 'utf8');

  it('names only headings of the README', () => {
    const toc = writtenToc(readme);
    expect(toc, 'the README has no <!-- toc --> … <!-- /toc --> block').toBeDefined();
    const known = anchorsOf(README);
    const missing = links(toc!)
      .map((l) => l.target)
      .filter((t) => !t.startsWith('#') || !known.has(t.slice(1)));
    expect(missing, 'table-of-contents entries without a heading').toEqual([]);
  });

  it('lists every heading of the README, in order (UPDATE_TOC=1 rewrites it)', () => {
    const want = renderToc(readme);
    if (process.env.UPDATE_TOC === '1') {
      const toc = writtenToc(readme);
      if (toc !== undefined) writeFileSync(README, readme.replace(toc, want));
      return;
    }
    expect(writtenToc(readme)).toBe(want);
  });
});

describe('links', () => {
  it('finds the documentation files', () => {
    expect(markdownFiles.map((f) => relative(repo, f))).toEqual(expect.arrayContaining(['README.md', 'docs/runbooks/MongoDBApiKeyIdle.md']));
  });

  it.each(markdownFiles.map((f) => [relative(repo, f), f] as const))('every relative link of %s resolves', (_, file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it("the dashboard's links to the README resolve", () => {
    const dashboard = JSON.parse(readFileSync(join(repo, 'grafana/mongodb-apikey-exporter.json'), 'utf8')) as { links: { url: string }[] };
    const problems = dashboard.links.flatMap(({ url }) => {
      const path = repoPath(url);
      const why = path === undefined ? undefined : brokenLink(README, path);
      return why ? [`${url}: ${why}`] : [];
    });
    expect(problems).toEqual([]);
  });
});

describe('runbooks', () => {
  it('prometheus/alerts.yaml has alerts', () => {
    expect(alerts.length).toBeGreaterThan(0);
  });

  it.each(alerts.map((a) => [a.alert, a] as const))('%s has a runbook page, and its runbook_url names it', (name, alert) => {
    const page = join(repo, 'docs/runbooks', `${name}.md`);
    expect(existsSync(page), `docs/runbooks/${name}.md`).toBe(true);
    expect(headings(readFileSync(page, 'utf8'))[0]).toMatchObject({ level: 1, text: name });
    expect(alert.annotations.runbook_url).toBe(`${RUNBOOKS}${name}.md`);
  });

  it('every runbook page belongs to an alert', () => {
    const pages = readdirSync(join(repo, 'docs/runbooks')).filter((f) => f.endsWith('.md'));
    expect(pages.sort()).toEqual(alerts.map((a) => `${a.alert}.md`).sort());
  });

  it("the README's alert table links every alert to its runbook, with its severity", () => {
    const readme = readFileSync(README, 'utf8');
    for (const { alert, labels } of alerts) {
      expect(readme, alert).toContain(`| [${alert}](docs/runbooks/${alert}.md) | ${labels.severity} |`);
    }
  });
});
