import { describe, expect, it } from 'vitest';
import { escapeLabelValue, label } from '../../../src/metrics/families.js';
import { buildKeyExpositionBytes, renderKeyExposition, renderTimed } from '../../../src/metrics/key-exposition.js';
import { FIXED_NOW, SNAPSHOT } from '../fixtures/key-snapshot.js';
import type { Slabs } from '../../../src/metrics/slabs.js';

/** Small slabs whose holders are counted, as the pool counts them. */
class CountedSlabs implements Slabs {
  readonly #counts = new Map<ArrayBufferLike, number>();
  readonly #size: number;
  taken = 0;

  constructor(size: number) {
    this.#size = size;
  }

  take(): Buffer {
    const slab = Buffer.alloc(this.#size);
    this.#counts.set(slab.buffer, 1);
    this.taken++;
    return slab;
  }

  retain(chunk: Buffer): void {
    this.#counts.set(chunk.buffer, this.holders(chunk) + 1);
  }

  release(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) this.#counts.set(chunk.buffer, this.holders(chunk) - 1);
  }

  holders(chunk: Buffer): number {
    return this.#counts.get(chunk.buffer) ?? 0;
  }

  get heldSlabs(): number {
    return [...this.#counts.values()].filter((count) => count > 0).length;
  }
}

const render = (nowMs = FIXED_NOW) => renderKeyExposition(SNAPSHOT, nowMs);

const samples = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

/** The value of the one sample with exactly this name and label block, or undefined. */
function valueOf(text: string, series: string): string | undefined {
  const found = samples(text).filter((line) => line.startsWith(`${series} `));
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.slice(series.length + 1);
}

const ALICE = 'kind="user",user_id="5af9a1d29cc0cdb6ac0bf3f8"';
const BOB = 'kind="user",user_id="5af9a1d29cc0cdb6ac0bf3f9"';
const PRODUCTION = 'kind="agent",project_id="5e2211c17a3e5a48f5497de3"';
const LOCKED = 'kind="agent",project_id="5e2211c17a3e5a48f5497de4"';
const STAGING = `{${ALICE},key_id="5af9a1d29cc0cdb6acdca6d5"}`;
const DISABLED = `{${ALICE},key_id="5af9a1d29cc0cdb6acdca6d6"}`;
const PROD_KEY = `{${ALICE},key_id="5af9a1d29cc0cdb6acce1c30"}`;
const BOB_KEY = `{${BOB},key_id="5af9a1d29cc0cdb6acce1c31"}`;
const AGENT_2 = `{${PRODUCTION},key_id="agent-key-2"}`;

describe('escapeLabelValue', () => {
  it.each([
    ['plain', 'plain'],
    ['a\\b', 'a\\\\b'],
    ['say "hi"', 'say \\"hi\\"'],
    ['one\ntwo', 'one\\ntwo'],
    ['\\"\n', '\\\\\\"\\n'],
    ['C:\\new', 'C:\\\\new'],
    ['tab\tand unicode é', 'tab\tand unicode é'],
  ])('%j → %j', (input, expected) => {
    expect(escapeLabelValue(input)).toBe(expected);
  });
});

describe('label', () => {
  it('writes one escaped pair after a comma', () => {
    expect(label('kind', 'user') + label('description', 'a "b"')).toBe(',kind="user",description="a \\"b\\""');
  });

  it('writes nothing for an empty or undefined value, or an absent name', () => {
    expect(label('a', '') + label('kind', 'agent') + label('b', undefined) + label('key_id', 'k') + label(undefined, 'x')).toBe(',kind="agent",key_id="k"');
  });
});


describe('renderKeyExposition', () => {
  const text = render();

  it.each([
    ['mongodb_apikey_info', 'gauge'],
    ['mongodb_apikey_created_timestamp_seconds', 'gauge'],
    ['mongodb_apikey_age_seconds', 'gauge'],
    ['mongodb_apikey_enabled', 'gauge'],
    ['mongodb_apikey_uses', 'gauge'],
    ['mongodb_apikey_last_used_timestamp_seconds', 'gauge'],
    ['mongodb_apikey_idle_seconds', 'gauge'],
    ['mongodb_apikey_keys', 'gauge'],
    ['mongodb_apikey_scope_up', 'gauge'],
    ['mongodb_apikey_scope_last_success_timestamp_seconds', 'gauge'],
    ['mongodb_apikey_scope_errors_total', 'counter'],
    ['mongodb_apikey_last_poll_timestamp_seconds', 'gauge'],
  ])('has %s, typed %s, with HELP and TYPE once, before its samples', (name, type) => {
    const lines = text.split('\n');
    expect(lines.filter((line) => line.startsWith(`# HELP ${name} `))).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith(`# TYPE ${name} `))).toStrictEqual([`# TYPE ${name} ${type}`]);
    const typeAt = lines.indexOf(`# TYPE ${name} ${type}`);
    expect(lines.indexOf(lines.find((line) => line.startsWith(`# HELP ${name} `)) ?? '')).toBe(typeAt - 1);
    const sampleIndexes = lines.flatMap((line, index) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `) ? [index] : []));
    expect(sampleIndexes.length).toBeGreaterThan(0);
    // The samples of a family are one block right after its TYPE line.
    expect(sampleIndexes).toStrictEqual(sampleIndexes.map((_, offset) => typeAt + 1 + offset));
  });

  it('writes every sample as `name{labels} value` on one line', () => {
    const sample = /^mongodb_apikey_[a-z_]+(?:\{(?:[a-z_]+="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-z_]+="(?:[^"\\\n]|\\[\\"n])*")*)?\})? -?\d+(?:\.\d+)?$/;
    for (const line of samples(text)) expect(line).toMatch(sample);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('counts its series', () => {
    expect(buildKeyExpositionBytes(SNAPSHOT).series).toBe(samples(text).length);
  });

  it('computes age exactly at the scrape time', () => {
    expect(valueOf(text, `mongodb_apikey_age_seconds${STAGING}`)).toBe('222470078');
    expect(valueOf(text, `mongodb_apikey_age_seconds${PROD_KEY}`)).toBe('262707894');
    expect(valueOf(text, `mongodb_apikey_age_seconds${AGENT_2}`)).toBe('239908057.136');
    // One scrape later, the same exposition says one minute more.
    expect(valueOf(render(FIXED_NOW + 60_000), `mongodb_apikey_age_seconds${STAGING}`)).toBe('222470138');
  });

  it('computes idle from the last use, or from creation when never used', () => {
    expect(valueOf(text, `mongodb_apikey_idle_seconds${STAGING}`)).toBe('222470077');
    expect(valueOf(text, `mongodb_apikey_idle_seconds${PROD_KEY}`)).toBe('43200.75');
    expect(valueOf(text, `mongodb_apikey_idle_seconds${DISABLED}`)).toBe('13752000');
  });

  it('has no idle series for keys without usage info (agent keys)', () => {
    expect(samples(text).filter((line) => line.startsWith('mongodb_apikey_idle_seconds{kind="agent"'))).toStrictEqual([]);
    expect(samples(text).filter((line) => line.startsWith('mongodb_apikey_enabled{kind="agent"'))).toStrictEqual([]);
    expect(samples(text).filter((line) => line.startsWith('mongodb_apikey_uses{kind="agent"'))).toStrictEqual([]);
    expect(valueOf(text, `mongodb_apikey_age_seconds${AGENT_2}`)).toBeDefined();
  });

  it('has no last_used series for a never-used key, but its use count and enabled state', () => {
    expect(valueOf(text, `mongodb_apikey_last_used_timestamp_seconds${DISABLED}`)).toBeUndefined();
    expect(valueOf(text, `mongodb_apikey_uses${DISABLED}`)).toBe('0');
    expect(valueOf(text, `mongodb_apikey_enabled${DISABLED}`)).toBe('0');
    expect(valueOf(text, `mongodb_apikey_enabled${STAGING}`)).toBe('1');
    expect(valueOf(text, `mongodb_apikey_last_used_timestamp_seconds${STAGING}`)).toBe('1526309123');
    expect(valueOf(text, `mongodb_apikey_last_used_timestamp_seconds${PROD_KEY}`)).toBe('1748735999.25');
    expect(valueOf(text, `mongodb_apikey_created_timestamp_seconds${AGENT_2}`)).toBe('1508871142.864');
  });

  it('publishes the kept keys of a failed scope, and no keys gauge for a scope whose keys are unknown', () => {
    expect(valueOf(text, `mongodb_apikey_keys{${ALICE}}`)).toBe('3');
    expect(valueOf(text, `mongodb_apikey_keys{${PRODUCTION}}`)).toBe('3');
    expect(valueOf(text, `mongodb_apikey_keys{${BOB}}`)).toBe('1');
    expect(valueOf(text, `mongodb_apikey_age_seconds${BOB_KEY}`)).toBeDefined();
    expect(valueOf(text, `mongodb_apikey_keys{${LOCKED}}`)).toBeUndefined();
    expect(samples(text).filter((line) => line.includes(LOCKED) && !line.startsWith('mongodb_apikey_scope_'))).toStrictEqual([]);
  });

  it('says which scopes are up, and when each last succeeded', () => {
    expect(valueOf(text, `mongodb_apikey_scope_up{${ALICE}}`)).toBe('1');
    expect(valueOf(text, `mongodb_apikey_scope_up{${BOB}}`)).toBe('0');
    expect(valueOf(text, `mongodb_apikey_scope_up{${LOCKED}}`)).toBe('0');
    expect(valueOf(text, `mongodb_apikey_scope_last_success_timestamp_seconds{${BOB}}`)).toBe('1748778600');
    expect(valueOf(text, `mongodb_apikey_scope_last_success_timestamp_seconds{${PRODUCTION}}`)).toBe('1748779168.5');
    expect(valueOf(text, `mongodb_apikey_scope_last_success_timestamp_seconds{${LOCKED}}`)).toBeUndefined();
    expect(valueOf(text, 'mongodb_apikey_last_poll_timestamp_seconds')).toBe('1748779170');
  });

  it('has scope_errors_total for all 9 reasons of every scope, zeros included', () => {
    const reasons = ['unauthorized', 'forbidden', 'not_found', 'rate_limited', 'server_error', 'timeout', 'network', 'tls', 'invalid_response'];
    for (const scope of [ALICE, PRODUCTION, BOB, LOCKED]) {
      const lines = samples(text).filter((line) => line.startsWith(`mongodb_apikey_scope_errors_total{${scope},`));
      expect(lines.map((line) => /reason="([a-z_]+)"/.exec(line)?.[1])).toStrictEqual(reasons);
    }
    expect(valueOf(text, `mongodb_apikey_scope_errors_total{${LOCKED},reason="forbidden"}`)).toBe('3');
    expect(valueOf(text, `mongodb_apikey_scope_errors_total{${LOCKED},reason="timeout"}`)).toBe('0');
    expect(valueOf(text, `mongodb_apikey_scope_errors_total{${BOB},reason="timeout"}`)).toBe('2');
    expect(valueOf(text, `mongodb_apikey_scope_errors_total{${ALICE},reason="rate_limited"}`)).toBe('1');
  });

  it('puts descriptive labels on info only, escaped, and leaves out what is unknown', () => {
    expect(samples(text)).toContain(
      `mongodb_apikey_info{${ALICE},key_id="5af9a1d29cc0cdb6acdca6d6",description="CI \\"deploy\\" key C:\\\\keys\\nsecond line",key_suffix="2876",username="alice@example.com"} 1`,
    );
    expect(samples(text)).toContain(
      `mongodb_apikey_info{${PRODUCTION},key_id="agent-key-2",description="Generated by Provisioning",key_suffix="39fe",created_by="PROVISIONING",project_name="Production"} 1`,
    );
    // Empty description: no description label at all.
    expect(samples(text)).toContain(`mongodb_apikey_info{${BOB},key_id="5af9a1d29cc0cdb6acce1c31",key_suffix="beef",username="bob@example.com"} 1`);
    for (const line of samples(text).filter((line) => !line.startsWith('mongodb_apikey_info{'))) {
      expect(line).not.toMatch(/description=|key_suffix=|created_by=|username=|project_name=/);
    }
  });

  it('renders a scrape-time family into slabs of any size (as /metrics streams it) exactly as in one piece', () => {
    const { timed } = buildKeyExpositionBytes(SNAPSHOT);
    expect(timed.length).toBeGreaterThan(0);
    for (const family of timed) {
      const whole = Buffer.concat([...renderTimed(family, FIXED_NOW, () => Buffer.alloc(1 << 20))]).toString();
      expect(whole.split('\n').filter(Boolean)).toHaveLength(family.ends.length);
      // From one series per slab (and slabs too small for one series) up to all of them in one.
      for (const size of [1, 60, 100, 150, 250, 400, 1000]) {
        const slabs = [...renderTimed(family, FIXED_NOW, () => Buffer.alloc(size))];
        expect(Buffer.concat(slabs).toString()).toBe(whole);
      }
    }
  });

  it('keeps every line in one chunk, and every chunk held once, when it renders into small slabs', () => {
    const slabs = new CountedSlabs(300);
    const bytes = buildKeyExpositionBytes(SNAPSHOT, slabs);
    expect(slabs.taken).toBeGreaterThan(10);
    expect(bytes.held).toHaveLength(slabs.taken);
    for (const chunk of bytes.held) expect(slabs.holders(chunk)).toBe(1);
    for (const chunk of bytes.fixed) expect(chunk.toString().endsWith('\n')).toBe(true);
    const text = Buffer.concat([...bytes.fixed, ...bytes.timed.flatMap((family) => [family.header, ...renderTimed(family, FIXED_NOW, () => Buffer.alloc(4096))])]).toString();
    expect(text).toBe(renderKeyExposition(SNAPSHOT, FIXED_NOW));
  });

  it('shares the chunks that did not change with the last snapshot, and only those', () => {
    const slabs = new CountedSlabs(400);
    const first = buildKeyExpositionBytes(SNAPSHOT, slabs);
    // The next cycle: every scope polled again (a new success time), keys unchanged.
    const next = { ...SNAPSHOT, cycle: SNAPSHOT.cycle + 1, scopes: SNAPSHOT.scopes.map((state) => (state.up ? { ...state, lastSuccessAt: FIXED_NOW + 60_000 } : state)) };
    const second = buildKeyExpositionBytes(next, slabs, first);
    const text = (bytes: typeof first) => Buffer.concat([...bytes.fixed, ...bytes.timed.flatMap((family) => [family.header, ...renderTimed(family, FIXED_NOW, () => Buffer.alloc(4096))])]).toString();
    expect(text(second)).toBe(renderKeyExposition(next, FIXED_NOW));
    expect(text(second)).not.toBe(text(first));
    expect(second.families.get('mongodb_apikey_info')).toStrictEqual(first.families.get('mongodb_apikey_info'));
    for (const [name, chunks] of second.families) {
      const before = first.families.get(name) ?? [];
      chunks.forEach((chunk, index) => {
        const shared = chunk === before[index];
        // A shared chunk is the same Buffer, held by both; a new one differs from the old one there.
        expect(slabs.holders(chunk)).toBe(shared ? 2 : 1);
        if (!shared) expect(before[index]?.equals(chunk) ?? false).toBe(false);
      });
    }
    const changed = second.families.get('mongodb_apikey_scope_last_success_timestamp_seconds')!;
    expect(changed.some((chunk, index) => chunk !== first.families.get('mongodb_apikey_scope_last_success_timestamp_seconds')![index])).toBe(true);
    expect(second.families.get('mongodb_apikey_created_timestamp_seconds')!.every((chunk, index) => chunk === first.families.get('mongodb_apikey_created_timestamp_seconds')![index])).toBe(true);
    // The label prefixes of each scrape-time family are its own from the last snapshot, the same Buffers.
    expect(second.timed.map((family) => family.family)).toStrictEqual(first.timed.map((family) => family.family));
    second.timed.forEach((family, index) => {
      expect(family.labels).toHaveLength(first.timed[index]!.labels.length);
      family.labels.forEach((chunk, at) => expect(chunk).toBe(first.timed[index]!.labels[at]));
    });
    // Every slab taken for an equal chunk went straight back.
    expect(slabs.heldSlabs).toBe(new Set([...first.held, ...second.held].map((chunk) => chunk.buffer)).size);
  });

  it('has nothing but an empty text before the first snapshot', () => {
    expect(renderKeyExposition(undefined, FIXED_NOW)).toBe('');
    expect(buildKeyExpositionBytes(undefined).series).toBe(0);
  });

  it('a snapshot with no scopes has only the last poll time', () => {
    expect(samples(renderKeyExposition({ scopes: [], trails: [], completedAt: FIXED_NOW, cycle: 1 }, FIXED_NOW))).toStrictEqual(['mongodb_apikey_last_poll_timestamp_seconds 1748779200']);
  });
});

describe('organisation kinds', () => {
  const ORG = '4888442a3354817a7320eb61';
  const NOW = Date.parse('2025-06-01T00:00:00Z');
  const snapshot = {
    cycle: 1,
    completedAt: NOW,
    trails: [],
    scopes: [
      {
        scope: { kind: 'programmatic', owner: 'org', id: ORG, name: 'Acme', credentialId: 'c' },
        up: true,
        lastSuccessAt: NOW,
        errors: { unauthorized: 0, forbidden: 0, not_found: 0, rate_limited: 0, server_error: 0, timeout: 0, network: 0, tls: 0, invalid_response: 0 },
        keys: [
          { id: 'k1', description: 'billing', suffix: 'a78d', publicKey: 'zmmrboas', tracksUse: true, roles: [{ name: 'ORG_OWNER', orgId: ORG }], accessList: { entries: 0, unrestricted: true, shown: [] } },
          {
            id: 'k2',
            description: 'ci',
            suffix: '',
            tracksUse: true,
            lastUsedAt: NOW - 60_000,
            accessList: {
              entries: 3,
              unrestricted: false,
              shown: [
                { address: '203.0.113.0/24', createdAt: NOW - 86_400_000, lastUsedAt: NOW - 60_000, lastUsedAddress: '203.0.113.7', requests: 40 },
                { address: '198.51.100.7/32', createdAt: NOW - 172_800_000 },
              ],
            },
          },
        ],
      },
      {
        scope: { kind: 'service_account', owner: 'org', id: ORG, name: 'Acme', credentialId: 'c' },
        up: true,
        lastSuccessAt: NOW,
        errors: { unauthorized: 0, forbidden: 0, not_found: 0, rate_limited: 0, server_error: 0, timeout: 0, network: 0, tls: 0, invalid_response: 0 },
        keys: [
          { id: 's1', description: 'ci', suffix: '9f3c', createdAt: NOW - 86_400_000, tracksUse: true, expiresAt: NOW + 3_600_000, clientId: 'mdb_sa_id_1', accountName: 'ci-deployer', roles: [{ name: 'ORG_MEMBER', orgId: ORG }] },
          {
            id: 's2',
            description: 'ci',
            suffix: '11aa',
            createdAt: NOW - 172_800_000,
            tracksUse: true,
            expiresAt: NOW - 60_000,
            lastUsedAt: NOW - 120_000,
            clientId: 'mdb_sa_id_1',
            accountName: 'ci-deployer',
            accessList: { entries: 1, unrestricted: true, shown: [{ address: '::/0', lastUsedAt: NOW - 120_000, lastUsedAddress: '2001:db8::1', requests: 3 }] },
          },
        ],
      },
    ],
  } as const;
  const text = renderKeyExposition(snapshot as never, NOW);
  const key = `kind="programmatic",org_id="${ORG}",key_id="k1"`;
  const secret = (id: string) => `kind="service_account",org_id="${ORG}",key_id="${id}"`;

  it('labels the owner org_id and names it org_name, with the public key, client id and account name', () => {
    expect(valueOf(text, `mongodb_apikey_info{${key},description="billing",key_suffix="a78d",public_key="zmmrboas",org_name="Acme"}`)).toBe('1');
    expect(valueOf(text, `mongodb_apikey_info{${secret('s1')},description="ci",key_suffix="9f3c",client_id="mdb_sa_id_1",account_name="ci-deployer",org_name="Acme"}`)).toBe('1');
  });

  it('publishes roles, access lists, and no creation time where the API gives none', () => {
    expect(valueOf(text, `mongodb_apikey_role_info{${key},role="ORG_OWNER",role_org_id="${ORG}"}`)).toBe('1');
    expect(valueOf(text, `mongodb_apikey_access_list_entries{${key}}`)).toBe('0');
    expect(valueOf(text, `mongodb_apikey_unrestricted{${key}}`)).toBe('1');
    expect(valueOf(text, `mongodb_apikey_age_seconds{${key}}`)).toBeUndefined();
    // Never used, and nothing to count idle time from.
    expect(valueOf(text, `mongodb_apikey_idle_seconds{${key}}`)).toBeUndefined();
  });

  it('publishes each shown access-list entry: creation, last use and the requests from its last address', () => {
    const k2 = `kind="programmatic",org_id="${ORG}",key_id="k2"`;
    expect(valueOf(text, `mongodb_apikey_access_list_entries{${k2}}`)).toBe('3');
    expect(valueOf(text, `mongodb_apikey_access_list_entry_created_timestamp_seconds{${k2},entry="203.0.113.0/24"}`)).toBe(String((NOW - 86_400_000) / 1000));
    expect(valueOf(text, `mongodb_apikey_access_list_entry_last_used_timestamp_seconds{${k2},entry="203.0.113.0/24"}`)).toBe(String((NOW - 60_000) / 1000));
    expect(valueOf(text, `mongodb_apikey_access_list_entry_requests{${k2},entry="203.0.113.0/24",last_used_address="203.0.113.7"}`)).toBe('40');
    // Never used: a creation time, no last use, no requests.
    expect(valueOf(text, `mongodb_apikey_access_list_entry_created_timestamp_seconds{${k2},entry="198.51.100.7/32"}`)).toBe(String((NOW - 172_800_000) / 1000));
    expect(text).not.toContain(`mongodb_apikey_access_list_entry_last_used_timestamp_seconds{${k2},entry="198.51.100.7/32"}`);
    expect(text).not.toContain(`mongodb_apikey_access_list_entry_requests{${k2},entry="198.51.100.7/32"`);
  });

  it("publishes a service-account secret's access list like a programmatic key's", () => {
    expect(valueOf(text, `mongodb_apikey_access_list_entries{${secret('s2')}}`)).toBe('1');
    expect(valueOf(text, `mongodb_apikey_unrestricted{${secret('s2')}}`)).toBe('1');
    expect(valueOf(text, `mongodb_apikey_access_list_entry_requests{${secret('s2')},entry="::/0",last_used_address="2001:db8::1"}`)).toBe('3');
    expect(valueOf(text, `mongodb_apikey_unrestricted{${secret('s1')}}`)).toBeUndefined();
    // Its entry has no creation time: no series of it.
    expect(text).not.toContain(`mongodb_apikey_access_list_entry_created_timestamp_seconds{${secret('s2')}`);
  });

  it('counts down to expiry at scrape time, below zero once expired', () => {
    expect(valueOf(text, `mongodb_apikey_expiry_timestamp_seconds{${secret('s1')}}`)).toBe(String((NOW + 3_600_000) / 1000));
    expect(valueOf(text, `mongodb_apikey_expires_in_seconds{${secret('s1')}}`)).toBe('3600');
    expect(valueOf(text, `mongodb_apikey_expires_in_seconds{${secret('s2')}}`)).toBe('-60');
    expect(valueOf(renderKeyExposition(snapshot as never, NOW + 1_000), `mongodb_apikey_expires_in_seconds{${secret('s1')}}`)).toBe('3599');
    expect(valueOf(text, `mongodb_apikey_idle_seconds{${secret('s1')}}`)).toBe('86400');
    expect(valueOf(text, `mongodb_apikey_idle_seconds{${secret('s2')}}`)).toBe('120');
  });
});
