import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  PrometheusRule, type PrometheusRuleSpecGroups, PrometheusRuleSpecGroupsRulesExpr,
} from '../../lib/imports/monitoring-monitoring.coreos.com';
import { assertDnsLabel, durationMillis, assertIntegerInRange, assertPercentage, ValidationError } from '../../lib/validation';
import { type INamespaceRef } from '../namespace';
import { type IServiceRef } from '../target-app';
import { Severity } from './alertmanager';
import { type IPrometheusRef } from './scrape';
import { componentLabels } from './security';

/** The application chaos is aimed at, as monitoring sees it. */
export interface MonitoredApp {
  /** The app's Service (its namespace is where its pods run). */
  readonly service: IServiceRef;
  /** Name of the app's Deployment. */
  readonly deploymentName: string;
  /**
   * Fewest available replicas that still count as "serving"; fewer during chaos fires the unavailability alert.
   * @default 1
   */
  readonly minAvailableReplicas?: number;
}

/** A recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

/** An alerting rule. */
export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold; zero fires at once. */
  readonly for: Duration;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
}

/** A rule group, evaluated together. */
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly (RecordingRule | AlertingRule)[];
}

function isAlert(r: RecordingRule | AlertingRule): r is AlertingRule {
  return 'alert' in r;
}

/** A Prometheus duration ('2m', '30s') from a Duration of whole seconds. */
export function promDuration(field: string, d: Duration): string {
  const ms = durationMillis(field, d, { allowZero: true });
  if (!Number.isInteger(ms) || ms % 1000 !== 0) throw new ValidationError(field, d, 'must be a whole number of seconds');
  if (ms === 0) return '0s';
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

export interface RuleSetProps {
  /** The namespace the PrometheusRule lives in (one the Prometheus watches). */
  readonly namespace: INamespaceRef;
  /** The Prometheus that evaluates it; its rule labels are added. */
  readonly prometheus: IPrometheusRef;
  /** The PrometheusRule's name. */
  readonly name: string;
  /** The rule groups. */
  readonly groups: readonly RuleGroup[];
}

/** A PrometheusRule from typed rule groups, labelled for the Prometheus that evaluates it. */
export class RuleSet extends Construct {
  public readonly groups: readonly RuleGroup[];
  public readonly apiObject: PrometheusRule;

  public constructor(scope: Construct, id: string, props: RuleSetProps) {
    super(scope, id);
    this.groups = props.groups;
    const groups: PrometheusRuleSpecGroups[] = props.groups.map((g) => ({
      name: g.name,
      rules: g.rules.map((r) => isAlert(r)
        ? {
          alert: r.alert,
          expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
          for: promDuration(`${r.alert}.for`, r.for),
          labels: { severity: r.severity },
          annotations: { summary: r.summary, description: r.description },
        }
        : { record: r.record, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) }),
    }));
    this.apiObject = new PrometheusRule(this, 'Resource', {
      metadata: {
        name: assertDnsLabel('RuleSet.name', props.name),
        namespace: props.namespace.name,
        labels: { ...componentLabels('prometheus-rules', 'v1', 'rules'), ...props.prometheus.ruleLabels },
      },
      spec: { groups },
    });
  }

  /** The names this rule set records (series any dashboard may read). */
  public get recordedMetrics(): string[] {
    return this.groups.flatMap((g) => g.rules.filter((r): r is RecordingRule => !isAlert(r)).map((r) => r.record));
  }
}

/** Names of the node recording rules (the dashboard's node panels read these). */
export const NODE_RECORDS = {
  cpu: 'instance:node_cpu_utilisation:rate5m',
  memory: 'instance:node_memory_utilisation:ratio',
  networkReceive: 'instance:node_network_receive_bytes_excluding_lo:rate5m',
  networkTransmit: 'instance:node_network_transmit_bytes_excluding_lo:rate5m',
  diskIo: 'instance_device:node_disk_io_time_seconds:rate5m',
  filesystemUsage: 'instance:node_filesystem_usage:ratio',
} as const;

export interface NodeRulesProps {
  readonly namespace: INamespaceRef;
  readonly prometheus: IPrometheusRef;
  /**
   * Node memory utilisation above which the memory-pressure alert fires.
   * @default 70
   */
  readonly memoryPressurePercent?: number;
  /**
   * How long memory must stay above the threshold.
   * @default Duration.minutes(2)
   */
  readonly memoryPressureFor?: Duration;
}

/**
 * Node recording rules (CPU, memory, network in and out, disk I/O and filesystem usage, from node-exporter) and
 * the memory-pressure alert (warning when a node's memory is above 70 % for 2 minutes).
 */
export class NodeRules extends RuleSet {
  public constructor(scope: Construct, id: string, props: NodeRulesProps) {
    const percent = assertPercentage('NodeRules.memoryPressurePercent', props.memoryPressurePercent ?? 70);
    const forDuration = props.memoryPressureFor ?? Duration.minutes(2);
    const job = '{job="node-exporter"}';
    super(scope, id, {
      namespace: props.namespace,
      prometheus: props.prometheus,
      name: 'node-rules',
      groups: [
        {
          name: 'node.rules',
          rules: [
            {
              record: NODE_RECORDS.cpu,
              expr: '1 - avg without (cpu) (sum without (mode) (rate(node_cpu_seconds_total{job="node-exporter", mode=~"idle|iowait|steal"}[5m])))',
            },
            {
              record: NODE_RECORDS.memory,
              expr: `1 - (node_memory_MemAvailable_bytes${job} / node_memory_MemTotal_bytes${job})`,
            },
            {
              record: NODE_RECORDS.networkReceive,
              expr: 'sum without (device) (rate(node_network_receive_bytes_total{job="node-exporter", device!="lo"}[5m]))',
            },
            {
              record: NODE_RECORDS.networkTransmit,
              expr: 'sum without (device) (rate(node_network_transmit_bytes_total{job="node-exporter", device!="lo"}[5m]))',
            },
            {
              record: NODE_RECORDS.diskIo,
              expr: 'rate(node_disk_io_time_seconds_total{job="node-exporter"}[5m])',
            },
            {
              record: NODE_RECORDS.filesystemUsage,
              expr: 'max without (device, fstype, mountpoint) (1 - node_filesystem_avail_bytes{job="node-exporter", fstype!=""}'
                + ' / node_filesystem_size_bytes{job="node-exporter", fstype!=""})',
            },
          ],
        },
        {
          name: 'node.alerts',
          rules: [{
            alert: 'NodeMemoryPressure',
            expr: `${NODE_RECORDS.memory} > ${percent / 100}`,
            for: forDuration,
            severity: Severity.WARNING,
            summary: `Node memory above ${percent} %`,
            description: 'Node {{ $labels.instance }} uses {{ $value | humanizePercentage }} of its memory'
              + ` (more than ${percent} % for ${promDuration('NodeRules.memoryPressureFor', forDuration)}).`,
          }],
        },
      ],
    });
  }
}

export interface ChaosRulesProps {
  readonly namespace: INamespaceRef;
  readonly prometheus: IPrometheusRef;
  /** The app under chaos. */
  readonly app: MonitoredApp;
  /**
   * How long the app may be below its minimum available replicas during chaos before the alert fires.
   * @default Duration.seconds(30)
   */
  readonly unavailableFor?: Duration;
}

/**
 * Chaos alerts: a ChaosResult whose verdict is Fail (the steady-state hypothesis was disproved; critical) or
 * Error (the experiment could not run; warning), from the chaos-exporter's `litmuschaos_experiment_verdict`; and
 * the app having fewer available replicas than its minimum (none, by default) while an experiment runs.
 */
export class ChaosRules extends RuleSet {
  public constructor(scope: Construct, id: string, props: ChaosRulesProps) {
    const app = props.app;
    const ns = app.service.namespace.name;
    const deploy = assertDnsLabel('ChaosRules.app.deploymentName', app.deploymentName);
    const min = assertIntegerInRange('ChaosRules.app.minAvailableReplicas', app.minAvailableReplicas ?? 1, 1, 1000);
    // The exporter reports a final verdict as 1 for one TSDB interval, then 0: look back over a window.
    const verdict = (v: string): string =>
      'max by (chaosresult_namespace, chaosresult_name, chaosengine_name, fault_name) '
      + `(max_over_time(litmuschaos_experiment_verdict{chaosresult_verdict="${v}"}[5m])) > 0`;
    super(scope, id, {
      namespace: props.namespace,
      prometheus: props.prometheus,
      name: 'chaos-rules',
      groups: [{
        name: 'litmus.chaos',
        rules: [
          {
            alert: 'ChaosExperimentFailed',
            expr: verdict('Fail'),
            for: Duration.seconds(0),
            severity: Severity.CRITICAL,
            summary: 'A chaos experiment failed its hypothesis',
            description: 'ChaosResult {{ $labels.chaosresult_namespace }}/{{ $labels.chaosresult_name }} (fault {{ $labels.fault_name }})'
              + ' has verdict Fail: the application did not keep its steady state under chaos.',
          },
          {
            alert: 'ChaosExperimentErrored',
            expr: verdict('Error'),
            for: Duration.seconds(0),
            severity: Severity.WARNING,
            summary: 'A chaos experiment errored',
            description: 'ChaosResult {{ $labels.chaosresult_namespace }}/{{ $labels.chaosresult_name }} (fault {{ $labels.fault_name }})'
              + ' has verdict Error: the experiment could not run; check its ChaosResult status.errorOutput.',
          },
          {
            alert: 'AppUnavailableDuringChaos',
            expr: `(kube_deployment_status_replicas_available{namespace="${ns}", deployment="${deploy}"} < ${min})`
              + ' and on () (sum(litmuschaos_awaited_experiments) > 0)',
            for: props.unavailableFor ?? Duration.seconds(30),
            severity: Severity.CRITICAL,
            summary: min === 1 ? `${deploy} has no available replica during chaos` : `${deploy} has fewer than ${min} available replicas during chaos`,
            description: `Deployment ${ns}/${deploy} has {{ $value }} available replicas (minimum ${min}) while a chaos experiment runs.`,
          },
        ],
      }],
    });
  }
}
