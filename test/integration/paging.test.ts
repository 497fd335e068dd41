import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset, organizationsConfigFor, startSimulator, type Dataset, type Simulator } from '../../src/simulator/index.js';
import type { PagingMode } from '../../src/simulator/server.js';
import { select, valueOf, type Sample } from '../helpers/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
let stranger: Simulator | undefined;
afterEach(async () => {
  await stack?.close();
  await stranger?.close();
  stack = undefined;
  stranger = undefined;
});

// More than one page of 500 in both APIs: 620 programmatic keys of an organisation (v2), 1,201 personal keys (v1.0).
const DATASET = { seed: 121, users: 1, keysPerUser: 1_201, projects: 1, keysPerProject: 1, orgs: 1, programmaticKeysPerOrg: 620 };

async function startPaged(dataset: Dataset, paging: PagingMode): Promise<Stack> {
  return startStack({
    dataset,
    simulator: { paging, logRequests: true },
    // Access lists off: 620 of them per cycle would only slow the test (and empty the v2 token bucket).
    configure: (config, sim) => (config.organizations = organizationsConfigFor(sim).flatMap((entry) => ('publicKey' in entry ? [{ ...entry, accessLists: false }] : []))),
  });
}

/** Every key of the listing published exactly once: the count says so, and each id has one info series. */
function expectEachOnce(samples: Sample[], labels: Record<string, string>, ids: string[]): void {
  expect(valueOf(samples, 'mongodb_apikey_keys', labels)).toBe(ids.length);
  const published = select(samples, 'mongodb_apikey_info', labels).map((sample) => sample.labels.key_id);
  expect(published).toHaveLength(ids.length);
  expect(new Set(published)).toEqual(new Set(ids));
}

function expectEveryKey(samples: Sample[], dataset: Dataset): void {
  const org = dataset.orgs![0]!;
  expect(org.programmaticKeys).toHaveLength(620);
  expectEachOnce(samples, { kind: 'programmatic', org_id: org.id }, org.programmaticKeys.map((key) => String(key['id'])));
  const user = dataset.users[0]!;
  expectEachOnce(samples, { kind: 'user', user_id: user.id }, user.keys.map((key) => String(key['id'])));
  expect(select(samples, 'mongodb_apikey_scope_up').every((sample) => sample.value === 1)).toBe(true);
}

describe('paging: every key of a long listing, whatever totalCount says', () => {
  it.each<[PagingMode, string]>([
    ['exact', 'totalCount is the real count'],
    ['low', 'totalCount is half the real count'],
    ['high', 'totalCount is twice the real count'],
    ['omitted', 'neither totalCount nor links'],
    ['next-only', 'no totalCount, pages of 200 and next links'],
  ])('%s: %s', async (mode) => {
    const dataset = generateDataset(DATASET);
    stack = await startPaged(dataset, mode);
    expectEveryKey(await stack.scrape(), dataset);
  });

  it('follows a paging change at run time (setPaging) from one cycle to the next', async () => {
    const dataset = generateDataset(DATASET);
    stack = await startPaged(dataset, 'exact');
    stack.sim.setPaging('low');
    stack.sim.resetStats();
    await stack.cycle();
    expectEveryKey(await stack.scrape(), dataset);
    // Page 1 says 250 (v2) and 600 (v1.0) items: both listings went past it to their third page.
    expect(stack.sim.requestLog.filter((request) => /[?&]pageNum=3&/.test(request.url))).toHaveLength(1);
  });

  it('fails a listing whose next link leaves the origin as invalid_response, and sends nothing there', async () => {
    const dataset = generateDataset(DATASET);
    stack = await startPaged(dataset, 'exact');
    stranger = await startSimulator({ dataset: generateDataset({ users: 0, projects: 0 }) });
    stack.sim.setPaging({ mode: 'foreign-next', foreignOrigin: stranger.url });
    await stack.cycle();
    const samples = await stack.scrape();
    const org = dataset.orgs![0]!;
    const user = dataset.users[0]!;
    const scopes: Record<string, string>[] = [{ kind: 'programmatic', org_id: org.id }, { kind: 'user', user_id: user.id }];
    for (const labels of scopes) {
      expect(valueOf(samples, 'mongodb_apikey_scope_up', labels)).toBe(0);
      expect(valueOf(samples, 'mongodb_apikey_scope_errors_total', { ...labels, reason: 'invalid_response' })).toBe(1);
    }
    expect(stranger.stats.requests).toBe(0);
    expect(stack.logs.some((line) => line.includes('scope poll failed') && line.includes(`next link leaves ${stack!.sim.url}`))).toBe(true);
  });
});
