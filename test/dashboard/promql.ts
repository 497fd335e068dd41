/**
 * Static checks of PromQL with the Prometheus UI's own grammar (@prometheus-io/lezer-promql):
 * syntax errors, the selectors a query reads, and the ranges of rate()-like functions.
 * Shared by the dashboard and the alert-rule tests.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { EXPORTER_FAMILIES, KEY_FAMILIES, SCOPE_FAMILIES, TRAIL_FAMILIES, type Family } from '../../src/metrics/contract.js';
import contract from './metric-contract.json' with { type: 'json' };

export interface Matcher {
  label: string;
  op: string;
  value: string;
}

export interface Selector {
  metric: string;
  matchers: Matcher[];
  text: string;
}

export interface Analysis {
  /** One message per error node, with the offending position; empty when the query parses. */
  errors: string[];
  selectors: Selector[];
  /** rate/irate/increase/… calls and the range of their matrix selector. */
  rangeCalls: { fn: string; range: string }[];
  /** Label names in by/without/on/ignoring/group_left/group_right clauses. */
  groupingLabels: string[];
  /** Function names called. */
  functions: string[];
}

const RATE_FUNCTIONS = new Set(['rate', 'irate', 'increase']);

/** Parses a PromQL expression (variables already expanded) and collects what the checks need. */
export function analyze(expr: string): Analysis {
  const tree = parser.parse(expr);
  const out: Analysis = { errors: [], selectors: [], rangeCalls: [], groupingLabels: [], functions: [] };
  const text = (n: SyntaxNode): string => expr.slice(n.from, n.to);
  tree.iterate({
    enter(ref) {
      const node = ref.node;
      if (ref.type.isError) {
        out.errors.push(`syntax error at ${ref.from}: …${expr.slice(Math.max(0, ref.from - 30), ref.from)}⚠${expr.slice(ref.from, ref.from + 30)}…`);
        return;
      }
      switch (ref.name) {
        case 'VectorSelector': {
          const ident = node.getChild('Identifier');
          const matchers: Matcher[] = [];
          const list = node.getChild('LabelMatchers');
          for (let c = list?.firstChild ?? null; c; c = c.nextSibling) {
            if (c.name !== 'UnquotedLabelMatcher' && c.name !== 'QuotedLabelMatcher') continue;
            const name = c.getChild('LabelName') ?? c.getChild('QuotedLabelName');
            const op = c.getChild('MatchOp');
            const value = c.getChild('StringLiteral');
            matchers.push({
              label: name ? text(name).replace(/^"|"$/g, '') : '',
              op: op ? text(op) : '',
              value: value ? unquote(text(value)) : '',
            });
          }
          const nameMatcher = matchers.find((m) => m.label === '__name__' && m.op === '=');
          out.selectors.push({ metric: ident ? text(ident) : (nameMatcher?.value ?? ''), matchers, text: text(node) });
          break;
        }
        case 'FunctionCall': {
          const id = node.getChild('FunctionIdentifier');
          const fn = id ? text(id) : '';
          out.functions.push(fn);
          if (RATE_FUNCTIONS.has(fn)) {
            const body = node.getChild('FunctionCallBody');
            const matrix = body?.getChild('MatrixSelector');
            const m = matrix ? /\[([^\]]*)\]\s*$/.exec(text(matrix)) : null;
            out.rangeCalls.push({ fn, range: m?.[1]?.trim() ?? '(no range selector)' });
          }
          break;
        }
        case 'GroupingLabels':
          for (let c = node.firstChild; c; c = c.nextSibling) {
            if (c.name === 'LabelName') out.groupingLabels.push(text(c));
          }
          break;
      }
    },
  });
  return out;
}

function unquote(s: string): string {
  if (s.startsWith('`')) return s.slice(1, -1);
  try {
    return JSON.parse(s.startsWith("'") ? `"${s.slice(1, -1).replace(/"/g, '\\"')}"` : s) as string;
  } catch {
    return s.slice(1, -1);
  }
}

interface MetricSpec {
  type: string;
  labels: string[];
}

/** Every family of src/metrics/contract.ts, the registry of metric names and types. */
export const CONTRACT_FAMILIES: readonly Family[] = [...Object.values(KEY_FAMILIES), ...Object.values(SCOPE_FAMILIES), ...Object.values(TRAIL_FAMILIES), ...Object.values(EXPORTER_FAMILIES)];

// Names and types come from the exporter's contract; metric-contract.json adds the label sets
// (checked against the exposition by metric-contract.test.ts).
const contractLabels: Record<string, { labels: string[] } | undefined> = contract.metrics;
const families: Record<string, MetricSpec> = {
  ...Object.fromEntries(CONTRACT_FAMILIES.map((f) => [f.name, { type: f.type, labels: contractLabels[f.name]?.labels ?? [] }])),
  ...pickExternal(contract.external),
};

function pickExternal(ext: Record<string, unknown>): Record<string, MetricSpec> {
  return Object.fromEntries(Object.entries(ext).filter(([k]) => !k.startsWith('$'))) as Record<string, MetricSpec>;
}

/** The contract family a series name belongs to (histogram _bucket/_sum/_count included), or undefined. */
export function familyOf(metric: string): { family: string; spec: MetricSpec; extraLabels: string[] } | undefined {
  if (families[metric]) return { family: metric, spec: families[metric] as MetricSpec, extraLabels: [] };
  const m = /^(.*)_(bucket|sum|count)$/.exec(metric);
  const base = m?.[1];
  if (base && families[base]?.type === 'histogram') {
    return { family: base, spec: families[base] as MetricSpec, extraLabels: m?.[2] === 'bucket' ? ['le'] : [] };
  }
  return undefined;
}

/** Every label name any contract series may carry, plus job/instance, a ServiceMonitor's target labels and le. */
export const knownLabels = new Set<string>([
  ...contract.scrapeLabels,
  ...contract.kubernetesTargetLabels.labels,
  'le',
  ...Object.values(families).flatMap((f) => f.labels),
]);

/** Problems with the metric and label names an analysed query uses, checked against the contract. */
export function contractProblems(a: Analysis): string[] {
  const problems: string[] = [];
  for (const sel of a.selectors) {
    const fam = familyOf(sel.metric);
    if (!fam) {
      problems.push(`metric ${JSON.stringify(sel.metric)} is not in the metric contract`);
      continue;
    }
    const allowed = new Set([...fam.spec.labels, ...fam.extraLabels, ...contract.scrapeLabels]);
    for (const m of sel.matchers) {
      if (m.label !== '__name__' && !allowed.has(m.label)) {
        problems.push(`${sel.metric} has no label ${JSON.stringify(m.label)}`);
      }
    }
  }
  for (const l of a.groupingLabels) {
    if (!knownLabels.has(l)) problems.push(`grouping/matching label ${JSON.stringify(l)} exists on no contract metric`);
  }
  return problems;
}

export { contract };
