import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset, type Dataset, type Fault } from '../../src/simulator/index.js';
import type { LoggedRequest } from '../../src/simulator/server.js';
import { valueOf, type Sample } from '../helpers/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const AGENT_KEYS = '/groups/{PROJECT-ID}/agentapikeys';
const RETRY_AFTER_SECONDS = 2;

/** One Cloud Manager key reads six projects; a user key stands beside it. */
function dataset(seed: number): Dataset {
  return generateDataset({ seed, users: 1, keysPerUser: 1, projects: 6, keysPerProject: 1, credentials: 1 });
}

/**
 * A stack whose requests go one at a time (so none is in flight when another's answer arrives)
 * and whose poll.timeout (1 s) is shorter than the Retry-After the tests send.
 */
async function startLimited(data: Dataset): Promise<Stack> {
  return startStack({
    dataset: data,
    simulator: { logRequests: true },
    configure: (config) => {
      config.poll.timeout = '1s';
      config.poll.concurrency = 1;
    },
  });
}

const sleepUntil = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now())));

/** The faulted answer: the first request to the victim's keys after the fault was set. */
function faulted(log: readonly LoggedRequest[], victimId: string): LoggedRequest {
  const request = log.find((candidate) => candidate.route === AGENT_KEYS && candidate.url.includes(victimId));
  expect(request).toBeDefined();
  return request!;
}

/** The projects whose keys the credential asked for at or after `since`. */
function askedSince(log: readonly LoggedRequest[], credential: string, since: number): LoggedRequest[] {
  return log.filter((request) => request.credential === credential && request.at >= since);
}

const errors = (samples: Sample[], projectId: string, reason: string) => valueOf(samples, 'mongodb_apikey_scope_errors_total', { project_id: projectId, reason });

describe('Retry-After is a minimum, for every request of the credential', () => {
  it('a 429 longer than poll.timeout fails at once as rate_limited, and the credential sends nothing until then, this cycle or the next', async () => {
    const data = dataset(131);
    stack = await startLimited(data);
    const credential = `key:${data.credentials[0]!.publicKey}`;
    const [victim, ...others] = data.projects;
    stack.sim.setFault(victim!.id, { fault: { type: 'status', status: 429, retryAfterSeconds: RETRY_AFTER_SECONDS }, times: 1 });
    stack.sim.resetStats();

    const started = Date.now();
    await stack.cycle();
    // No sleeping for the Retry-After inside the cycle.
    expect(Date.now() - started).toBeLessThan(RETRY_AFTER_SECONDS * 1000);
    const limited = faulted(stack.sim.requestLog, victim!.id);
    const resume = limited.at + RETRY_AFTER_SECONDS * 1000;
    let samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { project_id: victim!.id })).toBe(0);
    expect(errors(samples, victim!.id, 'rate_limited')).toBe(1);
    // The projects the cycle reached after the 429 fail unsent; the user key is another credential.
    const before = new Set(stack.sim.requestLog.filter((request) => request.at < limited.at).map((request) => request.url));
    const after = others.filter((project) => ![...before].some((url) => url.includes(project.id)));
    expect(after.length).toBeGreaterThan(0);
    for (const project of after) expect(errors(samples, project.id, 'rate_limited')).toBe(1);
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'user' })).toBe(1);

    // The next cycle, still inside the pause: discovery and every project fail unsent.
    await stack.cycle();
    samples = await stack.scrape();
    for (const project of data.projects) expect(valueOf(samples, 'mongodb_apikey_scope_up', { project_id: project.id })).toBe(0);
    expect(askedSince(stack.sim.requestLog, credential, limited.at)).toEqual([limited]);
    expect(stack.logs.some((line) => line.includes('scope poll failed') && line.includes('"reason":"rate_limited"') && line.includes('not sent: the API asked this credential to wait until'))).toBe(true);

    // Once what is left of the pause fits in poll.timeout, the requests wait it out and go.
    await sleepUntil(resume - 700);
    await stack.cycle();
    samples = await stack.scrape();
    for (const project of data.projects) expect(valueOf(samples, 'mongodb_apikey_scope_up', { project_id: project.id })).toBe(1);
    const later = askedSince(stack.sim.requestLog, credential, limited.at).slice(1);
    expect(later.length).toBeGreaterThanOrEqual(data.projects.length);
    for (const request of later) expect(request.at).toBeGreaterThanOrEqual(resume);
  }, 20_000);

  it('a 503 with Retry-After holds the credential the same way (the 503 itself is server_error)', async () => {
    const data = dataset(132);
    stack = await startLimited(data);
    const credential = `key:${data.credentials[0]!.publicKey}`;
    const [victim] = data.projects;
    const fault: Fault = { type: 'status', status: 503, retryAfterSeconds: RETRY_AFTER_SECONDS };
    stack.sim.setFault(victim!.id, { fault, times: 1 });
    stack.sim.resetStats();
    await stack.cycle();
    const limited = faulted(stack.sim.requestLog, victim!.id);
    const resume = limited.at + RETRY_AFTER_SECONDS * 1000;
    const samples = await stack.scrape();
    expect(errors(samples, victim!.id, 'server_error')).toBe(1);
    expect(askedSince(stack.sim.requestLog, credential, limited.at)).toEqual([limited]);
    await sleepUntil(resume - 700);
    await stack.cycle();
    const later = askedSince(stack.sim.requestLog, credential, limited.at).slice(1);
    expect(later.length).toBeGreaterThanOrEqual(data.projects.length);
    for (const request of later) expect(request.at).toBeGreaterThanOrEqual(resume);
  }, 20_000);

  it('a 429 whose Retry-After fits in poll.timeout is waited out in the cycle, by every request of the credential', async () => {
    const data = dataset(133);
    stack = await startLimited(data);
    const credential = `key:${data.credentials[0]!.publicKey}`;
    const [victim] = data.projects;
    stack.sim.setFault(victim!.id, { fault: { type: 'status', status: 429, retryAfterSeconds: 1 }, times: 1 });
    stack.sim.resetStats();
    await stack.cycle();
    const limited = faulted(stack.sim.requestLog, victim!.id);
    const samples = await stack.scrape();
    for (const project of data.projects) expect(valueOf(samples, 'mongodb_apikey_scope_up', { project_id: project.id })).toBe(1);
    const later = askedSince(stack.sim.requestLog, credential, limited.at).slice(1);
    expect(later.length).toBeGreaterThan(0);
    for (const request of later) expect(request.at).toBeGreaterThanOrEqual(limited.at + 1_000);
  }, 20_000);
});
