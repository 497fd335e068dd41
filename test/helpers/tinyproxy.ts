import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.js';

/** Debian's package puts it here; TINYPROXY_BIN overrides. */
const TINYPROXY = process.env.TINYPROXY_BIN ?? '/usr/bin/tinyproxy';

/** Whether tinyproxy is installed. Tests skip without it only off CI: CI installs it, and a skipped proxy test proves nothing. */
export function hasTinyproxy(): boolean {
  try {
    accessSync(TINYPROXY, constants.X_OK);
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`tinyproxy is required under CI but ${TINYPROXY} is missing (apt-get install tinyproxy)`);
    return false;
  }
}

export interface Tinyproxy {
  /** `http://127.0.0.1:port`, without credentials. */
  readonly url: string;
  readonly port: number;
  /** Its log so far: one `Request (file descriptor N): GET http://… HTTP/1.1` or `CONNECT host:port` line per request. */
  log(): Promise<string>;
  close(): Promise<void>;
}

export interface TinyproxyOptions {
  /** Requires `Proxy-Authorization: Basic` with these. */
  readonly basicAuth?: { readonly user: string; readonly password: string };
  /** The only ports CONNECT may reach; all of them by default. */
  readonly connectPorts?: readonly number[];
}

/** A throw-away tinyproxy on 127.0.0.1, in the foreground, with a config of its own in a temp dir. */
export async function startTinyproxy(options: TinyproxyOptions = {}): Promise<Tinyproxy> {
  const folder = await mkdtemp(join(tmpdir(), 'apikey-tinyproxy-'));
  const port = await freePort();
  const logFile = join(folder, 'tinyproxy.log');
  const lines = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 30',
    `LogFile "${logFile}"`,
    'LogLevel Connect',
    'MaxClients 200',
    'Allow 127.0.0.1',
    'DisableViaHeader Yes',
    ...(options.basicAuth ? [`BasicAuth ${options.basicAuth.user} ${options.basicAuth.password}`] : []),
    ...(options.connectPorts ?? []).map((allowed) => `ConnectPort ${allowed}`),
  ];
  await writeFile(join(folder, 'tinyproxy.conf'), `${lines.join('\n')}\n`);
  const child = spawn(TINYPROXY, ['-d', '-c', join(folder, 'tinyproxy.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tinyproxy did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(folder, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
