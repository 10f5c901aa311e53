import { Duration, Testing } from 'cdk8s';
import { ChaosExporter, KubeStateMetrics, NodeExporter } from '../../constructs/monitoring/exporters';
import { PrometheusServer } from '../../constructs/monitoring/prometheus';
import { ChaosRules, NODE_RECORDS, NodeRules, promDuration } from '../../constructs/monitoring/rules';
import { find, fixture } from './fixture';

/** A Prometheus and the exporters whose metrics the rules read (the rule-metric check needs them). */
function setup() {
  const f = fixture();
  const prometheus = new PrometheusServer(f.chart, 'Prometheus', { namespace: f.monitoring, watchNamespaces: [f.monitoring, f.monitoringNode, f.chaos] });
  new NodeExporter(f.chart, 'NodeExporter', { namespace: f.monitoringNode, prometheus });
  new KubeStateMetrics(f.chart, 'KubeStateMetrics', { namespace: f.monitoring, prometheus });
  new ChaosExporter(f.chart, 'ChaosExporter', { namespace: f.chaos, prometheus });
  return { ...f, prometheus };
}

describe('NodeRules', () => {
  test('records node CPU, memory, network and disk and alerts on memory above 70 % for 2 minutes', () => {
    // GIVEN
    const { chart, monitoring, prometheus } = setup();
    // WHEN
    const rules = new NodeRules(chart, 'NodeRules', { namespace: monitoring, prometheus });
    // THEN
    const pr = find(Testing.synth(chart), 'PrometheusRule', 'node-rules', 'monitoring');
    expect(pr.metadata.labels).toMatchObject({ prometheus: 'k8s', role: 'alert-rules' });
    expect(rules.recordedMetrics).toEqual(Object.values(NODE_RECORDS));
    const alert = pr.spec.groups[1].rules[0];
    expect(alert).toMatchObject({
      alert: 'NodeMemoryPressure', expr: 'instance:node_memory_utilisation:ratio > 0.7', for: '2m', labels: { severity: 'warning' },
    });
  });

  test('takes another threshold and duration', () => {
    const { chart, monitoring, prometheus } = setup();
    new NodeRules(chart, 'NodeRules', { namespace: monitoring, prometheus, memoryPressurePercent: 85, memoryPressureFor: Duration.seconds(90) });
    const alert = find(Testing.synth(chart), 'PrometheusRule', 'node-rules').spec.groups[1].rules[0];
    expect(alert.expr).toBe('instance:node_memory_utilisation:ratio > 0.85');
    expect(alert.for).toBe('90s');
  });

  test('throws on a threshold above 100 %', () => {
    const { chart, monitoring, prometheus } = setup();
    expect(() => new NodeRules(chart, 'NodeRules', { namespace: monitoring, prometheus, memoryPressurePercent: 120 }))
      .toThrow('Invalid NodeRules.memoryPressurePercent: 120; must be a whole percentage from 0 to 100.');
  });
});

describe('ChaosRules', () => {
  test('alerts on Fail and Error verdicts and on the app being unavailable during chaos', () => {
    const { chart, monitoring, prometheus, target } = setup();
    new ChaosRules(chart, 'ChaosRules', { namespace: monitoring, prometheus, app: { service: target, deploymentName: target.name } });
    const rules = find(Testing.synth(chart), 'PrometheusRule', 'chaos-rules').spec.groups[0].rules;
    expect(rules.map((r: any) => [r.alert, r.labels.severity, r.for])).toEqual([
      ['ChaosExperimentFailed', 'critical', '0s'],
      ['ChaosExperimentErrored', 'warning', '0s'],
      ['AppUnavailableDuringChaos', 'critical', '30s'],
    ]);
    expect(rules[0].expr).toContain('litmuschaos_experiment_verdict{chaosresult_verdict="Fail"}');
    expect(rules[1].expr).toContain('litmuschaos_experiment_verdict{chaosresult_verdict="Error"}');
    expect(rules[2].expr).toBe('(kube_deployment_status_replicas_available{namespace="testing", deployment="app-sample"} < 1)'
      + ' and on () (sum(litmuschaos_awaited_experiments) > 0)');
  });

  test('uses the minimum available replicas given', () => {
    const { chart, monitoring, prometheus, target } = setup();
    new ChaosRules(chart, 'ChaosRules', { namespace: monitoring, prometheus, app: { service: target, deploymentName: 'app-sample', minAvailableReplicas: 2 } });
    const rule = find(Testing.synth(chart), 'PrometheusRule', 'chaos-rules').spec.groups[0].rules[2];
    expect(rule.expr).toContain('< 2)');
    expect(rule.annotations.summary).toBe('app-sample has fewer than 2 available replicas during chaos');
  });

  test('throws on a minimum of 0 replicas', () => {
    const { chart, monitoring, prometheus, target } = setup();
    expect(() => new ChaosRules(chart, 'ChaosRules', {
      namespace: monitoring, prometheus, app: { service: target, deploymentName: 'app-sample', minAvailableReplicas: 0 },
    })).toThrow('Invalid ChaosRules.app.minAvailableReplicas: 0; must be a whole number from 1 to 1000.');
  });
});

describe('promDuration', () => {
  test('renders minutes and seconds', () => {
    expect(promDuration('f', Duration.minutes(2))).toBe('2m');
    expect(promDuration('f', Duration.seconds(90))).toBe('90s');
    expect(promDuration('f', Duration.seconds(0))).toBe('0s');
  });

  test('throws on fractions of a second', () => {
    expect(() => promDuration('f', Duration.millis(1500))).toThrow("Invalid f: '1500ms'; must be a whole number of seconds.");
  });
});
