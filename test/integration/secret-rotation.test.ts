import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset, type SimOrgCredential, type Simulator } from '../../src/simulator/index.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { KubernetesSecretVolume } from '../helpers/kubernetes-secret.js';
import { valueOf } from '../helpers/metrics.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';

const DATASET = { seed: 141, users: 2, keysPerUser: 1, projects: 2, keysPerProject: 1, orgs: 2, programmaticKeysPerOrg: 1, serviceAccountsPerOrg: 1, secretsPerServiceAccount: 1 };
const SECRET_FILE_READ = 'mongodb_apikey_secret_file_read_successful';

let stack: Stack | undefined;
let folder: string | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  folder = undefined;
});

type Digest = Extract<SimOrgCredential, { kind: 'digest' }>;
type OAuth = Extract<SimOrgCredential, { kind: 'oauth' }>;

/** The data set's first user, first Cloud Manager key, an organisation key (first org) and a service account (second org), each with its secret in a Kubernetes Secret volume. */
async function rotationStack(): Promise<{ stack: Stack; volume: KubernetesSecretVolume; ids: Record<'user' | 'project' | 'digest' | 'oauth', string>; secrets: () => Record<string, string> }> {
  folder = await mkdtemp(join(tmpdir(), 'apikey-rotation-'));
  const dataset = generateDataset(DATASET);
  const digest = dataset.orgCredentials!.find((c): c is Digest => c.kind === 'digest')!;
  const oauth = dataset.orgCredentials!.find((c): c is OAuth => c.kind === 'oauth' && !c.orgIds.includes(digest.orgIds[0]!))!;
  const user = dataset.users[0]!;
  const key = dataset.credentials[0]!;
  const secrets = () => ({ user: user.apiKey, project: key.privateKey, digest: digest.privateKey, oauth: oauth.clientSecret });
  const volume = await KubernetesSecretVolume.create(join(folder, 'secrets'), secrets());
  const started = await startStack({
    dataset,
    configure: (config, sim) => {
      config.poll.interval = '1s';
      config.poll.timeout = '1s';
      config.users[0] = { ...config.users[0], apiKey: undefined, apiKeyFile: volume.path('user') };
      config.projects[0] = { ...config.projects[0], privateKey: undefined, privateKeyFile: volume.path('project') };
      config.organizations = [
        { publicKey: digest.publicKey, privateKeyFile: volume.path('digest'), baseUrl: sim.atlasV2BaseUrl, ids: [digest.orgIds[0]] },
        { clientId: oauth.clientId, clientSecretFile: volume.path('oauth'), baseUrl: sim.atlasV2BaseUrl, ids: [oauth.orgIds[0]] },
      ];
      for (const entry of [...config.users, ...config.projects]) for (const field of ['apiKey', 'privateKey']) if (entry[field] === undefined) delete entry[field];
    },
  });
  stack = started;
  const host = new URL(started.sim.url).host;
  return {
    stack: started,
    volume,
    ids: { user: `${user.username}@${host}`, project: `${key.publicKey}@${host}`, digest: `${digest.publicKey}@${host}`, oauth: `${oauth.clientId}@${host}` },
    secrets,
  };
}

/** Records, for every cycle the poller completes, the scopes of `credentials` that were down. */
function recordCycles(stackOf: Stack, credentials: ReadonlySet<string>): { down: Map<number, string[]>; stop: () => void } {
  const down = new Map<number, string[]>();
  const take = (snapshot: Snapshot | undefined) => {
    if (snapshot === undefined || down.has(snapshot.cycle)) return;
    down.set(snapshot.cycle, snapshot.scopes.filter((state) => credentials.has(state.scope.credentialId) && !state.up).map((state) => `${state.scope.kind}/${state.scope.id}`));
  };
  const timer = setInterval(() => take(stackOf.exporter.poller.snapshot), 10);
  return { down, stop: () => clearInterval(timer) };
}

async function everyOutput(stackOf: Stack): Promise<string> {
  const [metrics, page, keys] = await Promise.all(
    ['/metrics', '/', '/keys.json'].map(async (path) => (await fetch(`${stackOf.exporter.url}${path}`)).text()),
  );
  return [metrics, page, keys, ...stackOf.logs].join('\n');
}

const rotate = (sim: Simulator, id: string, secret: string): void => {
  expect(sim.rotateSecret(id.slice(0, id.lastIndexOf('@')), secret)).toBe(true);
};

describe('secret files rotated the Kubernetes way, while polling', () => {
  it('digest and OAuth credentials take the new secret: their scopes are down at most one cycle, and no secret is ever in the output', async () => {
    const { stack: running, volume, ids, secrets } = await rotationStack();
    const credentials = new Set(Object.values(ids));
    const old = secrets();
    const cycles = recordCycles(running, credentials);
    await waitFor(() => (running.exporter.poller.snapshot?.cycle ?? 0) >= 2, 20_000);
    expect(running.exporter.poller.snapshot!.scopes.every((state) => state.up)).toBe(true);
    const issuedBefore = running.sim.adminApiStats.tokensIssued;
    const fresh = { user: 'rotated-user-key', project: 'rotated-project-key', digest: 'rotated-org-key', oauth: 'rotated-client-secret' };
    // MongoDB Cloud takes the new secrets first, then the kubelet swaps the volume.
    for (const name of ['user', 'project', 'digest', 'oauth'] as const) rotate(running.sim, ids[name], fresh[name]);
    const rotatedAt = running.exporter.poller.snapshot!.cycle;
    await volume.update(fresh);
    await waitFor(() => (running.exporter.poller.snapshot?.cycle ?? 0) >= rotatedAt + 4, 30_000);
    cycles.stop();

    const afterRotation = [...cycles.down].filter(([cycle]) => cycle > rotatedAt);
    const downCycles = new Map<string, number>();
    for (const [, scopes] of afterRotation) for (const scope of scopes) downCycles.set(scope, (downCycles.get(scope) ?? 0) + 1);
    expect([...downCycles].filter(([, count]) => count > 1), 'scopes down more than one cycle').toEqual([]);
    expect(afterRotation.at(-1)?.[1]).toEqual([]);
    // The service account's token was fetched with the new secret and the old one revoked.
    expect(running.sim.adminApiStats.tokensIssued).toBeGreaterThan(issuedBefore);
    expect(running.sim.adminApiStats.tokensRevoked).toBeGreaterThanOrEqual(1);
    const samples = await running.scrape();
    for (const [name, field] of [['user', 'apiKey'], ['project', 'privateKey'], ['digest', 'privateKey'], ['oauth', 'clientSecret']] as const) {
      expect(valueOf(samples, SECRET_FILE_READ, { credential: ids[name], field }), name).toBe(1);
    }
    expect(running.logs.filter((line) => line.includes('the secret file changed')).length).toBeGreaterThanOrEqual(4);
    const output = await everyOutput(running);
    for (const secret of [...Object.values(old), ...Object.values(fresh)]) expect(output).not.toContain(secret);
  });

  it('a file that turns empty or unreadable keeps the last good value, says so with its path and code, and the metric is 0 until it is good again', async () => {
    const { stack: running, volume, ids, secrets } = await rotationStack();
    const good = secrets();
    const user = { credential: ids.user, field: 'apiKey' };
    await volume.update({ ...good, user: '  \n' });
    await waitFor(() => running.logs.some((line) => line.includes('cannot read the secret file') && line.includes('"code":"EMPTY"')), 10_000);
    expect(valueOf(await running.scrape(), SECRET_FILE_READ, user)).toBe(0);
    expect(valueOf(await running.scrape(), SECRET_FILE_READ, { credential: ids.project, field: 'privateKey' })).toBe(1);
    let snapshot = await running.cycle();
    expect(snapshot.scopes.filter((state) => state.scope.credentialId === ids.user).every((state) => state.up)).toBe(true);

    await volume.update(good);
    await waitFor(() => running.logs.some((line) => line.includes('the secret file is readable again')), 10_000);
    expect(valueOf(await running.scrape(), SECRET_FILE_READ, user)).toBe(1);
    // Unreadable: the key is gone from the Secret, and the visible name points at nothing.
    const { user: _removed, ...rest } = good;
    await volume.update(rest);
    await waitFor(() => running.logs.some((line) => line.includes('cannot read the secret file') && line.includes('"code":"ENOENT"')), 10_000);
    expect(valueOf(await running.scrape(), SECRET_FILE_READ, user)).toBe(0);
    snapshot = await running.cycle();
    expect(snapshot.scopes.filter((state) => state.scope.credentialId === ids.user).every((state) => state.up)).toBe(true);
    const warning = running.logs.find((line) => line.includes('cannot read the secret file'))!;
    expect(JSON.parse(warning)).toMatchObject({ credential: ids.user, field: 'apiKey', path: volume.path('user') });
    const output = await everyOutput(running);
    for (const secret of Object.values(good)) expect(output).not.toContain(secret);
  });
});
