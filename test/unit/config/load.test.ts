import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors/config-error.js';
import { loadConfig, parseConfigText, redactConfig } from '../../../src/config/load.js';
import { Secret } from '../../../src/config/secret.js';
import { thrownBy } from '../../helpers/thrown.js';

const PROJECT_A = '5e2211c17a3e5a48f5497de3';
const PROJECT_B = '5e2211c17a3e5a48f5497de4';
const USER_ID = '5af9a1d29cc0cdb6ac0bf3f8';
const ONE_USER = 'users:\n  - {username: alice@example.com, apiKey: supersecret}\n';

let root: string;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'apikey-exporter-load-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The config with every Secret replaced by its current value, to compare with literals. */
function revealed(value: unknown): unknown {
  if (value instanceof Secret) return value.value();
  if (Array.isArray(value)) return value.map(revealed);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, revealed(field)]));
}

/** Writes the files of one case (paths relative to a fresh folder; a trailing / makes a folder) and returns the folder. */
async function folderWith(files: Readonly<Record<string, string>>): Promise<string> {
  const folder = join(root, `case-${++counter}`);
  await mkdir(folder, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const path = join(folder, name);
    if (name.endsWith('/')) {
      await mkdir(path, { recursive: true });
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    }
  }
  return folder;
}

async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

function parseErrorOf(text: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfigText(text, env, 'config.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, the config was accepted');
}

describe('parseConfigText', () => {
  it('fills every default of poll, users and projects', () => {
    const file = parseConfigText(
      `users:\n  - {username: alice@example.com, apiKey: k1}\nprojects:\n  - {publicKey: pub, privateKey: k2, discover: true}\n`,
      {},
      'config.yaml',
    );
    expect(file.poll).toStrictEqual({ interval: 300_000, concurrency: 8, timeout: 30_000, retries: 3, staleAfter: 3_600_000, maxResponseBytes: 16_777_216 });
    expect(file.users).toStrictEqual([
      { username: 'alice@example.com', apiKey: 'k1', baseUrl: 'https://cloud.mongodb.com/api/atlas/v1.0' },
    ]);
    expect(file.projects).toStrictEqual([
      { publicKey: 'pub', privateKey: 'k2', baseUrl: 'https://cloud.mongodb.com/api/public/v1.0', ids: [], discover: true },
    ]);
  });

  it('keeps the values that are given', () => {
    const file = parseConfigText(
      [
        'poll:',
        '  interval: 10m',
        '  concurrency: 2',
        '  timeout: 5s',
        '  retries: 0',
        '  staleAfter: 1h',
        '  maxRequestsPerSecond: 1.5',
        'users:',
        `  - {username: bob, apiKey: k, userId: ${USER_ID}, baseUrl: "https://ops.example.com:8443/api/public/v1.0/"}`,
        'projects:',
        `  - {publicKey: pub, privateKey: k2, ids: [${PROJECT_A}, ${PROJECT_B}], discover: false}`,
      ].join('\n'),
      {},
      'config.yaml',
    );
    expect(file.poll).toStrictEqual({ interval: 600_000, concurrency: 2, timeout: 5_000, retries: 0, staleAfter: 3_600_000, maxResponseBytes: 16_777_216, maxRequestsPerSecond: 1.5 });
    // The trailing slash is dropped so paths can be appended.
    expect(file.users[0]).toStrictEqual({ username: 'bob', apiKey: 'k', userId: USER_ID, baseUrl: 'https://ops.example.com:8443/api/public/v1.0' });
    expect(file.projects[0]?.ids).toStrictEqual([PROJECT_A, PROJECT_B]);
  });

  it.each([
    ['300', 300_000],
    ['"300"', 300_000],
    ['"300s"', 300_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['90000ms', 90_000],
  ])('reads the interval %s as %d ms', (written, ms) => {
    const file = parseConfigText(`poll:\n  interval: ${written}\n${ONE_USER}`, {}, 'config.yaml');
    expect(file.poll.interval).toBe(ms);
  });

  it('reads every duration field in every form', () => {
    const file = parseConfigText(`poll: {interval: 600, timeout: 500ms, staleAfter: 1h30m}\n${ONE_USER}`, {}, 'config.yaml');
    expect(file.poll).toMatchObject({ interval: 600_000, timeout: 500, staleAfter: 5_400_000 });
  });

  it('interpolates ${ENV} in every string, and $$ is a literal $', () => {
    const env = { ALICE_KEY: 'from-env', AT_HOST: 'atlas.example.com', PROJECT: PROJECT_A, INTERVAL: '2m' };
    const file = parseConfigText(
      [
        'poll: {interval: "${INTERVAL}"}',
        'users:',
        '  - {username: "alice", apiKey: "${ALICE_KEY}$$", baseUrl: "https://${AT_HOST}/api/atlas/v1.0"}',
        'projects:',
        '  - {publicKey: pub, privateKey: k, ids: ["${PROJECT}"]}',
      ].join('\n'),
      env,
      'config.yaml',
    );
    expect(file.poll.interval).toBe(120_000);
    expect(file.users[0]).toMatchObject({ apiKey: 'from-env$', baseUrl: 'https://atlas.example.com/api/atlas/v1.0' });
    expect(file.projects[0]?.ids).toStrictEqual([PROJECT_A]);
  });

  it('names the source and the field of a variable that is not set', () => {
    const error = parseErrorOf('users:\n  - {username: alice, apiKey: "${ALICE_KEY}"}\n');
    expect(error.message).toBe('config.yaml: users[0].apiKey: environment variable ALICE_KEY is not set');
  });

  it('lets the same username through for two different base URLs', () => {
    const file = parseConfigText(
      'users:\n  - {username: a, apiKey: k}\n  - {username: a, apiKey: k, baseUrl: "https://ops.example.com/api/public/v1.0"}\n',
      {},
      'config.yaml',
    );
    expect(file.users).toHaveLength(2);
  });

  it('reports every offending field at once, not just the first', () => {
    const error = parseErrorOf('poll: {concurrency: 0, retries: 11}\nusers:\n  - {username: a}\n');
    expect(error.message).toContain('poll.concurrency');
    expect(error.message).toContain('poll.retries');
    expect(error.message).toContain('users[0].apiKey');
  });
});

describe('loadConfig', () => {
  it('reads apiKeyFile and privateKeyFile relative to the config file, trimmed', async () => {
    const folder = await folderWith({
      'conf/config.yaml': [
        'users:',
        '  - {username: alice@example.com, apiKeyFile: secrets/alice}',
        'projects:',
        `  - {publicKey: pub, privateKeyFile: ../cm-private-key, ids: [${PROJECT_A}]}`,
      ].join('\n'),
      'conf/secrets/alice': '  alice-file-secret \n\n',
      'cm-private-key': 'cm-file-secret\n',
    });
    const config = await loadConfig(join(folder, 'conf/config.yaml'), {});
    expect(revealed(config)).toStrictEqual({
      poll: { intervalMs: 300_000, concurrency: 8, timeoutMs: 30_000, retries: 3, staleAfterMs: 3_600_000, maxResponseBytes: 16_777_216 },
      users: [{ username: 'alice@example.com', apiKey: 'alice-file-secret', baseUrl: 'https://cloud.mongodb.com/api/atlas/v1.0' }],
      projects: [
        { publicKey: 'pub', privateKey: 'cm-file-secret', baseUrl: 'https://cloud.mongodb.com/api/public/v1.0', ids: [PROJECT_A], discover: false },
      ],
      organizations: [],
    });
  });

  it('reads an absolute secret path, and a path that comes from ${ENV}', async () => {
    const folder = await folderWith({ 'key-a': 'secret-a', 'key-b': 'secret-b', 'config.yaml': '' });
    await writeFile(
      join(folder, 'config.yaml'),
      `users:\n  - {username: a, apiKeyFile: ${join(folder, 'key-a')}}\n  - {username: b, apiKeyFile: "\${SECRETS}/key-b", userId: ${USER_ID}}\n`,
    );
    const config = await loadConfig(join(folder, 'config.yaml'), { SECRETS: folder });
    expect(config.users.map((user) => user.apiKey.value())).toStrictEqual(['secret-a', 'secret-b']);
    expect(config.users[1]?.userId).toBe(USER_ID);
    expect(config.users[0]).not.toHaveProperty('userId');
  });

  it('converts every poll setting to milliseconds and keeps maxRequestsPerSecond only when given', async () => {
    const folder = await folderWith({
      'a.yaml': `poll: {interval: 1h, concurrency: 3, timeout: 45s, retries: 10, staleAfter: 2h}\n${ONE_USER}`,
      'b.yaml': `poll: {maxRequestsPerSecond: 4}\n${ONE_USER}`,
    });
    const a = await loadConfig(join(folder, 'a.yaml'), {});
    expect(a.poll).toStrictEqual({ intervalMs: 3_600_000, concurrency: 3, timeoutMs: 45_000, retries: 10, staleAfterMs: 7_200_000, maxResponseBytes: 16_777_216 });
    const b = await loadConfig(join(folder, 'b.yaml'), {});
    expect(b.poll.maxRequestsPerSecond).toBe(4);
  });

  it('inline secrets win without touching the disk', async () => {
    const folder = await folderWith({ 'config.yaml': 'users:\n  - {username: a, apiKey: "${KEY}"}\n' });
    const config = await loadConfig(join(folder, 'config.yaml'), { KEY: 'inline-from-env' });
    expect(config.users[0]?.apiKey.value()).toBe('inline-from-env');
  });

  it('a config file that cannot be read is a ConfigError naming it', async () => {
    const path = join(root, 'no-such-folder', 'config.yaml');
    const error = await configErrorOf(loadConfig(path, {}));
    expect(error.message).toBe(`cannot read config file ${path}: ENOENT`);
  });

  interface BadCase {
    readonly name: string;
    readonly yaml: string;
    readonly files?: Readonly<Record<string, string>>;
    readonly env?: NodeJS.ProcessEnv;
    /** Substrings of the message the user sees; the first names the field. */
    readonly expected: readonly string[];
  }

  const BAD: readonly BadCase[] = [
    { name: 'bad YAML', yaml: 'users: [\n  - {username: a\n', expected: ['invalid YAML'] },
    {
      name: 'duplicate YAML key',
      yaml: 'poll:\n  interval: 5m\n  interval: 10m\nusers:\n  - {username: a, apiKeyFile: k}\n',
      files: { k: 'x' },
      expected: ['invalid YAML', 'Map keys must be unique', 'line 3'],
    },
    { name: 'top level is not a map', yaml: '- users\n', expected: ['invalid configuration', 'expected object'] },
    { name: 'users is not a list', yaml: 'users: {username: a, apiKey: supersecret}\n', expected: ['→ at users', 'expected array'] },
    { name: 'concurrency as a string', yaml: `poll: {concurrency: "8"}\n${ONE_USER}`, expected: ['poll.concurrency', 'expected number'] },
    { name: 'username as a number', yaml: 'users:\n  - {username: 42, apiKey: supersecret}\n', expected: ['users[0].username', 'expected string'] },
    { name: 'discover as a string', yaml: `projects:\n  - {publicKey: p, privateKey: supersecret, discover: "yes"}\n`, expected: ['projects[0].discover', 'expected boolean'] },
    { name: 'fractional retries', yaml: `poll: {retries: 1.5}\n${ONE_USER}`, expected: ['poll.retries'] },
    { name: 'unknown top-level key', yaml: `polling: {interval: 5m}\n${ONE_USER}`, expected: ['Unrecognized key: "polling"'] },
    { name: 'unknown key in poll', yaml: `poll: {intervall: 5m}\n${ONE_USER}`, expected: ['Unrecognized key: "intervall"', '→ at poll'] },
    { name: 'unknown key in users', yaml: 'users:\n  - {username: a, apiKey: supersecret, apikey: x}\n', expected: ['Unrecognized key: "apikey"', '→ at users[0]'] },
    {
      name: 'unknown key in projects',
      yaml: `projects:\n  - {publicKey: p, privateKey: supersecret, ids: [${PROJECT_A}], groupId: x}\n`,
      expected: ['Unrecognized key: "groupId"', '→ at projects[0]'],
    },
    { name: 'bad duration', yaml: `poll: {interval: 5 minutes}\n${ONE_USER}`, expected: ['poll.interval', 'not a duration: "5 minutes"'] },
    { name: 'bad staleAfter', yaml: `poll: {staleAfter: -1}\n${ONE_USER}`, expected: ['poll.staleAfter', 'not a duration'] },
    { name: 'interval below 1s', yaml: `poll: {interval: 500ms, timeout: 200ms}\n${ONE_USER}`, expected: ['poll.interval', 'must be at least 1s'] },
    { name: 'concurrency 0', yaml: `poll: {concurrency: 0}\n${ONE_USER}`, expected: ['poll.concurrency', '>=1'] },
    { name: 'retries 11', yaml: `poll: {retries: 11}\n${ONE_USER}`, expected: ['poll.retries', '<=10'] },
    {
      name: 'timeout longer than interval',
      yaml: `poll: {interval: 1m, timeout: 2m}\n${ONE_USER}`,
      expected: ['poll.timeout', 'must not be longer than poll.interval'],
    },
    {
      name: 'both apiKey and apiKeyFile',
      yaml: 'users:\n  - {username: a, apiKey: supersecret, apiKeyFile: k}\n',
      files: { k: 'x' },
      expected: ['users[0].apiKey', 'give apiKey or apiKeyFile, not both'],
    },
    { name: 'neither apiKey nor apiKeyFile', yaml: 'users:\n  - {username: a}\n', expected: ['users[0].apiKey', 'give apiKey or apiKeyFile'] },
    {
      name: 'neither privateKey nor privateKeyFile',
      yaml: `projects:\n  - {publicKey: p, ids: [${PROJECT_A}]}\n`,
      expected: ['projects[0].privateKey', 'give privateKey or privateKeyFile'],
    },
    { name: 'empty inline apiKey', yaml: 'users:\n  - {username: a, apiKey: "  "}\n', expected: ['users[0].apiKey', 'must not be empty'] },
    {
      name: 'missing secret file',
      yaml: 'users:\n  - {username: a, apiKeyFile: secrets/none}\n',
      expected: ['users[0].apiKeyFile', 'ENOENT', 'secrets/none'],
    },
    {
      name: 'empty secret file',
      yaml: `projects:\n  - {publicKey: p, privateKeyFile: empty-key, discover: true}\n`,
      files: { 'empty-key': ' \n\t\n' },
      expected: ['projects[0].privateKeyFile', 'empty-key is empty'],
    },
    {
      name: 'secret path is a directory',
      yaml: 'users:\n  - {username: a, apiKeyFile: secrets}\n',
      files: { 'secrets/': '' },
      expected: ['users[0].apiKeyFile', 'EISDIR'],
    },
    { name: 'bad baseUrl', yaml: 'users:\n  - {username: a, apiKey: supersecret, baseUrl: "cloud.mongodb.com"}\n', expected: ['users[0].baseUrl', 'not a valid URL'] },
    {
      name: 'baseUrl with credentials',
      yaml: 'users:\n  - {username: a, apiKey: supersecret, baseUrl: "https://a:pw@cloud.mongodb.com/api/atlas/v1.0"}\n',
      expected: ['users[0].baseUrl', 'must not contain credentials'],
    },
    {
      name: 'non-http scheme',
      yaml: `projects:\n  - {publicKey: p, privateKey: supersecret, ids: [${PROJECT_A}], baseUrl: "ftp://ops.example.com/api"}\n`,
      expected: ['projects[0].baseUrl', 'must be an http or https URL'],
    },
    {
      name: 'baseUrl with a query',
      yaml: 'users:\n  - {username: a, apiKey: supersecret, baseUrl: "https://cloud.mongodb.com/api/atlas/v1.0?pretty=true"}\n',
      expected: ['users[0].baseUrl', 'must not contain a query or fragment'],
    },
    {
      name: 'bad project id',
      yaml: `projects:\n  - {publicKey: p, privateKey: supersecret, ids: [${PROJECT_A}, 5E2211C17A3E5A48F5497DE3]}\n`,
      expected: ['projects[0].ids[1]', 'must be a 24-character hexadecimal id'],
    },
    { name: 'bad userId', yaml: 'users:\n  - {username: a, apiKey: supersecret, userId: alice}\n', expected: ['users[0].userId', '24-character'] },
    {
      name: 'project with neither ids nor discover',
      yaml: 'projects:\n  - {publicKey: p, privateKey: supersecret, ids: [], discover: false}\n',
      expected: ['projects[0].ids', 'lists no project'],
    },
    { name: 'no scope at all', yaml: 'poll: {interval: 5m}\n', expected: ['no scope to poll'] },
    { name: 'empty file', yaml: '', expected: ['no scope to poll'] },
    {
      name: 'duplicate username',
      yaml: 'users:\n  - {username: a, apiKey: supersecret}\n  - {username: b, apiKey: supersecret}\n  - {username: a, apiKey: supersecret}\n',
      expected: ['users[2].username', 'duplicate username'],
    },
    {
      name: 'duplicate project id',
      yaml: `projects:\n  - {publicKey: p, privateKey: supersecret, ids: [${PROJECT_A}]}\n  - {publicKey: q, privateKey: supersecret, ids: [${PROJECT_B}, ${PROJECT_A}]}\n`,
      expected: ['projects[1].ids[1]', 'duplicate project id'],
    },
    {
      name: 'unset env var',
      yaml: 'users:\n  - {username: a, apiKey: supersecret}\n  - {username: b, apiKey: "${BOB_KEY}"}\n',
      env: { ALICE_KEY: 'x' },
      expected: ['users[1].apiKey', 'environment variable BOB_KEY is not set'],
    },
  ];

  it('has a table of at least 18 bad configs', () => {
    expect(BAD.length).toBeGreaterThanOrEqual(18);
  });

  it.each(BAD)('rejects: $name', async ({ yaml, files, env, expected }) => {
    const folder = await folderWith({ ...files, 'config.yaml': yaml });
    const path = join(folder, 'config.yaml');
    const error = await configErrorOf(loadConfig(path, env ?? {}));
    expect(error.reason).toBe('invalid_config');
    // Every message starts with the file it is about.
    expect(error.message.startsWith(`${path}: `)).toBe(true);
    for (const part of expected) expect(error.message).toContain(part);
    expect(error.message).not.toContain('supersecret');
  });
});

describe('secrets stay out of what the user sees', () => {
  it('redactConfig never contains a secret, and keeps everything else', async () => {
    const folder = await folderWith({
      'config.yaml': `users:\n  - {username: alice, apiKey: "\${ALICE}"}\n  - {username: bob, apiKeyFile: bob-key}\nprojects:\n  - {publicKey: pub-id, privateKey: cm-secret-value, discover: true}\n`,
      'bob-key': 'bob-file-secret\n',
    });
    const config = await loadConfig(join(folder, 'config.yaml'), { ALICE: 'alice-env-secret' });
    const text = JSON.stringify(redactConfig(config));
    for (const secret of ['alice-env-secret', 'bob-file-secret', 'cm-secret-value']) expect(text).not.toContain(secret);
    expect(redactConfig(config)).toStrictEqual({
      poll: config.poll,
      users: [
        { username: 'alice', apiKey: '<redacted>', baseUrl: 'https://cloud.mongodb.com/api/atlas/v1.0' },
        { username: 'bob', apiKey: '<redacted>', baseUrl: 'https://cloud.mongodb.com/api/atlas/v1.0' },
      ],
      projects: [{ publicKey: 'pub-id', privateKey: '<redacted>', baseUrl: 'https://cloud.mongodb.com/api/public/v1.0', ids: [], discover: true }],
      organizations: [],
    });
    // The config itself still holds them (redaction copies, it does not mutate).
    expect(config.users[0]?.apiKey.value()).toBe('alice-env-secret');
  });

  it('logs each secret of every kind of entry replaced where it stood, every other field in the order of the schema', async () => {
    const folder = await folderWith({
      'config.yaml': [
        'poll: {interval: 10m, timeout: 5s, maxRequestsPerSecond: 2}',
        'users:',
        `  - {username: alice, apiKey: alice-inline, userId: ${USER_ID}}`,
        '  - {username: bob, apiKeyFile: bob, baseUrl: "https://ops.example.com/api/public/v1.0"}',
        'projects:',
        '  - {publicKey: pub, privateKeyFile: pk, discover: true}',
        `  - {publicKey: pub2, privateKey: inline2, ids: [${PROJECT_A}]}`,
        'organizations:',
        '  - {publicKey: zmm, privateKeyFile: pk, ids: [4888442a3354817a7320eb61], includeProjects: true}',
        '  - {clientId: mdb_sa_id_1, clientSecret: sa-secret, discover: true, tokenUrl: "https://auth.example.com/token", accessLists: false}',
        '  - {clientId: mdb_sa_id_2, clientSecretFile: pk, discover: true}',
      ].join('\n'),
      pk: 'pk-file-secret\n',
      bob: 'bob-file\n',
    });
    const config = await loadConfig(join(folder, 'config.yaml'), {});
    // The exact text of the start-up log line, key order included.
    expect(JSON.stringify(redactConfig(config))).toBe(
      [
        '{"poll":{"intervalMs":600000,"concurrency":8,"timeoutMs":5000,"retries":3,"staleAfterMs":3600000,"maxResponseBytes":16777216,"maxRequestsPerSecond":2},',
        '"users":[' +
          '{"username":"alice","apiKey":"<redacted>","userId":"5af9a1d29cc0cdb6ac0bf3f8","baseUrl":"https://cloud.mongodb.com/api/atlas/v1.0"},' +
          '{"username":"bob","apiKey":"<redacted>","baseUrl":"https://ops.example.com/api/public/v1.0"}' +
        '],',
        '"projects":[' +
          '{"publicKey":"pub","privateKey":"<redacted>","baseUrl":"https://cloud.mongodb.com/api/public/v1.0","ids":[],"discover":true},' +
          '{"publicKey":"pub2","privateKey":"<redacted>","baseUrl":"https://cloud.mongodb.com/api/public/v1.0","ids":["5e2211c17a3e5a48f5497de3"],"discover":false}' +
        '],',
        '"organizations":[' +
          '{"auth":{"scheme":"digest","publicKey":"zmm","privateKey":"<redacted>"},"baseUrl":"https://cloud.mongodb.com/api/atlas/v2","ids":["4888442a3354817a7320eb61"],"discover":false,"globalKeys":false,"apiKeys":true,"accessLists":true,"serviceAccounts":true,"includeSystemManaged":false,"includeProjects":true,"events":true,"eventsLookbackMs":7776000000},' +
          '{"auth":{"scheme":"oauth","clientId":"mdb_sa_id_1","clientSecret":"<redacted>","tokenUrl":"https://auth.example.com/token"},"baseUrl":"https://cloud.mongodb.com/api/atlas/v2","ids":[],"discover":true,"globalKeys":false,"apiKeys":true,"accessLists":false,"serviceAccounts":true,"includeSystemManaged":false,"includeProjects":false,"events":true,"eventsLookbackMs":7776000000},' +
          '{"auth":{"scheme":"oauth","clientId":"mdb_sa_id_2","clientSecret":"<redacted>","tokenUrl":"https://cloud.mongodb.com/api/oauth/token"},"baseUrl":"https://cloud.mongodb.com/api/atlas/v2","ids":[],"discover":true,"globalKeys":false,"apiKeys":true,"accessLists":true,"serviceAccounts":true,"includeSystemManaged":false,"includeProjects":false,"events":true,"eventsLookbackMs":7776000000}' +
        ']}',
      ].join(''),
    );
  });

  const SECRET = 'supersecret-a1b2c3';

  it.each([
    ['a bad-typed field next to apiKey', `users:\n  - username: 42\n    apiKey: ${SECRET}\n`, 'users[0].username'],
    ['a bad-typed secret itself', `users:\n  - username: alice\n    apiKey: [${SECRET}]\n`, 'users[0].apiKey'],
    ['an unknown key next to apiKey', `users:\n  - username: alice\n    apiKey: ${SECRET}\n    userid: x\n`, 'users[0]'],
    ['a misspelled secret field', `users:\n  - username: alice\n    apikey: ${SECRET}\n`, 'Unrecognized key: "apikey"'],
    ['a bad id next to privateKey', `projects:\n  - publicKey: p\n    privateKey: ${SECRET}\n    ids: [nope]\n`, 'projects[0].ids[0]'],
    ['an unset variable next to apiKey', `users:\n  - username: alice\n    apiKey: ${SECRET}\n    userId: "\${NOPE}"\n`, 'users[0].userId'],
    ['both apiKey and apiKeyFile', `users:\n  - username: alice\n    apiKey: ${SECRET}\n    apiKeyFile: /x\n`, 'users[0].apiKey'],
  ])('schema errors: %s', (_name, text, field) => {
    const error = parseErrorOf(text);
    expect(error.message).toContain(field);
    expect(error.message).not.toContain(SECRET);
  });

  // BUG: parseConfigText parses with `prettyErrors: true` and puts the YAML error's message in the
  // ConfigError; that message quotes the source lines around the error, so an inline secret on the
  // line before a YAML mistake is printed at start-up.
  it('a duplicate YAML key right after an inline apiKey does not print the key', () => {
    const error = parseErrorOf(`users:\n  - username: alice\n    apiKey: ${SECRET}\n    username: bob\n`);
    expect(error.message).toContain('invalid YAML');
    expect(error.message).not.toContain(SECRET);
  });

  it('bad indentation right after an inline privateKey does not print the key', () => {
    const error = parseErrorOf(`projects:\n  - publicKey: p\n    privateKey: ${SECRET}\n   discover: true\n`);
    expect(error.message).toContain('invalid YAML');
    expect(error.message).not.toContain(SECRET);
  });

  // BUG: a baseUrl that carries credentials is refused so they never reach a log, but when the URL
  // also fails to parse the "not a URL" message echoes it whole, password included.
  it('a baseUrl with credentials that does not parse is not echoed', () => {
    const error = parseErrorOf(`users:\n  - {username: alice, apiKey: k, baseUrl: "https://alice:${SECRET}@cloud.mongodb.com:99999/api"}\n`);
    expect(error.message).toContain('users[0].baseUrl');
    expect(error.message).not.toContain(SECRET);
  });
});

describe('organizations', () => {
  const ORG = '4888442a3354817a7320eb61';

  it('takes a programmatic key (digest) with the defaults: Admin API v2, every kind, no projects', async () => {
    const folder = await folderWith({ 'config.yaml': `organizations:\n  - {publicKey: zmmrboas, privateKeyFile: pk, ids: [${ORG}]}\n`, pk: 'org-private\n' });
    const config = await loadConfig(join(folder, 'config.yaml'), {});
    expect(revealed(config.organizations)).toStrictEqual([
      {
        auth: { scheme: 'digest', publicKey: 'zmmrboas', privateKey: 'org-private' },
        baseUrl: 'https://cloud.mongodb.com/api/atlas/v2',
        ids: [ORG],
        discover: false,
        globalKeys: false,
        apiKeys: true,
        accessLists: true,
        serviceAccounts: true,
        includeSystemManaged: false,
        includeProjects: false,
        events: true,
        eventsLookbackMs: 90 * 86_400_000,
      },
    ]);
  });

  it('takes includeSystemManaged, a boolean', async () => {
    const folder = await folderWith({ 'config.yaml': `organizations:\n  - {publicKey: zmmrboas, privateKey: pk, ids: [${ORG}], includeSystemManaged: true}\n` });
    expect((await loadConfig(join(folder, 'config.yaml'), {})).organizations[0]?.includeSystemManaged).toBe(true);
    const error = thrownBy(() => parseConfigText(`organizations:\n  - {publicKey: p, privateKey: s, ids: [${ORG}], includeSystemManaged: "yes"}\n`, {}, 'config.yaml'), ConfigError);
    expect(error.message).toContain('includeSystemManaged');
  });

  it('reads events by default, 90 days back; takes events: false and eventsLookback as a duration', async () => {
    const folder = await folderWith({
      'config.yaml': `organizations:\n  - {publicKey: zmmrboas, privateKey: pk, ids: [${ORG}]}\n  - {publicKey: other, privateKey: pk, ids: [${ORG}], events: false, eventsLookback: 7d}\n`,
    });
    const [first, second] = (await loadConfig(join(folder, 'config.yaml'), {})).organizations;
    expect([first?.events, first?.eventsLookbackMs]).toEqual([true, 90 * 86_400_000]);
    expect([second?.events, second?.eventsLookbackMs]).toEqual([false, 7 * 86_400_000]);
  });

  it.each([
    ['eventsLookback: 3 months', 'not a duration: "3 months"'],
    ['eventsLookback: 30s', 'must be at least 60s'],
    ['events: "no"', 'expected boolean'],
  ])('rejects %s with a clear error', (field, message) => {
    const error = thrownBy(() => parseConfigText(`organizations:\n  - {publicKey: p, privateKey: s, ids: [${ORG}], ${field}}\n`, {}, 'config.yaml'), ConfigError);
    expect(error.message).toContain(message);
    expect(error.message).toContain(`organizations[0].${field.split(':')[0]}`);
  });

  it('takes a service account (OAuth), deriving the token URL from the base URL', async () => {
    const folder = await folderWith({ 'config.yaml': 'organizations:\n  - {clientId: mdb_sa_id_1, clientSecret: "${SA}", discover: true, baseUrl: "https://atlas.example.com/api/atlas/v2"}\n' });
    const config = await loadConfig(join(folder, 'config.yaml'), { SA: 'sa-secret' });
    expect(revealed(config.organizations[0]?.auth)).toStrictEqual({ scheme: 'oauth', clientId: 'mdb_sa_id_1', clientSecret: 'sa-secret', tokenUrl: 'https://atlas.example.com/api/oauth/token' });
    expect(JSON.stringify(redactConfig(config))).not.toContain('sa-secret');
  });

  it.each([
    ['both auth schemes', `{publicKey: p, privateKey: s, clientId: c, clientSecret: t, ids: [${ORG}]}`, 'give publicKey (digest) or clientId (OAuth), not both'],
    ['no auth', `{ids: [${ORG}]}`, 'give publicKey (digest) or clientId (OAuth), not both'],
    ['a client id without its secret', `{clientId: c, ids: [${ORG}]}`, 'give clientSecret or clientSecretFile'],
    ['no organization', '{publicKey: p, privateKey: s}', 'lists no organization: give ids, or set discover: true'],
    ['nothing to collect', `{publicKey: p, privateKey: s, ids: [${ORG}], apiKeys: false, serviceAccounts: false}`, 'collects nothing'],
    ['service accounts on Cloud Manager', `{publicKey: p, privateKey: s, ids: [${ORG}], baseUrl: "https://cloud.mongodb.com/api/public/v1.0"}`, 'service accounts need the Atlas Admin API v2'],
  ])('rejects %s', (_name, entry, message) => {
    const error = thrownBy(() => parseConfigText(`organizations:\n  - ${entry}\n`, {}, 'config.yaml'), ConfigError);
    expect(error.message).toContain(message);
    expect(error.message).toContain('organizations[0]');
  });
});
