import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnExporter } from '../helpers/process.js';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'apikey-config-errors-'));
  await writeFile(join(folder, 'empty.key'), '\n');
  await writeFile(join(folder, 'good.key'), 'k');
  await mkdir(join(folder, 'a-folder'));
});

const ONE_USER = 'users:\n  - {username: a, apiKey: k}\n';

/** [case, config text ($DIR is the temp folder), exactly what the user sees on stderr ($FILE is the config path)]. */
const CASES: [string, string, string][] = [
  ['bad YAML', 'users: [\n', '$FILE: invalid YAML at line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  ['a duplicate YAML key', 'poll: {}\npoll: {}\n', '$FILE: invalid YAML at line 2, column 1: Map keys must be unique'],
  ['an unresolved YAML alias', 'users: *nope\n', '$FILE: invalid YAML: Unresolved alias (the anchor must be set before the alias): nope'],
  ['a wrong type', 'users: 5\n', '$FILE: invalid configuration\n✖ Invalid input: expected array, received number\n  → at users'],
  ['an unknown top-level key', `pol: {}\n${ONE_USER}`, '$FILE: invalid configuration\n✖ Unrecognized key: "pol"'],
  ['an unknown key in poll', `poll: {intervall: 5m}\n${ONE_USER}`, '$FILE: invalid configuration\n✖ Unrecognized key: "intervall"\n  → at poll'],
  ['a bad duration', `poll: {interval: 5 minutes}\n${ONE_USER}`, '$FILE: invalid configuration\n✖ not a duration: "5 minutes" (use e.g. 300, "300s", "5m", "1h")\n  → at poll.interval'],
  ['concurrency 0', `poll: {concurrency: 0}\n${ONE_USER}`, '$FILE: invalid configuration\n✖ Too small: expected number to be >=1\n  → at poll.concurrency'],
  ['a timeout longer than the interval', `poll: {interval: 10s, timeout: 30s}\n${ONE_USER}`, '$FILE: invalid configuration\n✖ must not be longer than poll.interval\n  → at poll.timeout'],
  ['a missing secret file', 'users:\n  - {username: a, apiKeyFile: $DIR/none.key}\n', '$FILE: users[0].apiKeyFile: cannot read $DIR/none.key: ENOENT'],
  ['an unreadable secret file', 'users:\n  - {username: a, apiKeyFile: $DIR/a-folder}\n', '$FILE: users[0].apiKeyFile: cannot read $DIR/a-folder: EISDIR'],
  ['an empty secret file', 'users:\n  - {username: a, apiKeyFile: $DIR/empty.key}\n', '$FILE: users[0].apiKeyFile: $DIR/empty.key is empty'],
  ['both apiKey and apiKeyFile', 'users:\n  - {username: a, apiKey: k, apiKeyFile: $DIR/good.key}\n', '$FILE: invalid configuration\n✖ give apiKey or apiKeyFile, not both\n  → at users[0].apiKey'],
  ['neither apiKey nor apiKeyFile', 'users:\n  - {username: a}\n', '$FILE: invalid configuration\n✖ give apiKey or apiKeyFile\n  → at users[0].apiKey'],
  ['a bad URL', 'users:\n  - {username: a, apiKey: k, baseUrl: "cloud.mongodb.com"}\n', '$FILE: invalid configuration\n✖ not a valid URL\n  → at users[0].baseUrl'],
  ['a URL with credentials', 'users:\n  - {username: a, apiKey: k, baseUrl: "https://a:pw@cloud.mongodb.com/api/atlas/v1.0"}\n', '$FILE: invalid configuration\n✖ must not contain credentials; use the key fields\n  → at users[0].baseUrl'],
  ['no scope at all', 'poll: {interval: 5m}\n', '$FILE: invalid configuration\n✖ no scope to poll: add at least one entry under users, projects or organizations'],
  ['a duplicate username', 'users:\n  - {username: a, apiKey: k}\n  - {username: a, apiKey: k2}\n', '$FILE: invalid configuration\n✖ duplicate username\n  → at users[1].username'],
  ['a duplicate project id', 'projects:\n  - {publicKey: p, privateKey: s, ids: [5e2211c17a3e5a48f5497de3, 5e2211c17a3e5a48f5497de3]}\n', '$FILE: invalid configuration\n✖ duplicate project id\n  → at projects[0].ids[1]'],
  ['a bad project id', 'projects:\n  - {publicKey: p, privateKey: s, ids: [abc]}\n', '$FILE: invalid configuration\n✖ must be a 24-character hexadecimal id\n  → at projects[0].ids[0]'],
  ['a project entry without ids or discover', 'projects:\n  - {publicKey: p, privateKey: s}\n', '$FILE: invalid configuration\n✖ lists no project: give ids, or set discover: true\n  → at projects[0].ids'],
  ['an environment variable that is not set', 'users:\n  - {username: a, apiKey: "${NOPE_KEY}"}\n', '$FILE: users[0].apiKey: environment variable NOPE_KEY is not set'],
];

describe('a bad config stops start-up with exactly one message and status 2', () => {
  it.each(CASES)('%s', async (name, text, message) => {
    const file = join(folder, `${name.replace(/\W+/g, '-')}.yaml`);
    await writeFile(file, text.replaceAll('$DIR', folder));
    const exporter = spawnExporter([`--config.file=${file}`]);
    expect(await exporter.exited).toBe(2);
    expect(exporter.stderr()).toBe(`mongodb-apikey-exporter: ${message.replaceAll('$FILE', file).replaceAll('$DIR', folder)}\n`);
    expect(exporter.stdout()).toBe('');
  });

  it('a config file that does not exist', async () => {
    const exporter = spawnExporter([`--config.file=${join(folder, 'none.yaml')}`]);
    expect(await exporter.exited).toBe(2);
    expect(exporter.stderr()).toBe(`mongodb-apikey-exporter: cannot read config file ${join(folder, 'none.yaml')}: ENOENT\n`);
  });
});
