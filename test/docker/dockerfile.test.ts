/**
 * Static checks of the Dockerfile (no Docker engine needed): parsed with dockerfile-ast.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  argumentsOf,
  copiesOf,
  envOf,
  healthcheckOf,
  instructionsOf,
  labelsOf,
  parseDockerfile,
  type Stage,
} from './dockerfile-stages.js';

const stages = parseDockerfile();
const runtime = stages.at(-1) as Stage;
const build = stages.find((s) => s.name === 'build');
const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string; license: string };

/** Node.js LTS lines that are current (Active or Maintenance LTS) when this was written. */
const NODE_LTS_MAJOR = 24;

function runCommands(stage: Stage): string[] {
  return instructionsOf(stage, 'RUN').map((i) => (i.getArgumentsContent() ?? '').replace(/\\\r?\n/g, ' '));
}

function isNodeLtsImage(stage: Stage): boolean {
  const tag = stage.tag ?? '';
  const official = stage.image === 'node' || stage.image === 'docker.io/library/node';
  const distroless = stage.image === 'gcr.io/distroless/nodejs24-debian12' || stage.image === 'gcr.io/distroless/nodejs24-debian13';
  if (official) return new RegExp(`^${NODE_LTS_MAJOR}(\\.\\d+){0,2}-(bookworm|trixie)-slim$`).test(tag) || new RegExp(`^${NODE_LTS_MAJOR}\\.\\d+\\.\\d+-alpine`).test(tag);
  return distroless && tag !== '' && tag !== 'latest';
}

describe('Dockerfile', () => {
  it('is multi-stage: a named build stage, then a different runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build).toBeDefined();
    expect(runtime.name).not.toBe('build');
  });

  it('bases every stage on the current Node.js LTS with a pinned tag', () => {
    for (const stage of stages) {
      expect(isNodeLtsImage(stage), `${stage.image}:${stage.tag ?? ''}`).toBe(true);
      // pinned: a full x.y.z version (or a digest), never a floating major alone
      expect(stage.digest !== null || /^\d+\.\d+\.\d+-/.test(stage.tag ?? ''), `${stage.image}:${stage.tag ?? ''} is not pinned`).toBe(true);
    }
  });

  it('compiles TypeScript in the build stage with npm ci and npm run build', () => {
    const runs = runCommands(build as Stage);
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
  });

  it('copies only dist/ (from the build stage) and the package files into the runtime stage', () => {
    const copies = copiesOf(runtime);
    const fromContext = copies.filter((c) => c.from === null).flatMap((c) => c.sources);
    expect(new Set(fromContext)).toEqual(new Set(['package.json', 'package-lock.json']));
    const fromStages = copies.filter((c) => c.from !== null);
    expect(fromStages.length).toBe(1);
    expect(fromStages[0]?.from).toBe('build');
    expect(fromStages[0]?.sources.map((s) => s.replace(/\/$/, ''))).toEqual(['/src/dist']);
    expect(fromStages[0]?.destination.replace(/\/$/, '')).toMatch(/^(\.\/)?dist$|^\/app\/dist$/);
    expect(instructionsOf(runtime, 'ADD')).toHaveLength(0);
  });

  it('installs production dependencies only, and cleans the npm cache', () => {
    const runs = runCommands(runtime).join('\n');
    expect(runs).toMatch(/npm ci\b[^\n&]*--omit=dev/);
    expect(runs).toMatch(/npm cache clean --force/);
    expect(runs).not.toMatch(/npm (install|i)\b/);
  });

  it('runs as a numeric non-root user in the final stage', () => {
    const users = instructionsOf(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = argumentsOf(users.at(-1)!).join(' ');
    const match = /^(\d+)(?::(\d+))?$/.exec(user);
    expect(match, `USER ${user} must be numeric`).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(0);
    if (match![2] !== undefined) expect(Number(match![2])).toBeGreaterThan(0);
    // the runtime user in the chart's securityContext is the same
    const values = readFileSync(fileURLToPath(new URL('../../helm/mongodb-apikey-exporter/values.yaml', import.meta.url)), 'utf8');
    expect(values).toContain(`runAsUser: ${match![1]}`);
  });

  it('sets NODE_ENV=production', () => {
    expect(envOf(runtime).get('NODE_ENV')).toBe('production');
  });

  it("caps V8's young generation at 8 MB per semi-space (Node.js 24 would let it take 128 MB; docs/performance.md)", () => {
    expect(envOf(runtime).get('NODE_OPTIONS')).toBe('--max-semi-space-size=8');
  });

  it('exposes 9947', () => {
    const ports = instructionsOf(runtime, 'EXPOSE').flatMap((i) => argumentsOf(i));
    expect(ports.map((p) => p.replace(/\/tcp$/, ''))).toEqual(['9947']);
  });

  it('has a HEALTHCHECK that uses node (no curl) against /healthz', () => {
    const checks = instructionsOf(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const { flags, command } = healthcheckOf(checks[0]!);
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('http://127.0.0.1:9947/healthz');
    expect(command.join(' ')).not.toMatch(/curl|wget/);
    expect(flags.has('interval') && flags.has('timeout')).toBe(true);
  });

  it('has a HEALTHCHECK script that is valid JavaScript', () => {
    const { command } = healthcheckOf(instructionsOf(runtime, 'HEALTHCHECK')[0]!);
    const script = command[command.indexOf('-e') + 1] ?? '';
    expect(() => new Function(script)).not.toThrow();
  });

  it('carries the OCI labels', () => {
    const labels = labelsOf(runtime);
    expect(labels.get('org.opencontainers.image.title')).toBe('mongodb-apikey-exporter');
    expect(labels.get('org.opencontainers.image.description')).toBeTruthy();
    expect(labels.get('org.opencontainers.image.source')).toMatch(/^https:\/\//);
    expect(labels.get('org.opencontainers.image.licenses')).toBe(pkg.license);
    expect(labels.get('org.opencontainers.image.licenses')).toBe('Apache-2.0');
    // version comes from a build ARG declared in the runtime stage, defaulting to package.json's
    expect(labels.get('org.opencontainers.image.version')).toBe('${VERSION}');
    const args = instructionsOf(runtime, 'ARG').map((i) => argumentsOf(i).join(''));
    expect(args).toContain(`VERSION=${pkg.version}`);
  });

  it('stops with SIGTERM', () => {
    const stop = instructionsOf(runtime, 'STOPSIGNAL');
    expect(stop.map((i) => argumentsOf(i).join(' '))).toEqual(['SIGTERM']);
  });

  it('starts node /app/dist/main.js with the config file under /etc', () => {
    expect(instructionsOf(runtime, 'WORKDIR').map((i) => argumentsOf(i).join(''))).toContain('/app');
    const entry = instructionsOf(runtime, 'ENTRYPOINT');
    expect(entry).toHaveLength(1);
    expect(argumentsOf(entry[0]!)).toEqual(['node', '/app/dist/main.js']);
    const cmd = instructionsOf(runtime, 'CMD');
    expect(cmd).toHaveLength(1);
    expect(argumentsOf(cmd[0]!)).toEqual(['--config.file=/etc/mongodb-apikey-exporter/config.yaml']);
  });

  it('writes nothing at run time: no VOLUME, no writable state the exporter needs', () => {
    expect(instructionsOf(runtime, 'VOLUME')).toHaveLength(0);
  });

  it('keeps the build context small (.dockerignore re-includes only what the build needs)', () => {
    const ignore = readFileSync(fileURLToPath(new URL('../../.dockerignore', import.meta.url)), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('**');
    const included = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const contextSources = stages
      .flatMap((s) => copiesOf(s))
      .filter((c) => c.from === null)
      .flatMap((c) => c.sources.map((s) => s.replace(/\/$/, '')));
    for (const source of contextSources) expect(included, `${source} must be re-included`).toContain(source);
  });
});
