/**
 * A small typed builder for Grafana dashboards (JSON model, schemaVersion 41). Dashboards are declared as rows
 * of panels; the builder lays panels out left to right on Grafana's 24-column grid, wrapping when a row is full,
 * and renders the JSON Grafana provisions. Queries are PromQL against one Prometheus datasource.
 */
import { ValidationError } from '../../lib/validation';

/** Panel visualisations the builder supports. */
export enum PanelType {
  TIMESERIES = 'timeseries',
  STAT = 'stat',
  GAUGE = 'gauge',
  TABLE = 'table',
  STATE_TIMELINE = 'state-timeline',
}

/** Grafana units used by the stack's panels. */
export enum Unit {
  /** 0..1 shown as a percentage. */
  PERCENT_UNIT = 'percentunit',
  /** 0..100 shown as a percentage. */
  PERCENT = 'percent',
  BYTES = 'bytes',
  BYTES_PER_SECOND = 'Bps',
  /** CPU time per second, i.e. cores. */
  CORES = 'cores',
  SHORT = 'short',
  NONE = 'none',
}

/** One PromQL query of a panel. */
export interface Query {
  /** The PromQL expression. Grafana variables such as `$__rate_interval` are allowed. */
  readonly expr: string;
  /**
   * Legend template, e.g. '{{pod}}'.
   * @default - Grafana's default (the series labels)
   */
  readonly legend?: string;
  /**
   * Evaluate at the end of the time range only (tables, gauges) instead of over the range.
   * @default false
   */
  readonly instant?: boolean;
  /**
   * Return a table (one row per series, labels as columns) instead of time series.
   * @default false
   */
  readonly table?: boolean;
}

/** A colour threshold: from `value` upwards the colour applies. */
export interface Threshold {
  readonly value: number;
  readonly color: string;
}

/** A table column rename or hide, applied to the merged query results. */
export interface TableColumns {
  /** Columns to show, in order, with their header. Every other column is hidden. */
  readonly show: readonly { readonly field: string; readonly header: string }[];
}

/** One panel. */
export interface PanelSpec {
  readonly title: string;
  readonly type: PanelType;
  readonly queries: readonly Query[];
  /** Width in grid columns (1 to 24). */
  readonly width: number;
  /** Height in grid rows (1 grid row is about 30 px). */
  readonly height: number;
  /**
   * Help text shown on the panel.
   * @default - none
   */
  readonly description?: string;
  /**
   * Unit of the values.
   * @default Unit.SHORT
   */
  readonly unit?: Unit;
  /**
   * Axis and gauge minimum.
   * @default - automatic
   */
  readonly min?: number;
  /**
   * Axis and gauge maximum.
   * @default - automatic
   */
  readonly max?: number;
  /**
   * Colour thresholds above the base colour (green).
   * @default - none
   */
  readonly thresholds?: readonly Threshold[];
  /**
   * For tables: which columns to show.
   * @default - every column
   */
  readonly columns?: TableColumns;
}

/** A titled row of panels. */
export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** A panel's position on the 24-column grid. */
export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A panel (or row header) with its computed position, as the renderer and the checks see it. */
export interface PlacedPanel {
  readonly id: number;
  readonly title: string;
  readonly type: PanelType | 'row';
  readonly gridPos: GridPos;
  readonly queries: readonly Query[];
}

export interface DashboardProps {
  /** Stable uid (the dashboard's URL is /d/<uid>); 1 to 40 letters, digits, '-' or '_'. */
  readonly uid: string;
  readonly title: string;
  /** uid of the Prometheus datasource every panel queries. */
  readonly datasourceUid: string;
  readonly rows: readonly RowSpec[];
  /**
   * Tags shown in the dashboard list.
   * @default []
   */
  readonly tags?: readonly string[];
  /**
   * Auto-refresh period, a Grafana duration ('10s', '1m').
   * @default '10s'
   */
  readonly refresh?: string;
  /**
   * Start of the default time range, relative to now ('now-1h').
   * @default 'now-1h'
   */
  readonly from?: string;
}

/** Grid width of a Grafana dashboard. */
export const GRID_COLUMNS = 24;

/** A dashboard definition: laid out at construction, rendered to Grafana's JSON model by `toJson()`. */
export class Dashboard {
  public readonly uid: string;
  public readonly title: string;
  public readonly datasourceUid: string;
  /** Every panel and row header with its position, in order. */
  public readonly placed: readonly PlacedPanel[];
  private readonly props: DashboardProps;
  private readonly specs: ReadonlyMap<number, PanelSpec>;

  public constructor(props: DashboardProps) {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(props.uid)) {
      throw new ValidationError('Dashboard.uid', props.uid, "must be 1 to 40 letters, digits, '-' or '_'");
    }
    if (props.rows.length === 0) throw new ValidationError(`Dashboard '${props.title}' rows`, [], 'must have at least one row');
    this.props = props;
    this.uid = props.uid;
    this.title = props.title;
    this.datasourceUid = props.datasourceUid;
    const placed: PlacedPanel[] = [];
    const specs = new Map<number, PanelSpec>();
    let y = 0;
    let id = 1;
    for (const row of props.rows) {
      placed.push({ id: id++, title: row.title, type: 'row', gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 }, queries: [] });
      y += 1;
      let x = 0;
      let rowHeight = 0;
      for (const p of row.panels) {
        const where = `Dashboard '${props.title}' panel '${p.title}'`;
        if (!Number.isInteger(p.width) || p.width < 1 || p.width > GRID_COLUMNS) {
          throw new ValidationError(`${where} width`, p.width, `must be a whole number of columns from 1 to ${GRID_COLUMNS}`);
        }
        if (!Number.isInteger(p.height) || p.height < 1 || p.height > 40) {
          throw new ValidationError(`${where} height`, p.height, 'must be a whole number of grid rows from 1 to 40');
        }
        if (p.queries.length === 0) throw new ValidationError(`${where} queries`, [], 'must have at least one query');
        if (x + p.width > GRID_COLUMNS) {
          y += rowHeight;
          x = 0;
          rowHeight = 0;
        }
        specs.set(id, p);
        placed.push({ id: id++, title: p.title, type: p.type, gridPos: { x, y, w: p.width, h: p.height }, queries: p.queries });
        x += p.width;
        rowHeight = Math.max(rowHeight, p.height);
      }
      y += rowHeight;
    }
    this.placed = placed;
    this.specs = specs;
  }

  /** Every PromQL expression of the dashboard, with the panel it belongs to. */
  public get queries(): { panel: string; expr: string }[] {
    return this.placed.flatMap((p) => p.queries.map((q) => ({ panel: p.title, expr: q.expr })));
  }

  /** The dashboard as Grafana's JSON model. */
  public toJson(): Record<string, unknown> {
    const datasource = { type: 'prometheus', uid: this.datasourceUid };
    return {
      uid: this.uid,
      title: this.title,
      tags: [...(this.props.tags ?? [])],
      timezone: 'browser',
      editable: false,
      graphTooltip: 1,
      schemaVersion: 41,
      version: 1,
      refresh: this.props.refresh ?? '10s',
      time: { from: this.props.from ?? 'now-1h', to: 'now' },
      annotations: { list: [] },
      templating: { list: [] },
      panels: this.placed.map((p) => {
        const spec = this.specs.get(p.id);
        if (spec === undefined) return { id: p.id, type: 'row', title: p.title, collapsed: false, gridPos: p.gridPos, panels: [] };
        return renderPanel(p, spec, datasource);
      }),
    };
  }
}

function renderPanel(p: PlacedPanel, spec: PanelSpec, datasource: { type: string; uid: string }): Record<string, unknown> {
  const steps = [{ color: 'green', value: null as number | null }, ...(spec.thresholds ?? []).map((t) => ({ color: t.color, value: t.value }))];
  const targets = spec.queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource,
    expr: q.expr,
    legendFormat: q.legend,
    instant: q.instant ?? false,
    range: !(q.instant ?? false),
    format: q.table ? 'table' : 'time_series',
  }));
  const defaults: Record<string, unknown> = {
    unit: spec.unit ?? Unit.SHORT,
    min: spec.min,
    max: spec.max,
    thresholds: { mode: 'absolute', steps },
    color: { mode: spec.type === PanelType.TIMESERIES ? 'palette-classic' : 'thresholds' },
  };
  const panel: Record<string, unknown> = {
    id: p.id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    gridPos: p.gridPos,
    datasource,
    targets,
    fieldConfig: { defaults, overrides: [] },
    options: panelOptions(spec.type),
  };
  if (spec.type === PanelType.TABLE && spec.columns !== undefined) {
    const shown = spec.columns.show;
    panel.transformations = [
      { id: 'merge', options: {} },
      {
        id: 'organize',
        options: {
          includeByName: Object.fromEntries(shown.map((c) => [c.field, true])),
          indexByName: Object.fromEntries(shown.map((c, i) => [c.field, i])),
          renameByName: Object.fromEntries(shown.map((c) => [c.field, c.header])),
        },
      },
    ];
  }
  return panel;
}

function panelOptions(type: PanelType): Record<string, unknown> {
  const reduce = { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } };
  switch (type) {
    case PanelType.STAT: return { ...reduce, colorMode: 'value', graphMode: 'none', textMode: 'value' };
    case PanelType.GAUGE: return { ...reduce, showThresholdLabels: false, showThresholdMarkers: true };
    case PanelType.TABLE: return { showHeader: true, cellHeight: 'sm' };
    case PanelType.STATE_TIMELINE: return { showValue: 'never', mergeValues: true, rowHeight: 0.9, legend: { showLegend: true, displayMode: 'list', placement: 'bottom' } };
    case PanelType.TIMESERIES: return { legend: { showLegend: true, displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi', sort: 'desc' } };
  }
}
