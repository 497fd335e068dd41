import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM text of one certificate and its key, and where they are on disk. */
export interface Pair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export interface Pki {
  readonly ca: Pair;
  /** For 127.0.0.1 and localhost (SAN), signed by `ca`. */
  readonly server: Pair;
  /** A second server certificate for the same names, to test rotation. */
  readonly server2: Pair;
  /** Client certificate signed by `ca` (SAN DNS:prometheus). */
  readonly client: Pair;
  /** Another CA and a client certificate it signed: unrelated to `ca`. */
  readonly otherCa: Pair;
  readonly otherClient: Pair;
}

const openssl = (folder: string, args: string[]) => run('openssl', args, { cwd: folder });

async function selfSignedCa(folder: string, name: string): Promise<Pair> {
  await openssl(folder, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return pairOf(folder, name);
}

async function issued(folder: string, ca: string, name: string, extensions: string): Promise<Pair> {
  await writeFile(join(folder, `${name}.ext`), `${extensions}\nbasicConstraints=CA:FALSE\n`);
  await openssl(folder, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  await openssl(folder, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`,
  ]);
  return pairOf(folder, name);
}

async function pairOf(folder: string, name: string): Promise<Pair> {
  const certFile = join(folder, `${name}.crt`);
  const keyFile = join(folder, `${name}.key`);
  return { certFile, keyFile, cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
}

/** A small PKI made by `openssl` in `folder`. */
export async function makePki(folder: string): Promise<Pki> {
  const ca = await selfSignedCa(folder, 'ca');
  const otherCa = await selfSignedCa(folder, 'other-ca');
  const serverExt = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth';
  const clientExt = 'subjectAltName=DNS:prometheus\nextendedKeyUsage=clientAuth';
  const [server, server2, client, otherClient] = await Promise.all([
    issued(folder, 'ca', 'server', serverExt),
    issued(folder, 'ca', 'server2', serverExt),
    issued(folder, 'ca', 'client', clientExt),
    issued(folder, 'other-ca', 'other-client', clientExt),
  ]);
  return { ca, server: server!, server2: server2!, client: client!, otherCa, otherClient: otherClient! };
}
