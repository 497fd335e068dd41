/**
 * The Go stand-in for `helm template` (test/helm/renderer) follows Helm's semantics on a tiny
 * fixture chart: values merging (null deletes), include/tpl/required/fail/lookup, toYaml/fromYaml/
 * toJson, .Files, .Capabilities, .Release, .Chart, .Template, partials and NOTES.txt skipped.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { engine, renderRaw, RenderError } from './render.js';

const FILES: Record<string, string> = {
  'Chart.yaml': 'apiVersion: v2\nname: fixture\nversion: 1.2.3\nappVersion: "4.5.6"\nkubeVersion: ">=1.25.0-0"\n',
  'values.yaml': 'a: 1\nnested:\n  keep: yes-kept\n  drop: dropped\nlist: [x, y]\nbig: 1000000\nname: world\ntext: "hello {{ .Values.name }}"\nneed: ""\n',
  'files/one.txt': 'first\nsecond\n',
  'files/sub/two.conf': 'k=v\n',
  'templates/_helpers.tpl': '{{- define "fixture.greet" -}}hi {{ . }}{{- end -}}\n',
  'templates/NOTES.txt': 'notes are not manifests\n',
  'templates/out.yaml': [
    'kind: Out',
    'include: {{ include "fixture.greet" "you" | quote }}',
    'tpl: {{ tpl .Values.text . | quote }}',
    'values: {{ toJson .Values | quote }}',
    'yaml: {{ toYaml .Values.nested | quote }}',
    'fromYaml: {{ (fromYaml "x: {y: 2}").x.y }}',
    'big: {{ .Values.big }}',
    'missing: "{{ .Values.nope }}"',
    'lookup: {{ lookup "v1" "Secret" "ns" "n" | toJson | quote }}',
    'file: {{ .Files.Get "files/one.txt" | quote }}',
    'lines: {{ .Files.Lines "files/one.txt" | toJson | quote }}',
    'glob: {{ (.Files.Glob "files/**.conf").AsConfig | quote }}',
    'has: {{ .Capabilities.APIVersions.Has "apps/v1" }}',
    'hasCrd: {{ .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}',
    'kube: {{ .Capabilities.KubeVersion.Version }}',
    'release: {{ .Release.Name }}/{{ .Release.Namespace }}/{{ .Release.Service }}',
    'chart: {{ .Chart.Name }}-{{ .Chart.Version }}-{{ .Chart.AppVersion }}',
    'template: {{ .Template.Name }}',
    'sprig: {{ "abc" | upper | sha256sum | trunc 8 }}',
    '{{- if .Values.need }}',
    'need: {{ required "need is required" .Values.need }}',
    '{{- end }}',
    '{{- if .Values.boom }}{{ fail "boom" }}{{ end }}',
    '',
  ].join('\n'),
  'templates/empty.yaml': '{{- if false }}\nkind: Never\n{{- end }}\n',
};

let chart = '';
beforeAll(() => {
  chart = mkdtempSync(join(tmpdir(), 'mae-fixture-chart-'));
  for (const [name, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(chart, name)), { recursive: true });
    writeFileSync(join(chart, name), text);
  }
});
afterAll(() => rmSync(chart, { recursive: true, force: true }));

const out = (values: Record<string, unknown>[] = [], extra: { apiVersions?: string[]; engine?: 'helm' | 'renderer' } = {}): Record<string, unknown> => {
  const raw = renderRaw({ chart, values, releaseName: 'rel', namespace: 'ns', ...extra });
  expect(raw).not.toContain('kind: Never');
  expect(raw).not.toContain('notes are not manifests');
  expect(raw).toContain('# Source: fixture/templates/out.yaml');
  return parse(raw.replace(/^---\n/, '')) as Record<string, unknown>;
};

describe(`the chart renderer (${engine()}) on a fixture chart`, () => {
  it('implements the built-in objects and functions like helm', () => {
    const o = out();
    expect(o.include).toBe('hi you');
    expect(o.tpl).toBe('hello world');
    expect(JSON.parse(o.values as string)).toEqual({
      a: 1,
      nested: { keep: 'yes-kept', drop: 'dropped' },
      list: ['x', 'y'],
      big: 1000000,
      name: 'world',
      text: 'hello {{ .Values.name }}',
      need: '',
    });
    expect(o.yaml).toBe('drop: dropped\nkeep: yes-kept');
    expect(o.fromYaml).toBe(2);
    expect(o.big).toBe(1e6); // helm's float64 values: printed as 1e+06
    expect(o.missing).toBe('');
    expect(o.lookup).toBe('{}');
    expect(o.file).toBe('first\nsecond\n');
    expect(JSON.parse(o.lines as string)).toEqual(['first', 'second']);
    expect(o.glob).toBe('two.conf: |\n  k=v');
    expect(o.has).toBe(true);
    expect(o.hasCrd).toBe(false);
    expect(o.kube).toBe('v1.30.0');
    expect(o.release).toBe('rel/ns/Helm');
    expect(o.chart).toBe('fixture-1.2.3-4.5.6');
    expect(o.template).toBe('fixture/templates/out.yaml');
    expect(o.sprig).toMatch(/^[0-9a-f]{8}$/);
  });

  it('merges values files in order; null deletes a key; lists are replaced', () => {
    const o = out([{ nested: { drop: null }, list: ['z'] }, { name: 'again' }]);
    expect(JSON.parse(o.values as string)).toMatchObject({ nested: { keep: 'yes-kept' }, list: ['z'], name: 'again' });
    expect(JSON.parse(o.values as string).nested).not.toHaveProperty('drop');
    expect(o.tpl).toBe('hello again');
  });

  it('adds --api-versions to .Capabilities', () => {
    expect(out([], { apiVersions: ['monitoring.coreos.com/v1'] }).hasCrd).toBe(true);
  });

  it('fails on required and fail, with the message', () => {
    expect(out([{ need: 'ok' }]).need).toBe('ok');
    expect(() => renderRaw({ chart, values: [{ boom: true }] })).toThrow(/boom/);
    expect(() => renderRaw({ chart, values: [{ need: null }] })).not.toThrow();
  });

  it('refuses a Kubernetes version outside kubeVersion', () => {
    expect(() => renderRaw({ chart, kubeVersion: '1.24.9' })).toThrow(RenderError);
    expect(() => renderRaw({ chart, kubeVersion: '1.25.0' })).not.toThrow();
  });
});
