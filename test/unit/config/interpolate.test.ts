import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors/config-error.js';
import { interpolateEnv } from '../../../src/config/interpolate.js';
import { thrownBy } from '../../helpers/thrown.js';

describe('interpolateEnv', () => {
  const env = { ALICE_KEY: 'alice-secret', HOST: 'cloud.example.com', EMPTY: '' };

  it('replaces ${VAR} in nested strings and arrays, and leaves other values alone', () => {
    const tree = {
      poll: { interval: '5m', concurrency: 8, discover: true, nothing: null },
      users: [{ username: 'alice', apiKey: '${ALICE_KEY}', baseUrl: 'https://${HOST}/api/atlas/v1.0' }],
      projects: [{ ids: ['a-${HOST}', 'plain'] }],
    };
    expect(interpolateEnv(tree, env)).toStrictEqual({
      poll: { interval: '5m', concurrency: 8, discover: true, nothing: null },
      users: [{ username: 'alice', apiKey: 'alice-secret', baseUrl: 'https://cloud.example.com/api/atlas/v1.0' }],
      projects: [{ ids: ['a-cloud.example.com', 'plain'] }],
    });
  });

  it('replaces several references in one string, and a set-but-empty variable with ""', () => {
    expect(interpolateEnv('${HOST}:${HOST}|${EMPTY}|', env)).toBe('cloud.example.com:cloud.example.com||');
  });

  it('does not mutate its input', () => {
    const tree = { users: [{ apiKey: '${ALICE_KEY}' }] };
    interpolateEnv(tree, env);
    expect(tree.users[0]?.apiKey).toBe('${ALICE_KEY}');
  });

  it('reads $$ as a literal $, so $${VAR} is not a reference', () => {
    expect(interpolateEnv('pa$$word', env)).toBe('pa$word');
    expect(interpolateEnv('$${ALICE_KEY}', env)).toBe('${ALICE_KEY}');
    expect(interpolateEnv('$$$${HOST}', env)).toBe('$${HOST}');
    expect(interpolateEnv('$$${HOST}', env)).toBe('$cloud.example.com');
  });

  it('leaves a lone $ and things that are not references as they are', () => {
    expect(interpolateEnv('cost $5 and $HOST and ${1BAD}', env)).toBe('cost $5 and $HOST and ${1BAD}');
  });

  it('a missing variable is a ConfigError naming the path of the field and the variable', () => {
    const tree = { users: [{ username: 'alice', apiKey: '${MISSING_KEY}' }] };
    const error = thrownBy(() => interpolateEnv(tree, env), ConfigError);
    expect(error.message).toBe('users[0].apiKey: environment variable MISSING_KEY is not set');
    expect(error.reason).toBe('invalid_config');
  });

  it('names paths inside nested arrays and objects', () => {
    const tree = { projects: [{ ids: ['ok'] }, { ids: ['ok', '${NOPE}'] }] };
    expect(thrownBy(() => interpolateEnv(tree, env), ConfigError).message).toContain('projects[1].ids[1]: environment variable NOPE');
    expect(thrownBy(() => interpolateEnv({ poll: { interval: '${NOPE}' } }, env), ConfigError).message).toContain('poll.interval:');
  });

  it('names "config" when the whole document is one string', () => {
    expect(thrownBy(() => interpolateEnv('${NOPE}', env), ConfigError).message).toBe('config: environment variable NOPE is not set');
  });

  it('an escaped reference to a missing variable is not an error', () => {
    expect(interpolateEnv({ a: '$${NOPE}' }, env)).toStrictEqual({ a: '${NOPE}' });
  });
});
