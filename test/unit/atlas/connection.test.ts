import { describe, expect, it } from 'vitest';
import { connectionOf, proxyEnvironment, proxyFor, shownProxy } from '../../../src/atlas/connection.js';
import { Secret } from '../../../src/config/secret.js';
import { ClientTls } from '../../../src/config/tls.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import { tlsProblemOf } from '../../../src/errors/tls-error.js';

const env = (noProxy: string) => proxyEnvironment({ HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://plain:8080', NO_PROXY: noProxy });
const via = (url: string, noProxy = '') => proxyFor(new URL(url), undefined, env(noProxy));

describe('proxyFor', () => {
  it('sends https through HTTPS_PROXY and http through HTTP_PROXY, without falling back from one to the other', () => {
    expect(via('https://cloud.mongodb.com/api')).toBe('http://proxy:3128');
    expect(via('http://ops.example.com:8080/api')).toBe('http://plain:8080');
    const httpOnly = proxyEnvironment({ http_proxy: 'http://plain:8080' });
    expect(proxyFor(new URL('https://cloud.mongodb.com/'), undefined, httpOnly)).toBeUndefined();
  });

  it("lets the entry's proxyUrl win over the environment and over NO_PROXY", () => {
    expect(proxyFor(new URL('https://cloud.mongodb.com/'), 'http://u:p@own:3128', env('*'))).toBe('http://u:p@own:3128');
  });

  it.each([
    ['*', 'https://cloud.mongodb.com/'],
    ['cloud.mongodb.com', 'https://cloud.mongodb.com/'],
    ['mongodb.com', 'https://cloud.mongodb.com/'],
    ['.mongodb.com', 'https://cloud.mongodb.com/'],
    ['*.mongodb.com', 'https://cloud.mongodb.com/'],
    ['example.org, cloud.mongodb.com:443', 'https://cloud.mongodb.com/'],
    ['10.0.0.0/8', 'https://10.1.2.3:8443/'],
    ['10.1.2.3', 'https://10.1.2.3/'],
    ['[::1]:8443', 'https://[::1]:8443/'],
    ['::1', 'https://[::1]/'],
    ['CLOUD.MongoDB.com', 'https://cloud.mongodb.com/'],
    ['fd00::/8', 'https://[fd00::1]/'],
    ['ops.example.com:80', 'http://ops.example.com/'],
  ])('NO_PROXY=%s bypasses the proxy for %s', (noProxy, url) => {
    expect(via(url, noProxy)).toBeUndefined();
  });

  it.each([
    ['mongodb.com.evil.net', 'https://cloud.mongodb.com/'],
    ['loud.mongodb.com', 'https://cloud.mongodb.com/'],
    ['cloud.mongodb.com:8443', 'https://cloud.mongodb.com/'],
    ['10.0.0.0/8', 'https://11.1.2.3/'],
    ['10.0.0.0/8', 'https://ten.example.com/'],
    ['', 'https://cloud.mongodb.com/'],
    ['10.0.0.0/8', 'https://[::ffff:a01:203]/'],
    ['fd00::/8', 'https://10.1.2.3/'],
    ['cloud.mongodb.com:80', 'https://cloud.mongodb.com/'],
  ])('NO_PROXY=%s keeps the proxy for %s', (noProxy, url) => {
    expect(via(url, noProxy)).toBe('http://proxy:3128');
  });

  it('NO_PROXY=ops.example.com:443 keeps the proxy for http://ops.example.com/ (port 80)', () => {
    expect(via('http://ops.example.com/', 'ops.example.com:443')).toBe('http://plain:8080');
  });
});

describe('proxyEnvironment', () => {
  it('reads upper case before lower case, and a proxy without a scheme as http://', () => {
    expect(proxyEnvironment({ HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2', no_proxy: 'a' })).toStrictEqual({
      httpProxy: undefined,
      httpsProxy: 'http://upper:1',
      noProxy: 'a',
    });
    expect(proxyEnvironment({ https_proxy: 'proxy.corp:3128' }).httpsProxy).toBe('http://proxy.corp:3128');
  });

  it('an empty upper-case variable gives way to the lower-case one', () => {
    expect(proxyEnvironment({ HTTPS_PROXY: '', https_proxy: 'http://lower:2', HTTP_PROXY: '', http_proxy: 'http://plain:3', NO_PROXY: '', no_proxy: 'b' })).toStrictEqual({
      httpProxy: 'http://plain:3',
      httpsProxy: 'http://lower:2',
      noProxy: 'b',
    });
    expect(proxyEnvironment({})).toStrictEqual({ httpProxy: undefined, httpsProxy: undefined, noProxy: '' });
  });

  it('refuses a proxy that is not an http(s) URL, naming the variable and never its value', () => {
    const thrown = (() => {
      try {
        proxyEnvironment({ HTTPS_PROXY: 'ftp://user:s3cret@proxy:21' });
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain('HTTPS_PROXY');
    expect((thrown as Error).message).not.toContain('s3cret');
  });
});

describe('shownProxy', () => {
  it('shows scheme, host and port only', () => {
    expect(shownProxy('http://user:s3cret@proxy.corp:3128')).toBe('http://proxy.corp:3128');
    expect(shownProxy('not a url s3cret')).toBe('<invalid proxy URL>');
  });
});

describe('tlsProblemOf', () => {
  const coded = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

  it.each(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'])(
    'names %s, on the error or its cause',
    (code) => {
      expect(tlsProblemOf(coded(code))?.code).toBe(code);
      expect(tlsProblemOf(new Error('wrapped', { cause: coded(code) }))?.code).toBe(code);
    },
  );

  it('leaves network errors alone', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'UND_ERR_SOCKET']) expect(tlsProblemOf(coded(code))).toBeUndefined();
    expect(tlsProblemOf('text')).toBeUndefined();
  });
});

describe('connectionOf', () => {
  it("keeps an entry's proxyUrl and tls, and nothing else", () => {
    const proxyUrl = new Secret('proxyUrl', 'http://u:p@proxy:3128');
    const tls = new ClientTls({ insecureSkipVerify: false }, {});
    expect(connectionOf({ proxyUrl, tls, ...{ apiKey: 'x' } } as Parameters<typeof connectionOf>[0])).toStrictEqual({ proxyUrl, tls });
    expect(connectionOf({})).toStrictEqual({ proxyUrl: undefined, tls: undefined });
  });
});
