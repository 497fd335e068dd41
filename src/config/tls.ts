/**
 * TLS towards the API, per credential (Prometheus' `tls_config`): the PEM text of the files the
 * config names, read at load. The key sits in a private field, so that logging or serialising the
 * options prints the file names only.
 */
export class ClientTls {
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly serverName: string | undefined;
  readonly insecureSkipVerify: boolean;
  readonly #ca: string | undefined;
  readonly #cert: string | undefined;
  readonly #key: string | undefined;

  constructor(files: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string; insecureSkipVerify: boolean }, pem: { ca?: string; cert?: string; key?: string }) {
    this.caFile = files.caFile;
    this.certFile = files.certFile;
    this.keyFile = files.keyFile;
    this.serverName = files.serverName;
    this.insecureSkipVerify = files.insecureSkipVerify;
    this.#ca = pem.ca;
    this.#cert = pem.cert;
    this.#key = pem.key;
  }

  /** The options of `tls.connect`. */
  connectOptions(): { ca?: string; cert?: string; key?: string; servername?: string; rejectUnauthorized: boolean } {
    return {
      ...(this.#ca !== undefined ? { ca: this.#ca } : {}),
      ...(this.#cert !== undefined ? { cert: this.#cert } : {}),
      ...(this.#key !== undefined ? { key: this.#key } : {}),
      ...(this.serverName !== undefined ? { servername: this.serverName } : {}),
      rejectUnauthorized: !this.insecureSkipVerify,
    };
  }

  toJSON(): object {
    return { caFile: this.caFile, certFile: this.certFile, keyFile: this.keyFile, serverName: this.serverName, insecureSkipVerify: this.insecureSkipVerify };
  }
}
