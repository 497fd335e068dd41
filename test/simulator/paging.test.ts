import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset, runSimulatorCommand, type Simulator } from '../../src/simulator/index.js';
import { NEXT_ONLY_PAGE_SIZE, PAGING_MODES, type PagingMode } from '../../src/simulator/paging.js';
import type { TestDigestClient } from './helpers.js';
import { SimulatorFixture } from './fixture.js';

interface Link {
  rel: string;
  href: string;
}
interface PageBody {
  links: Link[];
  results: Record<string, unknown>[];
  totalCount: number;
}
/** A page as a paging mode may shape it: `links` and `totalCount` may be absent. */
type LoosePage = Partial<PageBody> & { results: Record<string, unknown>[] };

const NOW = Date.UTC(2025, 0, 1);

describe('simulator paging', () => {
  const fixture = new SimulatorFixture();
  afterEach(() => fixture.close());

  async function userClient(keys: number): Promise<{ s: Simulator; client: TestDigestClient; url: string }> {
    const s = await fixture.start({ dataset: generateDataset({ users: 1, keysPerUser: keys, projects: 0, now: NOW }), logRequests: true });
    const user = s.dataset.users[0]!;
    const client = fixture.client(user.username, user.apiKey);
    return { s, client, url: `${s.atlasBaseUrl}/users/${user.id}/keys` };
  }

  it('pages 1,201 keys as 500 + 500 + 201 with self/previous/next links and no next on the last page', async () => {
    const { s, client, url } = await userClient(1201);
    const pages: PageBody[] = [];
    for (let pageNum = 1; pageNum <= 3; pageNum++) pages.push(await client.json<PageBody>(`${url}?pageNum=${pageNum}&itemsPerPage=500`));
    expect(pages.map((page) => page.results.length)).toEqual([500, 500, 201]);
    expect(pages.map((page) => page.totalCount)).toEqual([1201, 1201, 1201]);
    const href = (n: number) => `${url}?pageNum=${n}&itemsPerPage=500`;
    expect(pages[0]!.links).toEqual([
      { rel: 'self', href: href(1) },
      { rel: 'next', href: href(2) },
    ]);
    expect(pages[1]!.links).toEqual([
      { rel: 'self', href: href(1 + 1) },
      { rel: 'previous', href: href(1) },
      { rel: 'next', href: href(3) },
    ]);
    expect(pages[2]!.links).toEqual([
      { rel: 'self', href: href(3) },
      { rel: 'previous', href: href(2) },
    ]);
    const ids = pages.flatMap((page) => page.results.map((key) => key['id']));
    expect(ids).toEqual(s.dataset.users[0]!.keys.map((key) => key['id']));
  });

  it('follows next links to the end', async () => {
    const { client, url } = await userClient(1201);
    let next: string | undefined = `${url}?itemsPerPage=500`;
    let seen = 0;
    let requests = 0;
    while (next !== undefined) {
      const page: PageBody = await client.json<PageBody>(next);
      seen += page.results.length;
      requests++;
      next = page.links.find((link) => link.rel === 'next')?.href;
    }
    expect({ seen, requests }).toEqual({ seen: 1201, requests: 3 });
  });

  it('defaults to pageNum=1 and itemsPerPage=100, with absolute links built from the Host header', async () => {
    const { client, url } = await userClient(150);
    const page = await client.json<PageBody>(url);
    expect(page.results).toHaveLength(100);
    expect(page.links[0]).toEqual({ rel: 'self', href: `${url}?pageNum=1&itemsPerPage=100` });
    expect(page.links[0]!.href.startsWith('http://127.0.0.1:')).toBe(true);
  });

  it('answers an empty page past the end', async () => {
    const { client, url } = await userClient(10);
    const page = await client.json<PageBody>(`${url}?pageNum=5&itemsPerPage=5`);
    expect(page.results).toEqual([]);
    expect(page.totalCount).toBe(10);
    expect(page.links.map((link) => link.rel)).toEqual(['self', 'previous']);
  });

  it.each([
    ['itemsPerPage=501', 'itemsPerPage'],
    ['itemsPerPage=abc', 'itemsPerPage'],
    ['itemsPerPage=0', 'itemsPerPage'],
    ['pageNum=0', 'pageNum'],
    ['pageNum=-1', 'pageNum'],
    ['pageNum=1.5', 'pageNum'],
  ])('refuses %s with 400 INVALID_QUERY_PARAMETER', async (query, parameter) => {
    const { client, url } = await userClient(3);
    const response = await client.get(`${url}?${query}`);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({
      detail: `Invalid query parameter ${parameter} specified.`,
      error: 400,
      errorCode: 'INVALID_QUERY_PARAMETER',
      parameters: [parameter],
      reason: 'Bad Request',
    });
  });

  it('accepts itemsPerPage=500 exactly', async () => {
    const { client, url } = await userClient(3);
    expect((await client.get(`${url}?itemsPerPage=500`)).status).toBe(200);
  });

  it('serves any page of 100,000 keys quickly', async () => {
    const { client, url } = await userClient(100_000);
    await client.json(`${url}?pageNum=1&itemsPerPage=1`);
    const started = performance.now();
    const page = await client.json<PageBody>(`${url}?pageNum=200&itemsPerPage=500`);
    expect(performance.now() - started).toBeLessThan(500);
    expect(page.results).toHaveLength(500);
    expect(page.links.map((link) => link.rel)).toEqual(['self', 'previous']);
  });

  it('pages GET /groups for a credential', async () => {
    const s = await fixture.start({ dataset: generateDataset({ users: 0, projects: 12, now: NOW }) });
    const credential = s.dataset.credentials[0]!;
    const client = fixture.client(credential.publicKey, credential.privateKey);
    const pages: PageBody[] = [];
    for (let pageNum = 1; pageNum <= 3; pageNum++) pages.push(await client.json<PageBody>(`${s.publicBaseUrl}/groups?pageNum=${pageNum}&itemsPerPage=5`));
    expect(pages.map((page) => page.results.length)).toEqual([5, 5, 2]);
    expect(pages[2]!.links.some((link) => link.rel === 'next')).toBe(false);
    expect(pages.flatMap((page) => page.results.map((group) => group['id']))).toEqual(credential.projectIds);
    const first = pages[0]!.results[0]!;
    const project = s.dataset.projects[0]!;
    expect(first).toEqual({
      id: project.id,
      name: project.name,
      orgId: project.orgId,
      clusterCount: expect.any(Number),
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      links: [{ rel: 'self', href: `${s.publicBaseUrl}/groups/${project.id}` }],
    });
  });

  describe('paging modes (SimulatorOptions.paging, setPaging)', () => {
    const V2023 = 'application/vnd.atlas.2023-01-01+json';

    /** The first two pages of 1,201 personal keys (v1.0) and of 620 organisation keys (v2), at 500 a page. */
    async function firstPages(s: Simulator): Promise<{ v1: LoosePage[]; v2: LoosePage[] }> {
      const user = s.dataset.users[0]!;
      const org = s.dataset.orgs![0]!;
      const credential = s.dataset.orgCredentials!.find((candidate) => candidate.kind === 'digest')!;
      const userClient = fixture.client(user.username, user.apiKey);
      const orgClient = fixture.client(credential.kind === 'digest' ? credential.publicKey : '', credential.kind === 'digest' ? credential.privateKey : '');
      const v1: LoosePage[] = [];
      const v2: LoosePage[] = [];
      for (const pageNum of [1, 2]) {
        v1.push(await userClient.json<LoosePage>(`${s.atlasBaseUrl}/users/${user.id}/keys?pageNum=${pageNum}&itemsPerPage=500`));
        const response = await orgClient.get(`${s.atlasV2BaseUrl}/orgs/${org.id}/apiKeys?pageNum=${pageNum}&itemsPerPage=500`, { headers: { Accept: V2023 } });
        expect(response.status).toBe(200);
        v2.push(JSON.parse(response.body) as LoosePage);
      }
      return { v1, v2 };
    }

    const start = (paging?: PagingMode) =>
      fixture.start({ dataset: generateDataset({ users: 1, keysPerUser: 1_201, projects: 1, orgs: 1, programmaticKeysPerOrg: 620, now: NOW }), ...(paging === undefined ? {} : { paging }) });
    const rels = (page: LoosePage) => page.links?.map((link) => link.rel);

    it('low and high: totalCount says half and twice the real count; pages and links as ever', async () => {
      const low = await firstPages(await start('low'));
      expect([low.v1[0]!.totalCount, low.v2[0]!.totalCount]).toEqual([600, 310]);
      expect(low.v1.map((page) => page.results.length)).toEqual([500, 500]);
      expect(rels(low.v2[0]!)).toEqual(['self', 'next']);
      await fixture.close();
      const high = await firstPages(await start('high'));
      expect([high.v1[1]!.totalCount, high.v2[1]!.totalCount]).toEqual([2_402, 1_240]);
      expect(high.v2.map((page) => page.results.length)).toEqual([500, 120]);
    });

    it('omitted: only results, no totalCount, no links', async () => {
      const { v1, v2 } = await firstPages(await start('omitted'));
      for (const page of [...v1, ...v2]) expect(Object.keys(page)).toEqual(['results']);
      expect(v2.map((page) => page.results.length)).toEqual([500, 120]);
    });

    it(`next-only: no totalCount, at most ${NEXT_ONLY_PAGE_SIZE} items a page, next links at that size`, async () => {
      const s = await start('next-only');
      const { v1, v2 } = await firstPages(s);
      for (const page of [...v1, ...v2]) {
        expect(page.totalCount).toBeUndefined();
        expect(page.results).toHaveLength(NEXT_ONLY_PAGE_SIZE);
      }
      const user = s.dataset.users[0]!;
      expect(v1[0]!.links).toContainEqual({ rel: 'next', href: `${s.atlasBaseUrl}/users/${user.id}/keys?pageNum=2&itemsPerPage=${NEXT_ONLY_PAGE_SIZE}` });
      expect(v1[0]!.results.map((key) => key['id'])).toEqual(user.keys.slice(0, NEXT_ONLY_PAGE_SIZE).map((key) => key['id']));
      const client = fixture.client(user.username, user.apiKey);
      for (const size of ['501', '300.5']) expect((await client.get(`${s.atlasBaseUrl}/users/${user.id}/keys?itemsPerPage=${size}`)).status).toBe(400);
    });

    it('foreign-next: no totalCount; the next link names another origin, the other links stay', async () => {
      const s = await start();
      s.setPaging({ mode: 'foreign-next', foreignOrigin: 'http://127.0.0.1:9' });
      const { v1, v2 } = await firstPages(s);
      const org = s.dataset.orgs![0]!;
      expect(v2[0]!.totalCount).toBeUndefined();
      expect(v2[0]!.links).toEqual([
        { rel: 'self', href: `${s.atlasV2BaseUrl}/orgs/${org.id}/apiKeys?pageNum=1&itemsPerPage=500` },
        { rel: 'next', href: `http://127.0.0.1:9/api/atlas/v2/orgs/${org.id}/apiKeys?pageNum=2&itemsPerPage=500` },
      ]);
      expect(v1[0]!.links?.find((link) => link.rel === 'next')?.href.startsWith('http://127.0.0.1:9/api/atlas/v1.0/')).toBe(true);
    });

    it('is exact by default; setPaging changes the paging of the next request, and back', async () => {
      const s = await start();
      const exact = await firstPages(s);
      expect([exact.v1[0]!.totalCount, exact.v2[0]!.totalCount]).toEqual([1_201, 620]);
      s.setPaging('omitted');
      expect((await firstPages(s)).v1[0]!.totalCount).toBeUndefined();
      s.setPaging('exact');
      expect((await firstPages(s)).v1[0]!.totalCount).toBe(1_201);
    });

    it('the simulate command takes --paging and refuses an unknown mode', async () => {
      expect(PAGING_MODES).toEqual(['exact', 'low', 'high', 'omitted', 'next-only', 'foreign-next']);
      const exitCode = process.exitCode;
      const stderr = new PassThrough();
      const chunks: Buffer[] = [];
      stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
      try {
        await runSimulatorCommand(['--paging', 'sideways'], { stderr, stdout: new PassThrough() });
        expect(process.exitCode).toBe(2);
      } finally {
        process.exitCode = exitCode;
      }
      expect(Buffer.concat(chunks).toString('utf8')).toContain('--paging must be one of exact, low, high, omitted, next-only, foreign-next, got "sideways"');
    });
  });

  describe('request log', () => {
    it('records each authenticated request: when, which credential, which route; not the challenges; reset by resetStats', async () => {
      const { s, client, url } = await userClient(3);
      const before = Date.now();
      await client.json(`${url}?pageNum=1&itemsPerPage=500`);
      const user = s.dataset.users[0]!;
      expect(s.requestLog).toEqual([{ at: expect.any(Number), credential: `user:${user.username}`, route: '/users/{USER-ID}/keys', url: `/api/atlas/v1.0/users/${user.id}/keys?pageNum=1&itemsPerPage=500` }]);
      expect(s.requestLog[0]!.at).toBeGreaterThanOrEqual(before);
      expect(s.stats.challenges).toBe(1);
      s.resetStats();
      expect(s.requestLog).toEqual([]);
    });

    it('keeps no request log unless asked', async () => {
      const s = await fixture.start({ dataset: generateDataset({ users: 1, keysPerUser: 1, projects: 0, now: NOW }) });
      const user = s.dataset.users[0]!;
      await fixture.client(user.username, user.apiKey).json(`${s.atlasBaseUrl}/users/${user.id}/keys`);
      expect(s.stats.dataRequests).toBe(1);
      expect(s.requestLog).toEqual([]);
    });
  });
});
