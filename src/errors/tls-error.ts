import { ExporterError } from './exporter-error.js';

/** What went wrong in a TLS handshake: Node's or OpenSSL's code, and what it means for the config. */
export interface TlsProblem {
  readonly code: string;
  readonly hint: string | undefined;
}

/** The API's certificate did not verify, or the handshake failed (a client certificate missing or refused). */
export class TlsError extends ExporterError {
  override name = 'TlsError';
  readonly code: string;

  constructor(method: string, url: string, problem: TlsProblem, cause: unknown, via?: string) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super('tls', `${method} ${url} failed${via === undefined ? '' : ` through the proxy ${via}`}: TLS: ${message}${message.includes(problem.code) ? '' : ` (${problem.code})`}${problem.hint === undefined ? '' : `; ${problem.hint}`}`, {
      cause,
    });
    this.code = problem.code;
  }
}

/** OpenSSL's certificate verification codes, as Node names them, and its handshake alerts. */
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_)|CERT|CRL|^UNABLE_TO_|^INVALID_CA$|^PATH_LENGTH_EXCEEDED$|^INVALID_PURPOSE$|^HOSTNAME_MISMATCH$/;

const HINTS: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate is not signed by a trusted CA: give its CA in tls.caFile',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer of the server certificate is not trusted: give its CA in tls.caFile',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a CA that is not trusted: give it in tls.caFile',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed: give it in tls.caFile',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  CERT_NOT_YET_VALID: 'the server certificate is not valid yet (check the clocks)',
  ERR_TLS_CERT_ALTNAME_INVALID: "the server certificate is not for this host: fix baseUrl, or name the certificate's host in tls.serverName",
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server requires a client certificate: give tls.certFile and tls.keyFile',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'the server refused the handshake (a client certificate required?)',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the server refused the client certificate: check tls.certFile and tls.keyFile',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'the server does not trust the CA of the client certificate: check tls.certFile and tls.keyFile',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS on this port (an http:// baseUrl?)',
};

/** The TLS problem behind an error (its own code or a cause's), or undefined when it is not one. */
export function tlsProblemOf(error: unknown): TlsProblem | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && TLS_CODE.test(code)) return { code, hint: HINTS[code] };
  }
  return undefined;
}
