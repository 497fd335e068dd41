import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SECRET_FIELDS } from '../../../src/config/schema.js';
import { createLogger } from '../../../src/log/logger.js';

function lines(log: (logger: ReturnType<typeof createLogger>) => void): string {
  let out = '';
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((out += chunk.toString('utf8')), done()) });
  log(createLogger('info', 'json', sink));
  return out;
}

describe('createLogger', () => {
  it.each(SECRET_FIELDS)('redacts %s of a config entry logged by mistake, at the top and two levels down', (field) => {
    const text = lines((log) => {
      log.info({ [field]: 'top-s3cret' }, 'one');
      log.info({ entry: { [field]: 'nested-s3cret' } }, 'two');
      log.info({ config: { organizations: { [field]: 'deep-s3cret' } } }, 'three');
    });
    expect(text).not.toMatch(/s3cret/);
    expect(text.match(/<redacted>/g)).toHaveLength(3);
  });

  it('redacts an Authorization header', () => {
    const text = lines((log) => log.info({ request: { headers: { authorization: 'Digest username="u", response="abc"' } } }, 'request'));
    expect(text).not.toMatch(/Digest/);
  });
});
