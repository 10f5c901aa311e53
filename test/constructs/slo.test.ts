import { spawnSync } from 'node:child_process';
import { Duration, Testing } from 'cdk8s';
import { ProbeMode } from '../../constructs/litmus/probes';
import { LoadGenerator } from '../../constructs/slo/load-generator';
import { ServiceLevelObjective } from '../../constructs/slo/slo';
import { find, fixture } from '../util';

const prometheus = { url: 'http://prometheus.monitoring.svc:9090' };

function setup(sloProps: Partial<ConstructorParameters<typeof ServiceLevelObjective>[2]> = {}) {
  const f = fixture();
  const load = new LoadGenerator(f.chart, 'Load', { name: 'load-pod-network-loss', target: f.app, namespace: f.chaos, prometheus });
  const slo = new ServiceLevelObjective(f.chart, 'Slo', { name: 'frontend', load, prometheus, namespace: f.chaos, ...sloProps });
  return { ...f, load, slo };
}

describe('LoadGenerator', () => {
  test("runs the workshop's load: 200 users for 60 s against the app Service, pushing to Prometheus", () => {
    const { chart } = setup();
    const manifest = Testing.synth(chart);
    const job = find(manifest, 'Job', 'load-pod-network-loss', 'litmus');
    const c = job.spec.template.spec.containers[0];
    expect(job.metadata.annotations).toEqual({ 'pulumi.com/skipAwait': 'true' });
    expect(c.image).toBe('docker.io/grafana/k6:1.7.1');
    expect(c.args).toEqual(['run', '--quiet', '--out', 'experimental-prometheus-rw', '--tag', 'testid=load-pod-network-loss', '/scripts/load.js']);
    const env = Object.fromEntries(c.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toMatchObject({
      TARGET_URL: 'http://app-sample.testing.svc.cluster.local:80/', VUS: '200', DURATION: '60s',
      K6_PROMETHEUS_RW_SERVER_URL: 'http://prometheus.monitoring.svc:9090/api/v1/write',
    });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(find(manifest, 'ConfigMap', 'load-pod-network-loss', 'litmus').data['load.js']).toContain("import http from 'k6/http';");
  });

  test('fails for a port the Service does not expose', () => {
    const f = fixture();
    expect(() => new LoadGenerator(f.chart, 'Load', { name: 'l', target: f.app, namespace: f.chaos, prometheus, port: 9999 })).toThrow(
      "Invalid LoadGenerator.port: 9999; Service 'testing/app-sample' exposes 80.");
  });

  test('fails for zero virtual users', () => {
    const f = fixture();
    expect(() => new LoadGenerator(f.chart, 'Load', { name: 'l', target: f.app, namespace: f.chaos, prometheus, virtualUsers: 0 })).toThrow(
      'Invalid LoadGenerator.virtualUsers: 0; must be a whole number from 1 to 5000.');
  });
});

describe('ServiceLevelObjective', () => {
  test('the promProbe and the alert use the same expression and threshold', () => {
    const { chart, slo } = setup({ latency: { percentile: 95, below: Duration.millis(500) } });
    const rules = find(Testing.synth(chart), 'PrometheusRule', 'slo-frontend', 'litmus').spec.groups[0].rules;
    const probes = slo.probes().map((p) => p.render());
    expect(probes).toHaveLength(2);
    for (const [i, probe] of probes.entries()) {
      const { expr, threshold } = slo.checks[i];
      expect(probe.promProbeInputs).toEqual({ endpoint: prometheus.url, query: expr, comparator: { criteria: '<', value: String(threshold) } });
      expect(rules[i].expr).toBe(`(${expr}) >= ${threshold}`);
    }
    expect(slo.checks.map((c) => c.threshold)).toEqual([0.02, 0.5]);
  });

  test("measures the workshop's objective: under 2 % failed requests of this load test, at the end of the test", () => {
    const { slo } = setup();
    expect(slo.checks).toEqual([{
      name: 'error-ratio',
      expr: "(sum(increase(k6_http_reqs_total{testid='load-pod-network-loss',expected_response='false'}[75s])) or vector(0)) / "
        + "sum(increase(k6_http_reqs_total{testid='load-pod-network-loss'}[75s]))",
      threshold: 0.02,
    }]);
    expect(slo.probes()[0]).toMatchObject({ name: 'slo-frontend-error-ratio', mode: ProbeMode.EOT });
  });

  test('every query reaches Prometheus unchanged through litmus-go\'s shell command (no double quotes in it)', () => {
    // litmus-go 3.31 promProbe.go runs `/bin/sh -c 'promql --host <endpoint> "<query>" --output csv'`: a double quote in
    // the query ends the shell string, and the label values would reach Prometheus unquoted (a parse error, every run).
    const { slo } = setup({ latency: { percentile: 95, below: Duration.millis(500) } });
    for (const { expr } of slo.checks) {
      expect(expr).not.toMatch(/["`$\\]/);
      const r = spawnSync('/bin/sh', ['-c', `printf '%s' "${expr}"`], { encoding: 'utf8' });
      expect(r.stdout).toBe(expr);
    }
  });

  test('fails for an objective of 0 %', () => {
    expect(() => setup({ maxErrorPercent: 0 })).toThrow(
      "Invalid ServiceLevelObjective 'frontend'.maxErrorPercent: 0; must be a percentage greater than 0 and less than 100.");
  });

  test('fails for rule labels Kubernetes would refuse', () => {
    expect(() => setup({ ruleLabels: { prometheus: 'k8s', role: 'alert rules' } })).toThrow(
      "Invalid ServiceLevelObjective 'frontend'.ruleLabels['role']: 'alert rules'; must be a label value: empty or at most 63 letters, digits, "
      + "'-', '_' or '.', starting and ending with a letter or digit.");
  });

  test('fails for a latency percentile the load generator does not export', () => {
    expect(() => setup({ latency: { percentile: 90 as 95, below: Duration.seconds(1) } })).toThrow(
      "Invalid ServiceLevelObjective 'frontend'.latency.percentile: '90'; must be one of '95', '99'.");
  });
});

describe('LoadGenerator and Prometheus', () => {
  test('fails for a Prometheus that does not accept remote writes', () => {
    const f = fixture();
    expect(() => new LoadGenerator(f.chart, 'Load', {
      name: 'l', target: f.app, namespace: f.chaos, prometheus: { url: prometheus.url, remoteWriteReceiver: false },
    })).toThrow("Invalid LoadGenerator.prometheus: 'http://prometheus.monitoring.svc:9090'; must accept remote writes "
      + "(enable its remote-write receiver), or the load's metrics are lost.");
  });
});
