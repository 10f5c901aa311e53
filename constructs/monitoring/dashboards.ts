/**
 * The stack's dashboards, defined with the typed builder in ./dashboard.ts.
 */
import { Dashboard, PanelType, type Query, Unit } from './dashboard';
import { type MonitoredApp, NODE_RECORDS } from './rules';

/** Title of the chaos dashboard (what to look for in Grafana). */
export const CHAOS_DASHBOARD_TITLE = 'Node and Pod Chaos Metrics';

/** uid of the chaos dashboard: it opens at /d/node-pod-chaos-metrics. */
export const CHAOS_DASHBOARD_UID = 'node-pod-chaos-metrics';

/** A count that reads 0, not "No data", before the exporter has seen any ChaosResult. */
function total(metric: string): string {
  return `sum(${metric}) or vector(0)`;
}

/**
 * "Node and Pod Chaos Metrics": a timeline of running experiments; gauges of total, passed, failed and queued
 * experiments; node CPU, memory and network; the app's pod CPU, memory and network; and a per-experiment table
 * of the latest verdict, probe success and run counts.
 */
export function chaosDashboard(app: MonitoredApp, datasourceUid: string): Dashboard {
  const ns = app.service.namespace.name;
  const pods = `namespace="${ns}", pod=~"${app.deploymentName}-.+"`;
  const containers = `${pods}, container!="", container!="POD"`;
  const perPod = (expr: string, legend = '{{pod}}'): Query => ({ expr: `sum by (pod) (${expr})`, legend });
  const gauge = (title: string, expr: string, color: string, description: string) => ({
    title, type: PanelType.GAUGE, width: 6, height: 5, description, queries: [{ expr, instant: true }],
    unit: Unit.NONE, min: 0, thresholds: [{ value: 1, color }],
  });
  return new Dashboard({
    uid: CHAOS_DASHBOARD_UID,
    title: CHAOS_DASHBOARD_TITLE,
    datasourceUid,
    tags: ['chaos', 'litmus'],
    rows: [
      {
        title: 'Chaos experiments',
        panels: [
          {
            title: 'Experiment timeline', type: PanelType.STATE_TIMELINE, width: 24, height: 6,
            description: 'Experiments running (awaiting a verdict) over time, one lane per ChaosResult.',
            queries: [{ expr: 'max by (chaosresult_name) (litmuschaos_awaited_experiments)', legend: '{{chaosresult_name}}' }],
            unit: Unit.NONE, min: 0, max: 1, thresholds: [{ value: 1, color: 'orange' }],
          },
          gauge('Total experiments',
            `(${total('litmuschaos_passed_experiments')}) + (${total('litmuschaos_failed_experiments')}) + (${total('litmuschaos_awaited_experiments')})`,
            'blue', 'Runs passed, failed and running, over every ChaosResult.'),
          gauge('Passed experiments', total('litmuschaos_passed_experiments'), 'green', 'Runs with verdict Pass.'),
          gauge('Failed experiments', total('litmuschaos_failed_experiments'), 'red', 'Runs with verdict Fail.'),
          gauge('Queued experiments', total('litmuschaos_awaited_experiments'), 'orange', 'Experiments running or waiting for a verdict.'),
        ],
      },
      {
        title: 'Nodes',
        panels: [
          {
            title: 'Node CPU', type: PanelType.TIMESERIES, width: 8, height: 8, unit: Unit.PERCENT_UNIT, min: 0, max: 1,
            queries: [{ expr: NODE_RECORDS.cpu, legend: '{{instance}}' }],
          },
          {
            title: 'Node memory', type: PanelType.TIMESERIES, width: 8, height: 8, unit: Unit.PERCENT_UNIT, min: 0, max: 1,
            description: 'The memory-pressure alert fires above 70 %.',
            queries: [{ expr: NODE_RECORDS.memory, legend: '{{instance}}' }],
            thresholds: [{ value: 0.7, color: 'orange' }],
          },
          {
            title: 'Node network in/out', type: PanelType.TIMESERIES, width: 8, height: 8, unit: Unit.BYTES_PER_SECOND,
            queries: [
              { expr: NODE_RECORDS.networkReceive, legend: '{{instance}} in' },
              { expr: `-${NODE_RECORDS.networkTransmit}`, legend: '{{instance}} out' },
            ],
          },
        ],
      },
      {
        title: `App pods (${ns}/${app.deploymentName})`,
        panels: [
          {
            title: 'Pod CPU', type: PanelType.TIMESERIES, width: 8, height: 8, unit: Unit.CORES, min: 0,
            queries: [perPod(`rate(container_cpu_usage_seconds_total{${containers}}[$__rate_interval])`)],
          },
          {
            title: 'Pod memory', type: PanelType.TIMESERIES, width: 8, height: 8, unit: Unit.BYTES, min: 0,
            queries: [perPod(`container_memory_working_set_bytes{${containers}}`)],
          },
          {
            title: 'Pod network in/out', type: PanelType.TIMESERIES, width: 8, height: 8, unit: Unit.BYTES_PER_SECOND,
            queries: [
              perPod(`rate(container_network_receive_bytes_total{${pods}}[$__rate_interval])`, '{{pod}} in'),
              { expr: `-sum by (pod) (rate(container_network_transmit_bytes_total{${pods}}[$__rate_interval]))`, legend: '{{pod}} out' },
            ],
          },
        ],
      },
      {
        title: 'Verdicts',
        panels: [{
          title: 'Experiment verdicts and probe success', type: PanelType.TABLE, width: 24, height: 8,
          description: 'Latest verdict of each ChaosResult (last hour), its probe success percentage and its run counts.',
          queries: [
            {
              expr: 'max by (chaosresult_namespace, chaosresult_name, fault_name, chaosresult_verdict) '
                + '(last_over_time(litmuschaos_experiment_verdict[1h]))',
              instant: true, table: true,
            },
            { expr: 'max by (chaosresult_namespace, chaosresult_name, fault_name) (litmuschaos_probe_success_percentage)', instant: true, table: true },
            { expr: 'max by (chaosresult_namespace, chaosresult_name, fault_name) (litmuschaos_passed_experiments)', instant: true, table: true },
            { expr: 'max by (chaosresult_namespace, chaosresult_name, fault_name) (litmuschaos_failed_experiments)', instant: true, table: true },
          ],
          columns: {
            show: [
              { field: 'chaosresult_namespace', header: 'Namespace' },
              { field: 'chaosresult_name', header: 'ChaosResult' },
              { field: 'fault_name', header: 'Fault' },
              { field: 'chaosresult_verdict', header: 'Verdict' },
              { field: 'Value #B', header: 'Probe success %' },
              { field: 'Value #C', header: 'Passed runs' },
              { field: 'Value #D', header: 'Failed runs' },
            ],
          },
        }],
      },
    ],
  });
}
