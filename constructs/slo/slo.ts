import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as monitoring from '../../lib/imports/monitoring-monitoring.coreos.com';
import { assertDnsLabel, durationMillis, assertLabels, assertOneOf, ValidationError, wholeSeconds } from '../../lib/validation';
import { NumericCriteria, Probe, ProbeMode } from '../litmus/probes';
import { type INamespaceRef } from '../namespace';
import { type IRemoteWriteTarget, type LoadGenerator } from './load-generator';

/** An optional latency objective: the given percentile stays below a bound. */
export interface LatencyObjective {
  /** The percentile (the load generator exports p95 and p99). */
  readonly percentile: 95 | 99;
  /** Upper bound of that percentile. */
  readonly below: Duration;
}

export interface ServiceLevelObjectiveProps {
  /** Name of the objective; prefixes its probes and names its PrometheusRule. */
  readonly name: string;
  /** The load whose requests the objective judges. */
  readonly load: LoadGenerator;
  /** Prometheus the probe queries (the same one the load writes to). */
  readonly prometheus: IRemoteWriteTarget;
  /** Namespace of the PrometheusRule. */
  readonly namespace: INamespaceRef;
  /**
   * Highest acceptable share of failed requests, in percent (exclusive bound: 2 means below 2 %).
   * @default 2 (the workshop's objective)
   */
  readonly maxErrorPercent?: number;
  /**
   * A latency objective in addition to the error ratio.
   * @default - none
   */
  readonly latency?: LatencyObjective;
  /**
   * Window the objective is measured over.
   * @default - the load's duration plus 15 s of scrape slack
   */
  readonly window?: Duration;
  /**
   * When the probe judges: at the end of the test over the whole window, or continuously.
   * @default ProbeMode.EOT
   */
  readonly mode?: ProbeMode.EOT | ProbeMode.CONTINUOUS;
  /**
   * Labels the Prometheus selects PrometheusRules by.
   * @default - none
   */
  readonly ruleLabels?: Readonly<Record<string, string>>;
}

/** One objective as an expression and a threshold, shared by the probe and the alert. */
export interface ObjectiveCheck {
  /** Short name: 'error-ratio' or 'latency-p95'. */
  readonly name: string;
  /** PromQL yielding the measured value. */
  readonly expr: string;
  /** The value must stay strictly below this. */
  readonly threshold: number;
}

/**
 * A service level objective judged from a load test: the error ratio (and optionally a latency percentile) of
 * the load's requests. It renders, from the same expressions and thresholds, a Litmus promProbe per objective to
 * attach to the experiment's engine (so the verdict fails when users would have noticed) and a PrometheusRule
 * alert (so the alert and the dashboard agree with the verdict).
 */
export class ServiceLevelObjective extends Construct {
  public readonly name: string;
  public readonly checks: readonly ObjectiveCheck[];
  public readonly rule: monitoring.PrometheusRule;
  private readonly prometheusUrl: string;
  private readonly mode: ProbeMode;

  public constructor(scope: Construct, id: string, props: ServiceLevelObjectiveProps) {
    super(scope, id);
    this.name = assertDnsLabel('ServiceLevelObjective.name', props.name);
    const field = `ServiceLevelObjective '${this.name}'`;
    const maxErrorPercent = props.maxErrorPercent ?? 2;
    if (typeof maxErrorPercent !== 'number' || !(maxErrorPercent > 0 && maxErrorPercent < 100)) {
      throw new ValidationError(`${field}.maxErrorPercent`, maxErrorPercent, 'must be a percentage greater than 0 and less than 100');
    }
    const windowSeconds = wholeSeconds(`${field}.window`, props.window ?? Duration.seconds(props.load.durationSeconds + 15));
    this.mode = assertOneOf(`${field}.mode`, props.mode ?? ProbeMode.EOT, [ProbeMode.EOT, ProbeMode.CONTINUOUS]);
    this.prometheusUrl = props.prometheus.url;
    // Label values in single quotes: litmus-go 3.31 runs the probe as `/bin/sh -c 'promql ... "<query>" ...'`
    // (promProbe.go triggerPromProbe), where a double quote would end the shell string and unquote the values.
    const sel = `testid='${props.load.testId}'`;
    const range = `[${windowSeconds}s]`;
    // k6 writes the expected_response="false" series only once a request failed, and litmus-go's promProbe treats an
    // empty result as an error: `or vector(0)` makes "no failure" a 0. The denominator gets no such default, so a test
    // without traffic still yields no sample (0/0 would be NaN, which fails `<` too): no load is never a pass.
    const checks: ObjectiveCheck[] = [{
      name: 'error-ratio',
      expr: `(sum(increase(k6_http_reqs_total{${sel},expected_response='false'}${range})) or vector(0))`
        + ` / sum(increase(k6_http_reqs_total{${sel}}${range}))`,
      threshold: maxErrorPercent / 100,
    }];
    if (props.latency) {
      const percentile = assertOneOf(`${field}.latency.percentile`, String(props.latency.percentile), ['95', '99']);
      const ms = durationMillis(`${field}.latency.below`, props.latency.below);
      checks.push({ name: `latency-p${percentile}`, expr: `max(max_over_time(k6_http_req_duration_p${percentile}{${sel}}${range}))`, threshold: ms / 1000 });
    }
    this.checks = checks;
    this.rule = new monitoring.PrometheusRule(this, 'Resource', {
      metadata: { name: `slo-${this.name}`, namespace: props.namespace.name, labels: { 'app.kubernetes.io/part-of': 'chaos-stack', ...assertLabels(`${field}.ruleLabels`, props.ruleLabels ?? {}) } },
      spec: {
        groups: [{
          name: `slo-${this.name}`,
          rules: checks.map((c) => ({
            alert: `SloBreached${pascal(this.name)}${pascal(c.name)}`,
            expr: monitoring.PrometheusRuleSpecGroupsRulesExpr.fromString(`(${c.expr}) >= ${c.threshold}`),
            labels: { severity: 'critical', slo: this.name, objective: c.name },
            annotations: {
              summary: `${this.name}: ${c.name} at or above ${c.threshold} during the load test ${props.load.testId}`,
              description: `The chaos experiment's users would have noticed: ${c.name} must stay below ${c.threshold}.`,
            },
          })),
        }],
      },
    });
  }

  /** The promProbes that make the engine's verdict follow the objective (same expressions and thresholds as the alert). */
  public probes(): Probe[] {
    return this.checks.map((c) => Probe.prom({
      name: `slo-${this.name}-${c.name}`.slice(0, 63).replace(/-+$/, ''),
      mode: this.mode,
      endpoint: this.prometheusUrl,
      query: c.expr,
      comparator: { criteria: NumericCriteria.LT, value: String(c.threshold) },
      runProperties: { probeTimeout: Duration.seconds(10), interval: Duration.seconds(5), retry: 2, probePollingInterval: Duration.seconds(5) },
    }));
  }
}

function pascal(s: string): string {
  return s.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}
