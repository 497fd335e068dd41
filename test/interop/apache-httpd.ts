import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A throw-away Apache httpd whose only job is mod_auth_digest in front of static JSON files: an
 * independent digest implementation to hold the exporter's client against, next to our simulator.
 * Everything lives in one temp dir with a standalone httpd.conf (no /etc/apache2 includes).
 */

/** Where Debian's package puts them; APACHE2_BIN / APACHE2_MODULES override for other layouts. */
const APACHE_BIN = process.env.APACHE2_BIN ?? '/usr/sbin/apache2';
const MODULES_DIR = process.env.APACHE2_MODULES ?? '/usr/lib/apache2/modules';
const MODULES = [
  ['mpm_event_module', 'mod_mpm_event.so'],
  ['authn_core_module', 'mod_authn_core.so'],
  ['authn_file_module', 'mod_authn_file.so'],
  ['authz_core_module', 'mod_authz_core.so'],
  ['authz_user_module', 'mod_authz_user.so'],
  ['auth_digest_module', 'mod_auth_digest.so'],
  ['mime_module', 'mod_mime.so'],
  ['alias_module', 'mod_alias.so'],
] as const;

export const REALM = 'MMS Public API';

/**
 * Fails (never skips) when Apache is not there: CI installs it, and a silently skipped interop
 * test proves nothing.
 */
export function requireApache(): void {
  const missing = [APACHE_BIN, ...MODULES.map(([, file]) => join(MODULES_DIR, file))].filter((path) => {
    try {
      accessSync(path, constants.R_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(
      `Apache httpd is required for the digest interop test but is missing: ${missing.join(', ')}. ` +
        'Install it (Debian/Ubuntu: apt-get install apache2) or point APACHE2_BIN / APACHE2_MODULES at it.',
    );
  }
}

/** A free TCP port on 127.0.0.1: bind port 0, read it, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

/** `user:realm:md5(user:realm:password)`, the htdigest file format. */
export function htdigestLine(user: string, password: string, realm = REALM): string {
  return `${user}:${realm}:${createHash('md5').update(`${user}:${realm}:${password}`).digest('hex')}`;
}

/** One access log line: the status, the request line, and the digest fields of its Authorization header. */
export interface AccessLine {
  readonly status: number;
  readonly method: string;
  readonly target: string;
  /** The request carried an `Authorization: Digest …` header. */
  readonly authorized: boolean;
  readonly username?: string;
  readonly nonce?: string;
  /** The nonce count as sent (hex), parsed. */
  readonly nc?: number;
}

export interface Content {
  /** URL path (no leading slash) → JSON body. A path may not be both a file and a folder; see `aliases`. */
  readonly files: Readonly<Record<string, unknown>>;
  /** Exact URL path → JSON body, for a path that is also a folder (e.g. `/groups` and `/groups/{id}/…`). */
  readonly aliases?: Readonly<Record<string, unknown>>;
}

export interface ApacheOptions {
  /** What to serve; given the origin, for bodies that link to themselves. */
  readonly content: (origin: string) => Content;
  /** user → password, written as an htdigest file. */
  readonly users: Readonly<Record<string, string>>;
  /** More directives for the protected `<Location />`, e.g. `AuthDigestNonceLifetime 1`. */
  readonly digestDirectives?: readonly string[];
}

export interface Apache {
  readonly port: number;
  readonly origin: string;
  readonly dir: string;
  /** The access log so far, parsed. */
  accessLog(): Promise<AccessLine[]>;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

// %s and %r, then the Authorization header verbatim (quotes in it come out as \").
const LOG_FORMAT = '%s "%r" "%{Authorization}i"';
const LOG_LINE = /^(\d{3}) "(\S+) (\S+) [^"]*" "(.*)"$/;

function parseAccessLine(line: string): AccessLine {
  const match = LOG_LINE.exec(line);
  if (!match) throw new Error(`unparsable access log line: ${line}`);
  const [, status, method, target, auth] = match as unknown as [string, string, string, string, string];
  const header = auth.replace(/\\"/g, '"');
  const field = (name: string) => new RegExp(`(?:^|[\\s,])${name}="?([^",]*)`, 'i').exec(header)?.[1];
  const nc = field('nc');
  const username = field('username');
  const nonce = field('nonce');
  return {
    status: Number(status),
    method,
    target,
    authorized: /^Digest\s/i.test(header),
    ...(username !== undefined ? { username } : {}),
    ...(nonce !== undefined ? { nonce } : {}),
    ...(nc !== undefined ? { nc: Number.parseInt(nc, 16) } : {}),
  };
}

function confOf(dir: string, port: number, options: ApacheOptions, aliases: readonly [string, string][]): string {
  const root = process.getuid?.() === 0;
  return [
    `ServerRoot "${dir}"`,
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${port}`,
    `PidFile "${dir}/httpd.pid"`,
    `DefaultRuntimeDir "${dir}"`,
    `ErrorLog "${dir}/error.log"`,
    // auth_digest at debug writes why it sends each challenge (expired nonce, nc replay…).
    'LogLevel warn auth_digest:debug',
    ...MODULES.map(([name, file]) => `LoadModule ${name} "${join(MODULES_DIR, file)}"`),
    // Apache will not run its workers as root.
    ...(root ? ['User nobody', 'Group nogroup'] : []),
    // One small worker process is plenty for a test.
    'StartServers 1',
    'ServerLimit 1',
    'ThreadsPerChild 25',
    'MaxRequestWorkers 25',
    'MinSpareThreads 1',
    'MaxSpareThreads 50',
    `TypesConfig "${dir}/mime.types"`,
    `LogFormat "${LOG_FORMAT.replace(/"/g, '\\"')}" digest`,
    `CustomLog "${dir}/access.log" digest`,
    `DocumentRoot "${dir}/www"`,
    ...aliases.map(([path, file]) => `AliasMatch "^${path.replace(/[.]/g, '\\.')}$" "${file}"`),
    `<Directory "${dir}/www">`,
    '  ForceType application/json',
    '</Directory>',
    '<Location "/">',
    '  AuthType Digest',
    `  AuthName "${REALM}"`,
    '  AuthDigestProvider file',
    `  AuthUserFile "${dir}/digest.htpasswd"`,
    '  AuthDigestDomain /',
    ...(options.digestDirectives ?? []).map((directive) => `  ${directive}`),
    '  Require valid-user',
    '</Location>',
    '',
  ].join('\n');
}

async function waitForPort(port: number, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`apache2 exited (${child.exitCode ?? child.signalCode}) before listening:\n${output()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`apache2 did not listen on ${port} within ${timeoutMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Writes the tree and the config, starts `apache2 -f … -DFOREGROUND`, waits until it answers. */
export async function startApache(options: ApacheOptions): Promise<Apache> {
  requireApache();
  const dir = await mkdtemp(join(tmpdir(), 'apikey-apache-'));
  const port = await freePort();
  const content = options.content(`http://127.0.0.1:${port}`);
  // The workers run as nobody when we are root: they must read the tree and the password file.
  await chmod(dir, 0o755);
  const writePublic = async (path: string, text: string) => {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await writeFile(path, text, { mode: 0o644 });
  };
  for (const [path, body] of Object.entries(content.files)) await writePublic(join(dir, 'www', path), JSON.stringify(body));
  const aliases: [string, string][] = [];
  for (const [index, [path, body]] of Object.entries(content.aliases ?? {}).entries()) {
    const file = join(dir, 'aliased', `${index}.json`);
    await writePublic(file, JSON.stringify(body));
    aliases.push([path, file]);
  }
  await writePublic(join(dir, 'www', '.keep'), '');
  await writePublic(join(dir, 'digest.htpasswd'), Object.entries(options.users).map(([user, password]) => `${htdigestLine(user, password)}\n`).join(''));
  await writePublic(join(dir, 'mime.types'), '');
  await writeFile(join(dir, 'httpd.conf'), confOf(dir, port, options, aliases));

  const child = spawn(APACHE_BIN, ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, APACHE_RUN_DIR: dir, APACHE_LOCK_DIR: dir, APACHE_PID_FILE: join(dir, 'httpd.pid'), APACHE_LOG_DIR: dir, APACHE_RUN_USER: 'nobody', APACHE_RUN_GROUP: 'nogroup' },
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
  try {
    await waitForPort(port, child, () => output, 15_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\nerror.log:\n${await errorLog()}`);
  }

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    dir,
    async accessLog() {
      const text = await readFile(join(dir, 'access.log'), 'utf8').catch(() => '');
      return text.split('\n').filter((line) => line !== '').map(parseAccessLine);
    },
    errorLog,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // SIGTERM: the parent stops its workers and removes the pid file and shared memory.
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
