import { execFileSync } from 'node:child_process';
import { hash } from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/config-error.js';
import { BasicAuthVerifier, parseBasicAuthorization } from '../../src/http/basic-auth.js';
import { parseWebConfigText } from '../../src/http/web-config.js';

const SOURCE = '/etc/exporter/web.yml';
// Made by `htpasswd -nbBC 5 "" 'htpasswd-made secret'`, as the exporter-toolkit docs suggest.
const HTPASSWD_HASH = '$2y$05$kF3vDxkSv4jYqJV9r2HvUeXnmSleLOQ/gUmiwPxb1Jwk/pz03FqFu';
const HTPASSWD_PASSWORD = 'htpasswd-made secret';

/** The ConfigError message of parsing `text`. */
function problem(text: string): string {
  try {
    parseWebConfigText(text, SOURCE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted:\n${text}`);
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('parseWebConfigText', () => {
  it('an empty file means plain HTTP, no auth (as exporter-toolkit)', () => {
    for (const text of ['', '---\n', 'tls_server_config:\nbasic_auth_users:\n']) {
      const spec = parseWebConfigText(text, SOURCE);
      expect(spec.tls).toBeUndefined();
      expect(spec.users.size).toBe(0);
      expect(spec.headers).toEqual([]);
      expect(spec.http2).toBe(true);
    }
  });

  it('reads every documented field, with the toolkit defaults and paths relative to the file', () => {
    const spec = parseWebConfigText(
      `
tls_server_config:
  cert_file: tls/server.crt
  key_file: /abs/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  client_allowed_sans: [prometheus, 10.0.0.1]
  max_version: TLS13
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]
  prefer_server_cipher_suites: false
  curve_preferences: [X25519, CurveP256]
http_server_config:
  http2: false
  headers:
    Strict-Transport-Security: max-age=31536000
    X-Frame-Options: sameorigin
    X-Content-Type-Options: nosniff
    Content-Security-Policy: ""
basic_auth_users:
  alice: ${HTPASSWD_HASH}
rate_limit:
  interval: 500ms
  burst: 20
`,
      SOURCE,
    );
    expect(spec.tls).toEqual({
      cert: { field: 'tls_server_config.cert_file', path: '/etc/exporter/tls/server.crt' },
      key: { field: 'tls_server_config.key_file', path: '/abs/server.key' },
      clientCa: { field: 'tls_server_config.client_ca_file', path: '/etc/exporter/ca.crt' },
      clientAuth: 'RequireAndVerifyClientCert',
      allowedSans: ['prometheus', '10.0.0.1'],
      minVersion: 'TLS12',
      maxVersion: 'TLS13',
      ciphers: 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-AES128-GCM-SHA256',
      ecdhCurve: 'X25519:P-256',
      honorCipherOrder: false,
    });
    expect(spec.users).toEqual(new Map([['alice', HTPASSWD_HASH]]));
    // A blank header is unset, as documented.
    expect(spec.headers).toEqual([
      ['Strict-Transport-Security', 'max-age=31536000'],
      ['X-Frame-Options', 'sameorigin'],
      ['X-Content-Type-Options', 'nosniff'],
    ]);
    expect(spec.rateLimit).toEqual({ intervalMs: 500, burst: 20 });
    expect(spec.http2).toBe(false);
  });

  it('takes inline PEM, the RequireClientCert alias, and treats "" as unset like Go', () => {
    const spec = parseWebConfigText(
      'tls_server_config:\n  cert: "-----BEGIN CERTIFICATE-----"\n  key: "-----BEGIN PRIVATE KEY-----"\n  key_file: ""\n  client_auth_type: RequireClientCert\n',
      SOURCE,
    );
    expect(spec.tls?.cert).toEqual({ field: 'tls_server_config.cert', inline: '-----BEGIN CERTIFICATE-----' });
    expect(spec.tls?.key).toEqual({ field: 'tls_server_config.key', inline: '-----BEGIN PRIVATE KEY-----' });
    expect(spec.tls?.clientAuth).toBe('RequireAnyClientCert');
    expect(spec.tls?.minVersion).toBe('TLS12');
    expect(spec.tls?.honorCipherOrder).toBe(true);
  });

  const TLS = 'tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n';
  it.each([
    ['an unknown top-level key', 'tls_config:\n  cert_file: x\n', /Unrecognized key: "tls_config"/],
    ['an unknown TLS key', `${TLS}  client_ca_files: ca.crt\n`, /Unrecognized key: "client_ca_files"[\s\S]*tls_server_config/],
    ['a misspelt version', `${TLS}  min_version: TLS1.2\n`, /tls_server_config\.min_version/],
    ['TLS 1.4', `${TLS}  max_version: TLS14\n`, /tls_server_config\.max_version/],
    ['min above max', `${TLS}  min_version: TLS13\n  max_version: TLS12\n`, /TLS13 is above max_version TLS12[\s\S]*tls_server_config\.min_version/],
    ['a bad client_auth_type', `${TLS}  client_auth_type: Required\n`, /tls_server_config\.client_auth_type/],
    ['cert and cert_file both', `${TLS}  cert: "x"\n`, /either cert \(inline PEM\) or cert_file[\s\S]*tls_server_config\.cert_file/],
    ['a missing key', 'tls_server_config:\n  cert_file: s.crt\n', /missing one of key or key_file/],
    ['a missing cert', 'tls_server_config:\n  key_file: s.key\n', /missing one of cert or cert_file/],
    ['TLS settings without a certificate', 'tls_server_config:\n  min_version: TLS13\n', /no certificate[\s\S]*at tls_server_config/],
    ['client CAs without a client auth policy', `${TLS}  client_ca_file: ca.crt\n`, /without a client auth policy/],
    ['client_allowed_sans with an optional certificate', `${TLS}  client_auth_type: VerifyClientCertIfGiven\n  client_allowed_sans: [a]\n`, /client_allowed_sans/],
    ['an insecure cipher suite', `${TLS}  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n`, /unknown or insecure cipher suite[\s\S]*cipher_suites\[0\]/],
    ['an OpenSSL cipher name', `${TLS}  cipher_suites: [ECDHE-RSA-AES128-GCM-SHA256]\n`, /cipher_suites\[0\]/],
    ['only TLS 1.3 suites', `${TLS}  cipher_suites: [TLS_AES_128_GCM_SHA256]\n`, /only TLS 1.3 suites/],
    ['an unknown curve', `${TLS}  curve_preferences: [CurveP999]\n`, /curve_preferences\[0\]/],
    ['a header exporter-toolkit forbids', 'http_server_config:\n  headers:\n    Server: x\n', /HTTP header "Server" can not be configured[\s\S]*http_server_config\.headers\.Server/],
    ['a header in the wrong case', 'http_server_config:\n  headers:\n    x-frame-options: deny\n', /can not be configured/],
    ['a bad X-Frame-Options', 'http_server_config:\n  headers:\n    X-Frame-Options: allow\n', /must be one of "deny", "sameorigin"[\s\S]*X-Frame-Options/],
    ['a bad X-Content-Type-Options', 'http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n', /X-Content-Type-Options/],
    ['a header value with a newline', 'http_server_config:\n  headers:\n    X-XSS-Protection: "1\\r\\nSet-Cookie: a=b"\n', /control characters/],
    ['http2 not a boolean', 'http_server_config:\n  http2: yes please\n', /http_server_config\.http2/],
    ['a rate limit refusing everything', 'rate_limit:\n  interval: 1s\n  burst: 0\n', /rate_limit\.burst/],
    ['a bad rate limit interval', 'rate_limit:\n  interval: 1 second\n  burst: 5\n', /rate_limit\.interval/],
    ['auth_excluded_paths (newer toolkit, not implemented)', 'auth_excluded_paths: [/healthz]\n', /auth_excluded_paths is not supported/],
    ['ip_socket_config (newer toolkit, not implemented)', 'ip_socket_config:\n  dscp: 46\n', /ip_socket_config is not supported/],
    ['a duplicate key', 'basic_auth_users:\n  alice: a\n  alice: b\n', /invalid YAML/],
    ['users as a list', 'basic_auth_users:\n  - alice\n', /basic_auth_users/],
  ])('rejects %s, naming the field', (_name, text, expected) => {
    const message = problem(text);
    expect(message.startsWith(`${SOURCE}: `)).toBe(true);
    expect(message).toMatch(expected);
  });

  it('rejects what is not a bcrypt hash, and never echoes the value', () => {
    for (const value of ['plaintext', '$2y$10$tooShort', '$2y$03$kF3vDxkSv4jYqJV9r2HvUeXnmSleLOQ/gUmiwPxb1Jwk/pz03FqFu', '$1$md5crypt$abcdefgh', '{SHA}abc', HTPASSWD_HASH.replace('$2y$', '$2x$')]) {
      const message = problem(`basic_auth_users:\n  alice: '${value}'\n`);
      expect(message).toMatch(/not a bcrypt hash[\s\S]*basic_auth_users\.alice/);
      expect(message).not.toContain(value);
    }
    expect(problem('basic_auth_users:\n  alice:\n')).toMatch(/basic_auth_users\.alice/);
  });

  it('reports a YAML error by line and column without quoting the line (it may hold a secret)', () => {
    const message = problem('basic_auth_users:\n  alice: hunter2: oops\n');
    expect(message).toMatch(/invalid YAML at line 2, column \d+/);
    expect(message).not.toContain('hunter2');
  });

  it('accepts $2a$, $2b$, $2y$ hashes of cost 4 to 31', () => {
    for (const prefix of ['$2a$04$', '$2b$12$', '$2y$31$', '$2$10$']) {
      const value = `${prefix}${HTPASSWD_HASH.slice(7)}`;
      expect(parseWebConfigText(`basic_auth_users:\n  u: '${value}'\n`, SOURCE).users.get('u')).toBe(value);
    }
  });
});


describe('parseBasicAuthorization', () => {
  it('reads user and password, splitting at the first colon, case-insensitive scheme', () => {
    expect(parseBasicAuthorization(basic('alice', 'a:b:c'))).toEqual({ user: 'alice', password: 'a:b:c' });
    expect(parseBasicAuthorization(`basic ${Buffer.from('bob:').toString('base64')}`)).toEqual({ user: 'bob', password: '' });
    expect(parseBasicAuthorization(basic('ünï', 'pässwörd'))).toEqual({ user: 'ünï', password: 'pässwörd' });
  });

  it.each([undefined, '', 'Basic', 'Bearer abc', 'Basic !!!!', 'Basic YWxpY2U=', 'Basic YWxpY2U6c2VjcmV0=', 'Digest username="a"'])('no credentials in %j', (header) => {
    expect(parseBasicAuthorization(header)).toBeUndefined();
  });
});

describe('BasicAuthVerifier', () => {
  it('verifies an htpasswd $2y$ hash', async () => {
    const verifier = new BasicAuthVerifier();
    const users = new Map([['alice', HTPASSWD_HASH]]);
    expect(await verifier.verify(users, basic('alice', HTPASSWD_PASSWORD))).toBe(true);
    expect(await verifier.verify(users, basic('alice', 'htpasswd-made secreT'))).toBe(false);
    expect(await verifier.verify(users, basic('Alice', HTPASSWD_PASSWORD))).toBe(false);
    expect(await verifier.verify(users, undefined)).toBe(false);
    expect(await verifier.verify(new Map(), basic('alice', HTPASSWD_PASSWORD))).toBe(false);
  });

  it('verifies a hash htpasswd makes now, when htpasswd is installed', async ({ skip }) => {
    let made: string;
    try {
      made = execFileSync('htpasswd', ['-nbBC', '4', '', 'fresh'], { encoding: 'utf8' }).replace(/[:\n]/g, '');
    } catch {
      return skip('htpasswd not installed');
    }
    expect(made.startsWith('$2y$04$')).toBe(true);
    expect(parseWebConfigText(`basic_auth_users:\n  u: '${made}'\n`, SOURCE).users.get('u')).toBe(made);
    expect(await new BasicAuthVerifier().verify(new Map([['u', made]]), basic('u', 'fresh'))).toBe(true);
  });

  it('caches verdicts, so repeated scrapes do not pay bcrypt; a changed hash is a new entry', async () => {
    const slow = await hash('right', 10);
    const verifier = new BasicAuthVerifier();
    const users = new Map([['alice', slow]]);
    const timed = async (header: string) => {
      const start = performance.now();
      const ok = await verifier.verify(users, header);
      return { ok, ms: performance.now() - start };
    };
    const first = await timed(basic('alice', 'right'));
    const again = await timed(basic('alice', 'right'));
    expect(first.ok && again.ok).toBe(true);
    expect(again.ms).toBeLessThan(first.ms / 5);
    // An unknown user costs a bcrypt comparison too (no cheap "no such user" answer).
    const unknown = await timed(basic('mallory', 'right'));
    expect(unknown.ok).toBe(false);
    expect(unknown.ms).toBeGreaterThan(first.ms / 4);
    // Changing alice's hash invalidates the cached "yes".
    users.set('alice', await hash('other', 4));
    expect(await verifier.verify(users, basic('alice', 'right'))).toBe(false);
    expect(await verifier.verify(users, basic('alice', 'other'))).toBe(true);
  });
});
