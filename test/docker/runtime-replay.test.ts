/**
 * Replays the Dockerfile's runtime stage without a Docker engine: copies exactly what the runtime
 * stage COPYs into a temporary folder (dist/ from the build the suite runs after), installs the
 * production dependencies the way the stage does, starts the entrypoint from there against the
 * simulator, and checks that /metrics serves the exporter's series. A dependency missing from
 * `dependencies`, a file the runtime needs but the image does not copy, or a write to the
 * application folder shows up here.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { argumentsOf, copiesOf, envOf, instructionsOf, parseDockerfile, repoRoot, type Stage } from './dockerfile-stages.js';

const execFileAsync = promisify(execFile);
const stages = parseDockerfile();
const runtime = stages.at(-1) as Stage;

function workdirOf(stage: Stage): string {
  const dirs = instructionsOf(stage, 'WORKDIR').map((i) => argumentsOf(i).join(' '));
  return dirs.at(-1) ?? '/';
}

/** Maps an absolute path inside the image (under the runtime WORKDIR) to the replay folder. */
function inImage(root: string, imagePath: string): string {
  const rel = posix.relative(workdirOf(runtime), posix.resolve(workdirOf(runtime), imagePath));
  if (rel.startsWith('..')) throw new Error(`${imagePath} is outside the runtime WORKDIR ${workdirOf(runtime)}`);
  return join(root, rel);
}

/** Maps a path of another stage (relative to its WORKDIR) to the repository, where `npm run build` ran. */
function inRepo(stage: Stage, stagePath: string): string {
  const rel = posix.relative(workdirOf(stage), posix.resolve(workdirOf(stage), stagePath));
  if (rel.startsWith('..')) throw new Error(`${stagePath} is outside the ${stage.name ?? ''} stage's WORKDIR`);
  return join(repoRoot, rel);
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

async function waitFor(url: string, status: number, timeoutMs: number, child: ChildProcess): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exporter exited with ${child.exitCode} before ${url} answered ${status}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === status) return res;
      last = `HTTP ${res.status}`;
      await res.body?.cancel();
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

interface SimulatorHandle {
  close(): Promise<void> | void;
}

describe('Docker runtime stage, replayed without Docker', () => {
  let root = '';
  let appDir = '';
  let child: ChildProcess | undefined;
  let sim: SimulatorHandle | undefined;
  let output = '';
  let baseUrl = '';
  let filesBefore: string[] = [];

  beforeAll(async () => {
    expect(existsSync(join(repoRoot, 'dist', 'main.js')), 'run `npm run build` first: dist/main.js is missing').toBe(true);
    root = mkdtempSync(join(tmpdir(), 'mae-runtime-replay-'));
    appDir = join(root, 'app');
    mkdirSync(appDir);

    // 1. COPY exactly what the runtime stage copies.
    for (const copy of copiesOf(runtime)) {
      const sourceStage = copy.from === null ? null : stages.find((s) => s.name === copy.from || String(s.index) === copy.from);
      if (copy.from !== null && sourceStage === undefined) throw new Error(`COPY --from=${copy.from}: no such stage`);
      for (const source of copy.sources) {
        const from = sourceStage === null || sourceStage === undefined ? join(repoRoot, source) : inRepo(sourceStage, source);
        const isDir = statSync(from).isDirectory();
        const dest = copy.destination.endsWith('/') && !isDir ? inImage(appDir, posix.join(copy.destination, posix.basename(source))) : inImage(appDir, copy.destination);
        mkdirSync(isDir ? dest : dirname(dest), { recursive: true });
        cpSync(from, dest, { recursive: true });
      }
    }

    // 2. RUN npm ci --omit=dev, as the runtime stage does (offline-first: the cache usually has it all).
    const runs = instructionsOf(runtime, 'RUN').map((i) => i.getArgumentsContent() ?? '').join('\n');
    expect(runs).toMatch(/npm ci\b[^\n&]*--omit=dev/);
    await execFileAsync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: appDir,
      env: { ...process.env, NODE_ENV: 'production' },
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    filesBefore = listFiles(appDir);

    // 3. The simulator, and a config that reads the keys from files as the Helm chart mounts them.
    const simulator = (await import('../../src/simulator/index.js')) as unknown as {
      startSimulator(options: { dataset: unknown }): Promise<SimulatorHandle & { url: string; atlasBaseUrl: string; publicBaseUrl: string; dataset: unknown }>;
      generateDataset(options: { seed: number }): unknown;
      exporterConfigFor(sim: unknown): Record<string, unknown>;
    };
    const started = await simulator.startSimulator({ dataset: simulator.generateDataset({ seed: 1 }) });
    sim = started;
    const config = simulator.exporterConfigFor(started) as {
      users?: Record<string, unknown>[];
      projects?: Record<string, unknown>[];
    };
    const secretsDir = join(root, 'secrets');
    mkdirSync(secretsDir);
    config.users?.forEach((user, i) => {
      if (typeof user.apiKey !== 'string') return;
      const file = join(secretsDir, `user-${i}.apiKey`);
      writeFileSync(file, user.apiKey, { mode: 0o400 });
      delete user.apiKey;
      user.apiKeyFile = file;
    });
    config.projects?.forEach((project, i) => {
      if (typeof project.privateKey !== 'string') return;
      const file = join(secretsDir, `project-${i}.privateKey`);
      writeFileSync(file, project.privateKey, { mode: 0o400 });
      delete project.privateKey;
      project.privateKeyFile = file;
    });
    const configFile = join(root, 'config.yaml');
    writeFileSync(configFile, stringify(config));

    // 4. ENTRYPOINT + our flags, with the stage's ENV, from the replayed /app.
    const entrypoint = argumentsOf(instructionsOf(runtime, 'ENTRYPOINT').at(-1)!);
    expect(entrypoint[0]).toBe('node');
    const script = inImage(appDir, entrypoint[1] ?? '');
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [script, `--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=info'], {
      cwd: appDir,
      env: { PATH: process.env.PATH ?? '', ...Object.fromEntries(envOf(runtime)) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  }, 300_000);

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      child.kill('SIGKILL');
    }
    await sim?.close();
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  it('holds only dist/, the package files and production dependencies', () => {
    const top = readdirSync(appDir).sort();
    expect(top).toEqual(['dist', 'node_modules', 'package-lock.json', 'package.json']);
    expect(existsSync(join(appDir, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(appDir, 'node_modules', 'vitest'))).toBe(false);
  });

  it('serves /healthz, then /readyz after the first poll, then mongodb_apikey_ series on /metrics', async () => {
    try {
      await waitFor(`${baseUrl}/healthz`, 200, 20_000, child!);
      await waitFor(`${baseUrl}/readyz`, 200, 60_000, child!);
      const res = await fetch(`${baseUrl}/metrics`);
      expect(res.status).toBe(200);
      const body = await res.text();
      const series = body.split('\n').filter((l) => l.startsWith('mongodb_apikey_'));
      expect(series.length).toBeGreaterThan(0);
      expect(body).toMatch(/^mongodb_apikey_info\{/m);
      expect(body).toMatch(/^mongodb_apikey_scope_up\{[^}]*\} 1$/m);
      expect(body).toMatch(/^mongodb_apikey_exporter_build_info\{/m);
    } catch (error) {
      throw new Error(`${String(error)}\n--- exporter output ---\n${output}`);
    }
  }, 90_000);

  it('writes nothing into the application folder (read-only root filesystem)', () => {
    expect(listFiles(appDir)).toEqual(filesBefore);
  });

  it('exits 0 within 10 s of SIGTERM', async () => {
    const proc = child!;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
    expect(code, output).toBe(0);
  }, 15_000);
});
