import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The built entry point, as `npm test` builds it before the suite. */
export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface Exporter {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

/** Runs `node dist/main.js args…` as a user would, collecting its output. */
export function spawnExporter(args: readonly string[], env: NodeJS.ProcessEnv = {}): Exporter {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Stops a running exporter with SIGTERM, and with SIGKILL when it has not exited within `graceMs`. */
export async function stopExporter(exporter: Exporter | undefined, graceMs = 10_000): Promise<void> {
  if (exporter === undefined || exporter.child.exitCode !== null || exporter.child.signalCode !== null) return;
  exporter.child.kill('SIGTERM');
  const killer = setTimeout(() => exporter.child.kill('SIGKILL'), graceMs);
  await exporter.exited;
  clearTimeout(killer);
}

/** Waits until GET url answers `status`. */
export async function waitForStatus(url: string, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === status) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
