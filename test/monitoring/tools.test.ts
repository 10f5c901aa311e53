/**
 * The real Prometheus tools on the synthesized objects: `promtool check rules` on every PrometheusRule's rule
 * groups, `promtool test rules` on the alerts with made-up series, and `amtool check-config` on the
 * Alertmanager configuration. The tools come from Debian's prometheus and prometheus-alertmanager packages
 * (tools/monitoring/install-tools.sh); without them these tests are skipped, saying so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { AlertReceiver, Severity } from '../../constructs/monitoring/alertmanager';
import { ofKind, stackFixture } from './fixture';

function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

function run(bin: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const dir = mkdtempSync(join(tmpdir(), 'monitoring-tools-'));
const hasPromtool = onPath('promtool');
const hasAmtool = onPath('amtool');
const SKIP = 'not on PATH; run tools/monitoring/install-tools.sh to install it';

function synthRuleFiles(): string[] {
  const manifest = Testing.synth(stackFixture().chart);
  return ofKind(manifest, 'PrometheusRule').map((r) => {
    const file = join(dir, `${r.metadata.name}.yaml`);
    writeFileSync(file, YAML.stringify(r.spec));
    return file;
  });
}

(hasPromtool ? describe : describe.skip)(`promtool${hasPromtool ? '' : ` (${SKIP})`}`, () => {
  test('accepts every synthesized rule group', () => {
    const files = synthRuleFiles();
    expect(files.map((f) => f.replace(`${dir}/`, '')).sort()).toEqual(['chaos-rules.yaml', 'node-rules.yaml']);
    for (const file of files) {
      const r = run('promtool', ['check', 'rules', file]);
      expect(r.output).toContain('SUCCESS');
      expect(r.status).toBe(0);
    }
  });

  test('fails on a broken rule (the check is real)', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, YAML.stringify({ groups: [{ name: 'g', rules: [{ alert: 'X', expr: 'sum(rate(up[5m])' }] }] }));
    const r = run('promtool', ['check', 'rules', file]);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/FAILED|unclosed|parse error/i);
  });

  test('the alerts fire on made-up series: memory pressure, failed verdict, app unavailable during chaos', () => {
    const files = synthRuleFiles();
    const tests = {
      rule_files: files,
      evaluation_interval: '30s',
      tests: [
        {
          interval: '30s',
          input_series: [
            // 80 % memory used for 5 minutes.
            { series: 'node_memory_MemAvailable_bytes{job="node-exporter", instance="n1"}', values: '20x10' },
            { series: 'node_memory_MemTotal_bytes{job="node-exporter", instance="n1"}', values: '100x10' },
          ],
          alert_rule_test: [
            { eval_time: '1m', alertname: 'NodeMemoryPressure', exp_alerts: [] },
            {
              eval_time: '4m', alertname: 'NodeMemoryPressure',
              exp_alerts: [{
                exp_labels: { severity: 'warning', instance: 'n1', job: 'node-exporter' },
                exp_annotations: {
                  summary: 'Node memory above 70 %',
                  description: 'Node n1 uses 80% of its memory (more than 70 % for 2m).',
                },
              }],
            },
          ],
        },
        {
          interval: '10s',
          input_series: [
            {
              series: 'litmuschaos_experiment_verdict{chaosresult_namespace="litmus", chaosresult_name="app-sample-pod-delete-pod-delete",'
                + ' chaosengine_name="app-sample-pod-delete", fault_name="pod-delete", chaosresult_verdict="Fail"}',
              values: '0 1 0 0',
            },
            { series: 'kube_deployment_status_replicas_available{namespace="testing", deployment="app-sample"}', values: '2 0x12' },
            { series: 'litmuschaos_awaited_experiments{chaosresult_name="app-sample-pod-delete-pod-delete"}', values: '1x12' },
          ],
          alert_rule_test: [
            {
              eval_time: '30s', alertname: 'ChaosExperimentFailed',
              exp_alerts: [{
                exp_labels: {
                  severity: 'critical', chaosresult_namespace: 'litmus', chaosresult_name: 'app-sample-pod-delete-pod-delete',
                  chaosengine_name: 'app-sample-pod-delete', fault_name: 'pod-delete',
                },
                exp_annotations: {
                  summary: 'A chaos experiment failed its hypothesis',
                  description: 'ChaosResult litmus/app-sample-pod-delete-pod-delete (fault pod-delete) has verdict Fail:'
                    + ' the application did not keep its steady state under chaos.',
                },
              }],
            },
            { eval_time: '30s', alertname: 'ChaosExperimentErrored', exp_alerts: [] },
            { eval_time: '20s', alertname: 'AppUnavailableDuringChaos', exp_alerts: [] },
            {
              eval_time: '1m', alertname: 'AppUnavailableDuringChaos',
              exp_alerts: [{
                exp_labels: { severity: 'critical', namespace: 'testing', deployment: 'app-sample' },
                exp_annotations: {
                  summary: 'app-sample has no available replica during chaos',
                  description: 'Deployment testing/app-sample has 0 available replicas (minimum 1) while a chaos experiment runs.',
                },
              }],
            },
          ],
        },
      ],
    };
    const file = join(dir, 'alerts.test.yaml');
    writeFileSync(file, YAML.stringify(tests));
    const r = run('promtool', ['test', 'rules', file]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});

(hasAmtool ? describe : describe.skip)(`amtool${hasAmtool ? '' : ` (${SKIP})`}`, () => {
  function check(yaml: string): { status: number | null; output: string } {
    const file = join(dir, `alertmanager-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return run('amtool', ['check-config', file]);
  }

  test('accepts the synthesized Alertmanager configuration', () => {
    const { chart, stack } = stackFixture();
    const secret = ofKind(Testing.synth(chart), 'Secret').find((s) => s.metadata.name === 'alertmanager-main-config');
    expect(secret.stringData['alertmanager.yaml']).toBe(stack.alertmanager.configYaml);
    const r = check(stack.alertmanager.configYaml);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('accepts a configuration with a webhook, a Slack receiver by severity and a discard receiver', () => {
    const { stack } = stackFixture({
      alertReceivers: [
        AlertReceiver.webhook('chaos-team', 'https://hooks.example.invalid/a'),
        AlertReceiver.slack('oncall', 'https://hooks.slack.example.invalid/T0/B0/x', '#chaos', { severity: Severity.CRITICAL }),
        AlertReceiver.discard('drop'),
      ],
    });
    const r = check(stack.alertmanager.configYaml);
    expect(r.output).toContain('SUCCESS');
    expect(r.output).toContain('3 receivers');
    expect(r.status).toBe(0);
  });

  test('fails on a configuration whose route names an unknown receiver (the check is real)', () => {
    const r = check('route:\n  receiver: nobody\nreceivers:\n  - name: somebody\n');
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/undefined receiver "nobody"/);
  });
});

test('reports which tools are present', () => {
  // Always runs, so a run without the tools shows why the checks above were skipped.
  if (!hasPromtool || !hasAmtool) {
    console.warn(`promtool ${hasPromtool ? 'found' : 'missing'}, amtool ${hasAmtool ? 'found' : 'missing'}: ${SKIP}`);
  }
  expect(typeof hasPromtool).toBe('boolean');
});
