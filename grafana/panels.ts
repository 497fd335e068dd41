/**
 * Typed builders of the Grafana JSON the dashboard is made of: queries, panels, table columns,
 * variables and the grid. Each builder writes its keys in the order Grafana exports them, so the
 * generated file reads like an export.
 */
import type { Family } from '../src/metrics/contract.js';

interface DataSourceRef {
  readonly type: 'prometheus';
  readonly uid: string;
}

const DS: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export interface Target {
  datasource: DataSourceRef;
  refId: string;
  expr: string;
  instant: boolean;
  range: boolean;
  format?: 'table';
  legendFormat?: string;
}

export interface Threshold {
  color: string;
  value: number | null;
}

export interface Thresholds {
  mode: 'absolute';
  steps: Threshold[];
}

interface ValueMapping {
  type: 'value';
  options: Record<string, { text: string; color: string; index: number }>;
}

/** A selector's metric: a family of the contract, or one series of a histogram family. */
export type Metric = Family | { readonly name: `${string}_${'bucket' | 'sum' | 'count'}` };

/** The _bucket, _sum or _count series of a histogram family. */
export const histogramSeries = (family: Family, series: 'bucket' | 'sum' | 'count'): Metric => ({ name: `${family.name}_${series}` });

/** A selector: the metric with the given matchers, then the extra ones. */
export const selector = (metric: Metric, matchers: string, extra?: string): string => `${metric.name}{${matchers}${extra ? `, ${extra}` : ''}}`;

interface TargetOptions {
  instant?: boolean;
  legend?: string;
  format?: 'table';
}

export function target(refId: string, expr: string, { instant = false, legend, format }: TargetOptions = {}): Target {
  return {
    datasource: DS,
    refId,
    expr,
    instant,
    range: !instant,
    ...(format ? { format } : {}),
    ...(legend ? { legendFormat: legend } : {}),
  };
}

/** An instant query in table format, one row per series. */
export const tableTarget = (refId: string, expr: string): Target => target(refId, expr, { instant: true, format: 'table' });

export const steps = (...s: [color: string, value: number | null][]): Thresholds => ({
  mode: 'absolute',
  steps: s.map(([color, value]) => ({ color, value })),
});

/** A value mapping from values to a text and a colour, listed in the order given. */
export const valueMapping = (...texts: [value: number, text: string, color: string][]): ValueMapping[] => [
  { type: 'value', options: Object.fromEntries(texts.map(([value, text, color], index) => [value, { text, color, index }])) },
];

interface PanelBase {
  title: string;
  description: string;
  /** Width on the 24-column grid; the layout turns it into gridPos. */
  w: number;
}

interface QueryPanel extends PanelBase {
  datasource: DataSourceRef;
  targets: Target[];
}

interface StatPanel extends QueryPanel {
  type: 'stat';
  fieldConfig: {
    defaults: { unit: string; color: { mode: 'thresholds' }; thresholds: Thresholds; mappings: ValueMapping[] };
    overrides: [];
  };
  options: {
    reduceOptions: { calcs: ['lastNotNull']; fields: ''; values: false };
    colorMode: 'background' | 'value' | 'none';
    graphMode: 'none';
    justifyMode: 'auto';
    orientation: 'auto';
    textMode: 'auto' | 'name' | 'value_and_name';
    wideLayout: true;
    showPercentChange: false;
  };
}

export interface StatOptions extends PanelBase {
  targets: Target[];
  unit?: string;
  thresholds?: Thresholds;
  textMode?: StatPanel['options']['textMode'];
  colorMode?: StatPanel['options']['colorMode'];
  mappings?: ValueMapping[];
}

export function stat({ title, description, w, targets, unit = 'short', thresholds = steps(['green', null], ['red', 1]), textMode = 'auto', colorMode = 'background', mappings = [] }: StatOptions): StatPanel {
  return {
    type: 'stat',
    title,
    description,
    w,
    datasource: DS,
    targets,
    fieldConfig: {
      defaults: { unit, color: { mode: 'thresholds' }, thresholds, mappings },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode,
      graphMode: 'none',
      justifyMode: 'auto',
      orientation: 'auto',
      textMode,
      wideLayout: true,
      showPercentChange: false,
    },
  };
}

interface TimeseriesPanel extends QueryPanel {
  type: 'timeseries';
  interval?: string;
  fieldConfig: {
    defaults: {
      unit: string;
      min: number;
      color: { mode: 'palette-classic' };
      custom: {
        drawStyle: 'bars' | 'line';
        lineWidth: number;
        fillOpacity: number;
        showPoints: 'never';
        spanNulls: true;
        stacking: { mode: 'normal' | 'none'; group: 'A' };
      };
      thresholds: Thresholds;
      mappings: [];
    };
    overrides: [];
  };
  options: {
    legend: { displayMode: 'table'; placement: 'bottom'; showLegend: true; calcs: ['lastNotNull', 'max'] };
    tooltip: { mode: 'multi'; sort: 'desc' };
  };
}

export interface TimeseriesOptions extends PanelBase {
  targets: Target[];
  unit: string;
  /** Minimum query interval: the poll interval for series that change once per poll. */
  interval?: string;
  bars?: boolean;
  stack?: boolean;
}

export function timeseries({ title, description, w, targets, unit, interval, bars = false, stack = false }: TimeseriesOptions): TimeseriesPanel {
  return {
    type: 'timeseries',
    title,
    description,
    w,
    datasource: DS,
    ...(interval ? { interval } : {}),
    targets,
    fieldConfig: {
      defaults: {
        unit,
        min: 0,
        color: { mode: 'palette-classic' },
        custom: {
          drawStyle: bars ? 'bars' : 'line',
          lineWidth: 1,
          fillOpacity: bars ? 80 : 10,
          showPoints: 'never',
          spanNulls: true,
          stacking: { mode: stack ? 'normal' : 'none', group: 'A' },
        },
        thresholds: steps(['green', null]),
        mappings: [],
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

/** A table column: the field of the query result (a label, or `Value #<refId>`) and its header. */
export interface Column {
  field: string;
  name: string;
  unit?: string;
  decimals?: number;
  /** Colours the cell's background. */
  thresholds?: Thresholds;
  /** Colours the cell's text. */
  mappings?: ValueMapping[];
  width?: number;
}

type OverrideProperty =
  | { id: 'unit'; value: string }
  | { id: 'decimals'; value: number }
  | { id: 'thresholds'; value: Thresholds }
  | { id: 'mappings'; value: ValueMapping[] }
  | { id: 'custom.cellOptions'; value: { type: 'color-background'; mode: 'basic' } | { type: 'color-text' } }
  | { id: 'custom.width'; value: number };

interface Override {
  matcher: { id: 'byName'; options: string };
  properties: OverrideProperty[];
}

interface TablePanel extends QueryPanel {
  type: 'table';
  fieldConfig: {
    defaults: {
      unit: 'none';
      color: { mode: 'thresholds' };
      thresholds: Thresholds;
      custom: { align: 'auto'; cellOptions: { type: 'auto' }; filterable: true; inspect: false };
      mappings: [];
    };
    overrides: Override[];
  };
  options: {
    showHeader: true;
    cellHeight: 'sm';
    footer: { show: false; reducer: ['sum']; countRows: false; fields: '' };
    sortBy?: { displayName: string; desc: true }[];
  };
  transformations: [
    { id: 'merge'; options: Record<string, never> },
    {
      id: 'organize';
      options: { excludeByName: Record<string, true>; indexByName: Record<string, number>; renameByName: Record<string, string> };
    },
  ];
}

export interface TableOptions extends PanelBase {
  targets: Target[];
  columns: Column[];
  /** Fields of the result not shown (Time always is not). */
  hidden: string[];
  /** The column sorted by, descending. */
  sortBy?: string;
}

function columnOverride(c: Column): Override | undefined {
  const properties: OverrideProperty[] = [];
  if (c.unit) properties.push({ id: 'unit', value: c.unit });
  if (c.decimals !== undefined) properties.push({ id: 'decimals', value: c.decimals });
  if (c.thresholds) {
    properties.push({ id: 'thresholds', value: c.thresholds });
    properties.push({ id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } });
  }
  if (c.mappings) {
    properties.push({ id: 'mappings', value: c.mappings });
    properties.push({ id: 'custom.cellOptions', value: { type: 'color-text' } });
  }
  if (c.width) properties.push({ id: 'custom.width', value: c.width });
  return properties.length ? { matcher: { id: 'byName', options: c.name }, properties } : undefined;
}

export function table({ title, description, w, targets, columns, hidden, sortBy }: TableOptions): TablePanel {
  const excludeByName: Record<string, true> = { Time: true };
  for (const h of hidden) excludeByName[h] = true;
  return {
    type: 'table',
    title,
    description,
    w,
    datasource: DS,
    targets,
    fieldConfig: {
      defaults: {
        unit: 'none',
        color: { mode: 'thresholds' },
        thresholds: steps(['green', null]),
        custom: { align: 'auto', cellOptions: { type: 'auto' }, filterable: true, inspect: false },
        mappings: [],
      },
      overrides: columns.map(columnOverride).filter((o) => o !== undefined),
    },
    options: {
      showHeader: true,
      cellHeight: 'sm',
      footer: { show: false, reducer: ['sum'], countRows: false, fields: '' },
      ...(sortBy ? { sortBy: [{ displayName: sortBy, desc: true }] } : {}),
    },
    transformations: [
      { id: 'merge', options: {} },
      {
        id: 'organize',
        options: {
          excludeByName,
          indexByName: Object.fromEntries(columns.map((c, i) => [c.field, i])),
          renameByName: Object.fromEntries(columns.map((c) => [c.field, c.name])),
        },
      },
    ],
  };
}

interface StateTimelinePanel extends QueryPanel {
  type: 'state-timeline';
  fieldConfig: {
    defaults: {
      unit: 'none';
      color: { mode: 'thresholds' };
      thresholds: Thresholds;
      mappings: ValueMapping[];
      custom: { fillOpacity: number; lineWidth: number };
    };
    overrides: [];
  };
  options: {
    showValue: 'never';
    mergeValues: true;
    alignValue: 'left';
    rowHeight: number;
    legend: { displayMode: 'list'; placement: 'bottom'; showLegend: false };
    tooltip: { mode: 'single'; sort: 'none' };
  };
}

export interface StateTimelineOptions extends PanelBase {
  targets: Target[];
  thresholds: Thresholds;
  mappings: ValueMapping[];
}

export function stateTimeline({ title, description, w, targets, thresholds, mappings }: StateTimelineOptions): StateTimelinePanel {
  return {
    type: 'state-timeline',
    title,
    description,
    w,
    datasource: DS,
    targets,
    fieldConfig: {
      defaults: { unit: 'none', color: { mode: 'thresholds' }, thresholds, mappings, custom: { fillOpacity: 80, lineWidth: 0 } },
      overrides: [],
    },
    options: {
      showValue: 'never',
      mergeValues: true,
      alignValue: 'left',
      rowHeight: 0.9,
      legend: { displayMode: 'list', placement: 'bottom', showLegend: false },
      tooltip: { mode: 'single', sort: 'none' },
    },
  };
}

export type Panel = StatPanel | TimeseriesPanel | TablePanel | StateTimelinePanel;

interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

interface RowPanel {
  type: 'row';
  id: number;
  title: string;
  collapsed: false;
  gridPos: GridPos;
  panels: [];
}

type PlacedPanel = Omit<Panel, 'w'> & { id: number; gridPos: GridPos };

/** Rows and lines of panels, top to bottom, on Grafana's 24-column grid; ids in that order. */
export class Layout {
  readonly panels: (RowPanel | PlacedPanel)[] = [];
  private nextId = 1;
  private y = 0;

  row(title: string): void {
    this.panels.push({ type: 'row', id: this.nextId++, title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: this.y }, panels: [] });
    this.y += 1;
  }

  /** Lays panels out left to right on one line of the grid, each as wide as its w. */
  line(h: number, ...items: Panel[]): void {
    let x = 0;
    for (const { w, ...panel } of items) {
      this.panels.push({ ...panel, id: this.nextId++, gridPos: { h, w, x, y: this.y } });
      x += w;
    }
    if (x > 24) throw new Error(`line at y=${this.y} is ${x} wide`);
    this.y += h;
  }
}

interface QueryVariable {
  type: 'query';
  name: string;
  label: string;
  datasource: DataSourceRef;
  definition: string;
  query: { query: string; refId: string };
  refresh: 2;
  sort: 1;
  multi: true;
  includeAll: true;
  allValue: '.+' | '.*';
  current: { selected: true; text: ['All']; value: ['$__all'] };
  options: [];
  hide: 0;
  regex: string;
  description?: string;
}

/** A multi-value query variable with All; extra sets the description, regex and All's value. */
export const queryVariable = (
  name: string,
  label: string,
  query: string,
  extra: Partial<Pick<QueryVariable, 'description' | 'regex' | 'allValue'>> = {},
): QueryVariable => ({
  type: 'query',
  name,
  label,
  datasource: DS,
  definition: query,
  query: { query, refId: `${name}-variable` },
  refresh: 2,
  sort: 1,
  multi: true,
  includeAll: true,
  allValue: '.+',
  current: { selected: true, text: ['All'], value: ['$__all'] },
  options: [],
  hide: 0,
  regex: '',
  ...extra,
});

interface VariableOption {
  selected: boolean;
  text: string;
  value: string;
}

interface CustomVariable {
  type: 'custom';
  name: string;
  label: string;
  description: string;
  query: string;
  current: VariableOption;
  options: VariableOption[];
  multi: false;
  includeAll: false;
  hide: 0;
}

/** A single-value variable choosing among numbers, current the default. */
export const numberVariable = (name: string, label: string, description: string, values: number[], current: number): CustomVariable => ({
  type: 'custom',
  name,
  label,
  description,
  query: values.join(','),
  current: { selected: true, text: String(current), value: String(current) },
  options: values.map((v) => ({ selected: v === current, text: String(v), value: String(v) })),
  multi: false,
  includeAll: false,
  hide: 0,
});
