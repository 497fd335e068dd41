import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset, type Simulator } from '../../src/simulator/index.js';
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

const NOW = Date.UTC(2025, 0, 1);

describe('simulator paging', () => {
  const fixture = new SimulatorFixture();
  afterEach(() => fixture.close());

  async function userClient(keys: number): Promise<{ s: Simulator; client: TestDigestClient; url: string }> {
    const s = await fixture.start({ dataset: generateDataset({ users: 1, keysPerUser: keys, projects: 0, now: NOW }) });
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
});
