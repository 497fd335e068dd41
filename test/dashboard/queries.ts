/**
 * The PromQL queries of a Grafana dashboard, with variables expanded the way Grafana's Prometheus
 * data source expands them. Pure: no I/O, no Grafana. Used by the dashboard lint test and by the
 * end-to-end test that runs every query against a live Prometheus.
 */

/** The parts of a Grafana dashboard JSON this module reads. */
export interface Dashboard {
  panels?: Panel[];
  templating?: { list?: Variable[] };
  [key: string]: unknown;
}

export interface Panel {
  id?: number;
  type?: string;
  title?: string;
  targets?: Target[];
  panels?: Panel[];
  [key: string]: unknown;
}

export interface Target {
  refId?: string;
  expr?: string;
  instant?: boolean;
  range?: boolean;
  hide?: boolean;
  [key: string]: unknown;
}

export interface Variable {
  type: string;
  name: string;
  query?: unknown;
  definition?: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
  current?: { text?: unknown; value?: unknown };
  options?: { text?: unknown; value?: unknown; selected?: boolean }[];
  [key: string]: unknown;
}

/**
 * Values for the expansion. A dashboard variable takes a string or a list of strings (a multi-value
 * selection; `'$__all'` or `['$__all']` selects All). When a variable is not given, its current value
 * in the dashboard JSON is used. Built-ins:
 * - `__rate_interval` (default `'5m'`), `__interval` (default `'1m'`), `__range` (default `'1h'`), as
 *   Prometheus durations; `__interval_ms`, `__range_s`, `__range_ms` are derived from them;
 * - `datasource` is left alone unless given.
 */
export type QueryVars = Record<string, string | readonly string[] | undefined>;

export interface DashboardQuery {
  /** Panel title (unexpanded). */
  panel: string;
  refId: string;
  /** The PromQL with every variable expanded. */
  expr: string;
  /** true for an instant query, false for a range query. */
  instant: boolean;
}

const ALL = '$__all';

/** Every panel, rows' nested panels included, in dashboard order. */
export function allPanels(dashboard: Dashboard): Panel[] {
  const out: Panel[] = [];
  const visit = (panels: Panel[] | undefined): void => {
    for (const p of panels ?? []) {
      out.push(p);
      visit(p.panels);
    }
  };
  visit(dashboard.panels);
  return out;
}

/** The queries of every panel target (hidden targets excluded), with variables expanded. */
export function dashboardQueries(dashboard: Dashboard, vars: QueryVars = {}): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      if (target.hide || typeof target.expr !== 'string') continue;
      out.push({
        panel: panel.title ?? '',
        refId: target.refId ?? '',
        expr: expandVariables(target.expr, dashboard, vars),
        instant: target.instant === true && target.range !== true,
      });
    }
  }
  return out;
}

export interface VariableQuery {
  variable: string;
  /** `label_values`, `query_result`, `metrics`, `label_names` or `expr` (a plain PromQL query). */
  fn: string;
  /** The PromQL inside the function (the series selector of label_values), expanded; '' when none. */
  expr: string;
  /** The label of label_values(…, label). */
  label?: string;
  /** The variable's regex, to apply to the results. */
  regex?: string;
}

/** The queries of the dashboard's query variables, with variables expanded. */
export function variableQueries(dashboard: Dashboard, vars: QueryVars = {}): VariableQuery[] {
  const out: VariableQuery[] = [];
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const raw =
      typeof v.query === 'string'
        ? v.query
        : typeof (v.query as { query?: unknown } | undefined)?.query === 'string'
          ? (v.query as { query: string }).query
          : (v.definition ?? '');
    const q = expandVariables(raw.trim(), dashboard, vars);
    const regex = typeof v.regex === 'string' && v.regex !== '' ? v.regex : undefined;
    let m: RegExpMatchArray | null;
    if ((m = /^label_values\(\s*(.*?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/s.exec(q))) {
      out.push({ variable: v.name, fn: 'label_values', expr: m[1] ?? '', label: m[2], regex });
    } else if ((m = /^label_values\(\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/s.exec(q))) {
      out.push({ variable: v.name, fn: 'label_values', expr: '', label: m[1], regex });
    } else if ((m = /^query_result\((.*)\)$/s.exec(q))) {
      out.push({ variable: v.name, fn: 'query_result', expr: (m[1] ?? '').trim(), regex });
    } else if ((m = /^(metrics|label_names)\((.*)\)$/s.exec(q))) {
      out.push({ variable: v.name, fn: m[1] ?? '', expr: (m[2] ?? '').trim(), regex });
    } else {
      out.push({ variable: v.name, fn: 'expr', expr: q, regex });
    }
  }
  return out;
}

/**
 * Expands `$name`, `${name}`, `${name:format}` and `[[name]]` in a PromQL expression. Unknown names
 * (e.g. `$1` in a label_replace replacement) are left as they are.
 */
export function expandVariables(expr: string, dashboard: Dashboard, vars: QueryVars = {}): string {
  const variables = new Map((dashboard.templating?.list ?? []).map((v) => [v.name, v]));
  const builtins = builtinValues(vars);
  const replace = (whole: string, name: string, format: string | undefined): string => {
    if (builtins.has(name)) return builtins.get(name) as string;
    const v = variables.get(name);
    const given = vars[name];
    if (!v && given === undefined) return whole;
    const value = given !== undefined ? given : currentValue(v as Variable);
    if (value === undefined) return whole;
    return formatValue(value, v, format);
  };
  return expr.replace(
    /\$\{([A-Za-z0-9_]+)(?::([A-Za-z0-9_]+))?\}|\[\[([A-Za-z0-9_]+)(?::([A-Za-z0-9_]+))?\]\]|\$([A-Za-z0-9_]+)/g,
    (whole, n1?: string, f1?: string, n2?: string, f2?: string, n3?: string) =>
      replace(whole, (n1 ?? n2 ?? n3) as string, f1 ?? f2),
  );
}

function builtinValues(vars: QueryVars): Map<string, string> {
  const one = (name: string, dflt: string): string => {
    const v = vars[name];
    return typeof v === 'string' ? v : Array.isArray(v) && v.length > 0 ? String(v[0]) : dflt;
  };
  const rateInterval = one('__rate_interval', '5m');
  const interval = one('__interval', '1m');
  const range = one('__range', '1h');
  const rangeMs = durationMs(range);
  return new Map([
    ['__rate_interval', rateInterval],
    ['__rate_interval_ms', String(durationMs(rateInterval))],
    ['__interval', interval],
    ['__interval_ms', String(durationMs(interval))],
    ['__range', range],
    ['__range_s', String(Math.floor(rangeMs / 1000))],
    ['__range_ms', String(rangeMs)],
  ]);
}

/** Milliseconds of a Prometheus duration such as `5m`, `1h30m`, `90s`, `250ms`. */
export function durationMs(d: string): number {
  const units: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, y: 31536e6 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(d))) {
    total += Number(m[1]) * (units[m[2] as string] as number);
    end = re.lastIndex;
  }
  if (end !== d.length || d.length === 0) throw new Error(`not a duration: ${JSON.stringify(d)}`);
  return total;
}

function currentValue(v: Variable): string | string[] | undefined {
  if (v.type === 'constant') return typeof v.query === 'string' ? v.query : undefined;
  const cur = v.current?.value;
  if (typeof cur === 'string') return cur;
  if (Array.isArray(cur)) return cur.map(String);
  if (v.type === 'custom' || v.type === 'textbox') {
    const selected = v.options?.find((o) => o.selected) ?? v.options?.[0];
    if (selected?.value !== undefined) return String(selected.value);
    if (typeof v.query === 'string') return v.query.split(',')[0]?.trim();
  }
  return undefined;
}

const isAll = (value: string | readonly string[]): boolean =>
  value === ALL || (Array.isArray(value) && value.length === 1 && value[0] === ALL) ||
  (Array.isArray(value) && value.includes(ALL));

function formatValue(value: string | readonly string[], v: Variable | undefined, format: string | undefined): string {
  const multiOrAll = v ? v.multi === true || v.includeAll === true : Array.isArray(value);
  if (isAll(value)) {
    if (v?.allValue !== undefined && v.allValue !== null && v.allValue !== '') return v.allValue;
    // Grafana then uses every option; without the live options only the regex "anything" is safe.
    const options = (v?.options ?? []).map((o) => String(o.value)).filter((o) => o !== ALL);
    if (options.length === 0) throw new Error(`variable ${v?.name}: All selected, no allValue and no options`);
    value = options;
  }
  if (format === 'raw') return Array.isArray(value) ? value.join(',') : (value as string);
  if (format === 'pipe') return Array.isArray(value) ? value.join('|') : (value as string);
  if (format === 'csv') return Array.isArray(value) ? value.join(',') : (value as string);
  // Grafana's Prometheus data source: single-value variables are escaped for a string literal;
  // multi-value / include-All variables are regex-escaped and joined as (a|b).
  if (!multiOrAll && format !== 'regex') {
    return Array.isArray(value) ? value.map(regularEscape).join(',') : regularEscape(value as string);
  }
  const values = (Array.isArray(value) ? value : [value]) as string[];
  const escaped = values.map(regexEscape);
  return escaped.length === 1 ? (escaped[0] as string) : `(${escaped.join('|')})`;
}

/** Grafana's prometheusRegularEscape. */
export function regularEscape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\\\'");
}

/** Grafana's prometheusSpecialRegexEscape: a regex metacharacter becomes `\\x` inside the PromQL string. */
export function regexEscape(value: string): string {
  return value.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');
}
