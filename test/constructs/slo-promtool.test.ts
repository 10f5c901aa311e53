/**
 * The SLO rules through the real `promtool` (`bash tools/monitoring/install-tools.sh`); skipped, with a message,
 * without it. In the integration project (`npm run test:integration`): each check starts promtool.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { LoadGenerator } from '../../constructs/slo/load-generator';
import { ServiceLevelObjective } from '../../constructs/slo/slo';
import { ENVIRONMENTS, environmentConfig } from '../../stacks/environments';
import { ChaosStack } from '../../stacks/chaos-stack';
import { find, fixture } from '../util';

const prometheus = { url: 'http://prometheus.monitoring.svc:9090' };

function setup(sloProps: Partial<ConstructorParameters<typeof ServiceLevelObjective>[2]> = {}) {
  const f = fixture();
  const load = new LoadGenerator(f.chart, 'Load', { name: 'load-pod-network-loss', target: f.app, namespace: f.chaos, prometheus });
  const slo = new ServiceLevelObjective(f.chart, 'Slo', { name: 'frontend', load, prometheus, namespace: f.chaos, ...sloProps });
  return { ...f, load, slo };
}

const hasPromtool = spawnSync('sh', ['-c', 'command -v promtool']).status === 0;
(hasPromtool ? describe : describe.skip)(`promtool (real)${hasPromtool ? '' : ': not on PATH, run tools/monitoring/install-tools.sh'}`, () => {
  test('accepts the SLO alert rules of every environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slo-rules-'));
    const files: string[] = [];
    for (const env of ENVIRONMENTS) {
      const stack = new ChaosStack(Testing.app(), env, { config: environmentConfig(env) });
      for (const obj of stack.layers.flatMap((l) => l.chart.toJson()).filter((o: any) => o.kind === 'PrometheusRule')) {
        const file = join(dir, `${env}-${obj.metadata.name}.yaml`);
        writeFileSync(file, YAML.stringify(obj.spec));
        files.push(file);
      }
    }
    expect(files.length).toBeGreaterThan(5);
    const r = spawnSync('promtool', ['check', 'rules', ...files], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/FAILED/);
    expect(r.status).toBe(0);
  });

  /**
   * `promtool test rules` on series shaped like k6's remote write (`k6_http_reqs_total` per method/status/url, tagged
   * with the test id; the `expected_response="false"` series exists only once a request failed). The promProbe
   * compares the query's single sample with `<` the threshold; an empty result is a probe error in litmus-go 3.31
   * (promProbe.go extractValueFromMetrics: "metrics doesn't contains required values"), so it is never a pass.
   */
  describe('the error-ratio objective on k6 series', () => {
    const { chart, slo, load } = setup();
    const [check] = slo.checks;
    const dir = mkdtempSync(join(tmpdir(), 'slo-test-'));
    const ruleFile = join(dir, 'slo.yaml');
    writeFileSync(ruleFile, YAML.stringify(find(Testing.synth(chart), 'PrometheusRule', 'slo-frontend', 'litmus').spec));
    const url = 'http://app-sample.testing.svc.cluster.local:80/';
    const k6 = (extra: string) => `k6_http_reqs_total{testid="${load.testId}", method="GET", name="${url}", `
      + `proto="HTTP/1.1", scenario="default", url="${url}", ${extra}}`;
    const alertname = 'SloBreachedFrontendErrorRatio';
    // The probe's comparison (criteria '<', value = the threshold), as PromQL: a sample means the probe passes.
    const probePasses = `(${check.expr}) < ${check.threshold}`;

    type Series = { series: string; values: string }[];
    function promtoolTest(name: string, series: Series, tests: { promql_expr_test: unknown[]; alert_rule_test: unknown[] }) {
      const file = join(dir, `${name}.test.yaml`);
      writeFileSync(file, YAML.stringify({
        rule_files: [ruleFile], evaluation_interval: '15s',
        tests: [{ interval: '15s', input_series: series, ...tests }],
      }));
      return spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    }

    test('no failed request: the ratio is 0, the probe passes and the alert stays silent', () => {
      const r = promtoolTest('clean', [{ series: k6('expected_response="true", status="200"'), values: '0+200x10' }], {
        promql_expr_test: [
          { expr: check.expr, eval_time: '2m', exp_samples: [{ labels: '{}', value: 0 }] },
          { expr: probePasses, eval_time: '2m', exp_samples: [{ labels: '{}', value: 0 }] },
        ],
        alert_rule_test: [{ eval_time: '2m', alertname, exp_alerts: [] }],
      });
      expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
      expect(r.status).toBe(0);
    });

    test('3 % of requests failed: the ratio is 0.03, the probe fails and the alert fires', () => {
      const r = promtoolTest('breach', [
        { series: k6('expected_response="true", status="200"'), values: '0+194x10' },
        { series: k6('expected_response="false", status="503"'), values: '0+4x10' },
        { series: k6('expected_response="false", status="0"'), values: '0+2x10' },
      ], {
        promql_expr_test: [
          { expr: check.expr, eval_time: '2m', exp_samples: [{ labels: '{}', value: 0.03 }] },
          { expr: probePasses, eval_time: '2m', exp_samples: [] },
        ],
        alert_rule_test: [{
          eval_time: '2m', alertname,
          exp_alerts: [{
            exp_labels: { severity: 'critical', slo: 'frontend', objective: 'error-ratio' },
            exp_annotations: {
              summary: `frontend: error-ratio at or above 0.02 during the load test ${load.testId}`,
              description: "The chaos experiment's users would have noticed: error-ratio must stay below 0.02.",
            },
          }],
        }],
      });
      expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
      expect(r.status).toBe(0);
    });

    test('no traffic (no k6 series of this test): no sample at all, so the probe cannot pass', () => {
      const r = promtoolTest('idle', [
        // Another load test's series must not count for this one.
        { series: k6('expected_response="true", status="200"').replace(load.testId, 'another-load'), values: '0+200x10' },
      ], {
        promql_expr_test: [
          { expr: check.expr, eval_time: '2m', exp_samples: [] },
          { expr: probePasses, eval_time: '2m', exp_samples: [] },
        ],
        alert_rule_test: [{ eval_time: '2m', alertname, exp_alerts: [] }],
      });
      expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
      expect(r.status).toBe(0);
    });
  });
});
