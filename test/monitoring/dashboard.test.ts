import { Dashboard, GRID_COLUMNS, PanelType } from '../../constructs/monitoring/dashboard';
import { CHAOS_DASHBOARD_TITLE, chaosDashboard } from '../../constructs/monitoring/dashboards';
import { EXPORTER_METRICS, Exporter, metricNames } from '../../constructs/monitoring/metrics';
import { NODE_RECORDS } from '../../constructs/monitoring/rules';
import { fixture } from './fixture';

function chaos(): Dashboard {
  const { target } = fixture();
  return chaosDashboard({ service: target, deploymentName: target.name }, 'prometheus');
}

describe('metricNames', () => {
  test.each([
    ['up', ['up']],
    ['sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="testing", pod=~"app-.+"}[$__rate_interval]))', ['container_cpu_usage_seconds_total']],
    ['1 - (node_memory_MemAvailable_bytes{job="x"} / node_memory_MemTotal_bytes)', ['node_memory_MemAvailable_bytes', 'node_memory_MemTotal_bytes']],
    ['(sum(a_total) or vector(0)) + on () group_left (x) b:rec:rate5m offset 5m > 0.7', ['a_total', 'b:rec:rate5m']],
    ['max without (cpu, mode) (x) and ignoring (y) z unless bool w', ['x', 'z', 'w']],
    ['count({__name__="hidden"})', []],
    ['-instance:node_network_transmit_bytes_excluding_lo:rate5m', ['instance:node_network_transmit_bytes_excluding_lo:rate5m']],
    ['histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_bucket[5m])))', ['apiserver_request_duration_seconds_bucket']],
  ])('%s reads %j', (expr, names) => {
    expect(metricNames(expr)).toEqual(names);
  });
});

describe('Dashboard', () => {
  test('lays panels out on the 24-column grid, row by row, wrapping full rows', () => {
    const d = new Dashboard({
      uid: 'x', title: 'X', datasourceUid: 'prometheus',
      rows: [
        { title: 'one', panels: [16, 8, 12].map((w, i) => ({ title: `p${i}`, type: PanelType.STAT, width: w, height: 4 - i, queries: [{ expr: 'up' }] })) },
        { title: 'two', panels: [{ title: 'q', type: PanelType.TABLE, width: 24, height: 5, queries: [{ expr: 'up', instant: true, table: true }] }] },
      ],
    });
    expect(d.placed.map((p) => [p.title, p.gridPos])).toEqual([
      ['one', { x: 0, y: 0, w: 24, h: 1 }],
      ['p0', { x: 0, y: 1, w: 16, h: 4 }],
      ['p1', { x: 16, y: 1, w: 8, h: 3 }],
      ['p2', { x: 0, y: 5, w: 12, h: 2 }],
      ['two', { x: 0, y: 7, w: 24, h: 1 }],
      ['q', { x: 0, y: 8, w: 24, h: 5 }],
    ]);
    const json = d.toJson() as any;
    expect(json.panels[5].targets[0]).toMatchObject({ refId: 'A', expr: 'up', instant: true, range: false, format: 'table' });
    expect(json.panels[0]).toMatchObject({ type: 'row', title: 'one' });
  });

  test('throws on a panel wider than the grid', () => {
    expect(() => new Dashboard({
      uid: 'x', title: 'X', datasourceUid: 'p',
      rows: [{ title: 'r', panels: [{ title: 'wide', type: PanelType.STAT, width: 25, height: 4, queries: [{ expr: 'up' }] }] }],
    })).toThrow(`Invalid Dashboard 'X' panel 'wide' width: 25; must be a whole number of columns from 1 to ${GRID_COLUMNS}.`);
  });

  test('throws on a panel without queries and on a bad uid', () => {
    expect(() => new Dashboard({
      uid: 'x', title: 'X', datasourceUid: 'p', rows: [{ title: 'r', panels: [{ title: 'empty', type: PanelType.STAT, width: 4, height: 4, queries: [] }] }],
    })).toThrow("Invalid Dashboard 'X' panel 'empty' queries: []; must have at least one query.");
    expect(() => new Dashboard({ uid: 'no spaces', title: 'X', datasourceUid: 'p', rows: [] }))
      .toThrow("Invalid Dashboard.uid: 'no spaces'; must be 1 to 40 letters, digits, '-' or '_'.");
  });
});

describe('the chaos dashboard', () => {
  test('has the workshop panels and the verdict table', () => {
    const d = chaos();
    expect(d.title).toBe(CHAOS_DASHBOARD_TITLE);
    expect(d.placed.filter((p) => p.type !== 'row').map((p) => [p.title, p.type])).toEqual([
      ['Experiment timeline', 'state-timeline'],
      ['Total experiments', 'gauge'],
      ['Passed experiments', 'gauge'],
      ['Failed experiments', 'gauge'],
      ['Queued experiments', 'gauge'],
      ['Node CPU', 'timeseries'],
      ['Node memory', 'timeseries'],
      ['Node network in/out', 'timeseries'],
      ['Pod CPU', 'timeseries'],
      ['Pod memory', 'timeseries'],
      ['Pod network in/out', 'timeseries'],
      ['Experiment verdicts and probe success', 'table'],
    ]);
    expect(d.queries.find((q) => q.panel === 'Experiment timeline')?.expr).toContain('litmuschaos_awaited_experiments');
    expect(d.queries.find((q) => q.panel === 'Pod CPU')?.expr).toContain('namespace="testing", pod=~"app-sample-.+"');
  });

  test('reads only metrics of the stack exporters and node recording rules', () => {
    const known = new Set([...Object.values(EXPORTER_METRICS).flat(), ...Object.values(NODE_RECORDS)]);
    const used = chaos().queries.flatMap((q) => metricNames(q.expr));
    expect(used.filter((m) => !known.has(m))).toEqual([]);
    expect(used).toEqual(expect.arrayContaining([...EXPORTER_METRICS[Exporter.CHAOS_EXPORTER].slice(0, 5)]));
  });

  test('renders a stable JSON model', () => {
    const json = chaos().toJson() as any;
    expect(json).toMatchObject({ uid: 'node-pod-chaos-metrics', title: 'Node and Pod Chaos Metrics', schemaVersion: 41, editable: false });
    expect(json.panels.every((p: any) => p.type === 'row' || p.datasource.uid === 'prometheus')).toBe(true);
    expect(json).toMatchSnapshot();
  });
});
