import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { ChaosEngine } from '../../constructs/litmus/engine';
import { ChaosExperiment } from '../../constructs/litmus/experiment';
import { Fault, FaultName } from '../../constructs/litmus/faults';
import { ChaosSchedule, CronChaosTrigger } from '../../constructs/litmus/schedule';
import { Environment, ENVIRONMENTS, environmentConfig, type EnvironmentConfig } from '../../stacks/environments';
import { validateApp } from '../../lib/synth';
import { ChaosStack } from '../../stacks/chaos-stack';
import { find, fixture, ofKind, SCHEMA_VALIDATOR, schemaValidatorMissing, writeStack } from '../util';

function build(config: EnvironmentConfig) {
  const app = Testing.app();
  const stack = new ChaosStack(app, config.environment, { config });
  const manifest = Object.values(stack.charts).flatMap((c: Chart) => c.toJson());
  return { app, stack, manifest };
}

const env = (engine: any): Record<string, string> =>
  Object.fromEntries(engine.spec.experiments[0].spec.components.env.map((e: { name: string; value: string }) => [e.name, e.value]));

describe('ChaosStack', () => {
  test.each(ENVIRONMENTS.map((e) => [e]))('synthesizes the %s environment (snapshot for review)', (name) => {
    const { manifest } = build(environmentConfig(name));
    expect(manifest).toMatchSnapshot();
    expect(JSON.stringify(manifest)).not.toMatch(/:latest"/);
    expect(ofKind(manifest, 'Namespace').map((n) => n.metadata.name)).toEqual(['testing', 'litmus', 'monitoring', 'monitoring-node']);
  });

  test('orders the layers namespaces, operators, workloads, experiments, engines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-order-'));
    try {
      writeStack(new ChaosStack(new App(), 'dev', { config: environmentConfig('dev') }), dir);
      expect(readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()).toEqual([
        '0000-namespaces.k8s.yaml', '0001-operators.k8s.yaml', '0002-workloads.k8s.yaml', '0003-experiments.k8s.yaml', '0004-engines.k8s.yaml',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("reproduces every row of the workshop's experiment table in dev, correct for 3.31", () => {
    const { manifest } = build(environmentConfig('dev'));
    const engine = (fault: string): any => find(manifest, 'ChaosEngine', `app-sample-${fault}`, 'litmus');
    expect(env(engine('container-kill'))).toEqual({
      CHAOS_INTERVAL: '10', TOTAL_CHAOS_DURATION: '20', CONTAINER_RUNTIME: 'docker', SOCKET_PATH: '/var/run/docker.sock',
    });
    expect(env(engine('pod-autoscaler'))).toEqual({ TOTAL_CHAOS_DURATION: '60', REPLICA_COUNT: '10' });
    expect(env(engine('pod-cpu-hog'))).toMatchObject({ CPU_CORES: '1', TOTAL_CHAOS_DURATION: '60', PODS_AFFECTED_PERC: '0' });
    expect(env(engine('pod-memory-hog'))).toMatchObject({ MEMORY_CONSUMPTION: '500', TOTAL_CHAOS_DURATION: '120' });
    expect(env(engine('pod-delete'))).toEqual({ CHAOS_INTERVAL: '5', FORCE: 'false', TOTAL_CHAOS_DURATION: '30', PODS_AFFECTED_PERC: '2' });
    expect(env(engine('pod-network-loss'))).toEqual({
      NETWORK_INTERFACE: 'eth0', NETWORK_PACKET_LOSS_PERCENTAGE: '100', TOTAL_CHAOS_DURATION: '60',
      CONTAINER_RUNTIME: 'docker', SOCKET_PATH: '/var/run/docker.sock',
    });
    const policies = Object.fromEntries(ofKind(manifest, 'ChaosEngine').map((e) => [e.spec.experiments[0].name, e.spec.jobCleanUpPolicy]));
    expect(policies).toEqual({
      'container-kill': 'delete', 'pod-autoscaler': 'retain', 'pod-cpu-hog': 'retain', 'pod-memory-hog': 'retain', 'pod-delete': 'delete',
      'pod-network-loss': 'delete',
    });
    for (const e of ofKind(manifest, 'ChaosEngine')) {
      const probe = e.spec.experiments[0].spec.probe[0];
      expect(probe).toMatchObject({ name: 'check-frontend-access-url', type: 'httpProbe', mode: 'Continuous' });
      expect(probe['httpProbe/inputs']).toEqual({ url: 'http://app-sample.testing.svc.cluster.local', insecureSkipVerify: false, method: { get: { criteria: '==', responseCode: '200' } } });
      const interval = e.spec.experiments[0].name === 'pod-network-loss' ? '1s' : '5s';
      expect(probe.runProperties).toEqual({ probeTimeout: '5s', interval, retry: 1, probePollingInterval: '2s' });
      expect(e.spec).not.toHaveProperty('annotationCheck');
      expect(e.spec).not.toHaveProperty('monitoring');
      expect(e.spec.appinfo).toEqual({ appns: 'testing', applabel: 'app.kubernetes.io/name=app-sample', appkind: 'deployment' });
    }
    expect(new Set(ofKind(manifest, 'ChaosEngine').map((e) => e.metadata.name)).size).toBe(6);
    expect(find(manifest, 'Service', 'app-sample', 'testing').spec.type).toBe('LoadBalancer');
  });

  test("gives every engine a ServiceAccount holding exactly its fault's permissions, in the right namespaces", () => {
    for (const name of ENVIRONMENTS) {
      const { stack, manifest } = build(environmentConfig(name));
      for (const engine of stack.engines) {
        const sa = find(manifest, 'ChaosEngine', engine.name).spec.chaosServiceAccount;
        expect(find(manifest, 'ServiceAccount', sa, 'litmus')).toBeDefined();
        const bound = (kind: string) => manifest.filter((o) => o.kind === kind && o.subjects?.some((s: any) => s.name === sa && s.namespace === 'litmus'));
        const roles = bound('RoleBinding').map((b) => find(manifest, 'Role', b.roleRef.name, b.metadata.namespace));
        const clusterRoles = bound('ClusterRoleBinding').map((b) => find(manifest, 'ClusterRole', b.roleRef.name));
        const granted = [...roles, ...clusterRoles].flatMap((r) => r.rules).map((r: any) => JSON.stringify(r)).sort();
        const declared = engine.fault.definition.permissions
          .flatMap((p) => p.placement.map(() => JSON.stringify({ apiGroups: p.apiGroups, resources: p.resources, verbs: p.verbs }))).sort();
        expect(granted).toEqual(declared);
        expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(['litmus', 'testing']);
      }
    }
  });

  test('uses containerd and tighter limits in staging and prod', () => {
    for (const [name, ceiling] of [[Environment.STAGING, 50], [Environment.PROD, 25]] as const) {
      const { manifest } = build(environmentConfig(name));
      for (const e of ofKind(manifest, 'ChaosEngine')) {
        const vars = env(e);
        if ('CONTAINER_RUNTIME' in vars) expect(vars).toMatchObject({ CONTAINER_RUNTIME: 'containerd', SOCKET_PATH: '/run/containerd/containerd.sock' });
        expect(Number(vars.PODS_AFFECTED_PERC ?? '0')).toBeLessThanOrEqual(ceiling);
      }
      expect(find(manifest, 'Service', 'app-sample', 'testing').spec.type).toBe('ClusterIP');
    }
  });

  test('names every engine after the run id when one is set', () => {
    const { stack } = build({ ...environmentConfig('staging'), runId: 'run-7' });
    expect(stack.engines.map((e) => e.name)).toEqual(stack.engines.map((e) => `app-sample-${e.fault.name}-run-7`));
  });

  test('fails for a fault that exceeds the environment ceiling', () => {
    const config = environmentConfig('prod');
    expect(() => build({ ...config, experiments: [{ fault: { fault: FaultName.POD_DELETE, podsAffectedPercent: 80 } }] })).toThrow(
      "Invalid ChaosEngine 'app-sample-pod-delete'.pod-delete.podsAffectedPercent: 80; the environment's blast radius allows at most 25 %.");
  });

  test('fails for a node-level fault in an environment that forbids them', () => {
    const config = environmentConfig('staging');
    expect(() => build({ ...config, experiments: [{ fault: { fault: FaultName.NODE_CPU_HOG } }] })).toThrow(
      "Invalid ChaosEngine 'app-sample-node-cpu-hog'.fault: 'node-cpu-hog'; node-level faults are not enabled in this environment (blastRadius.allowNodeFaults).");
  });

  test('fails for the same fault twice against one target', () => {
    const config = environmentConfig('dev');
    expect(() => build({ ...config, experiments: [{ fault: { fault: FaultName.POD_DELETE } }, { fault: { fault: FaultName.POD_DELETE } }] }))
      .toThrow("Invalid experiments[1].fault: 'pod-delete'; the environment already runs this fault against 'app-sample'; each target runs each fault once.");
  });

  test('fails for an environment with no experiments', () => {
    expect(() => build({ ...environmentConfig('prod'), experiments: [] })).toThrow(
      'Invalid experiments: []; must list at least one experiment (a fault and its tunables).');
  });

  test("fails for a misspelt tunable in the environment table (prod's FORCE would stay true)", () => {
    const config = environmentConfig('prod');
    const experiments = [{ fault: { fault: FaultName.POD_DELETE, totalChaosDuration: Duration.seconds(30), forse: false } }] as unknown as EnvironmentConfig['experiments'];
    expect(() => build({ ...config, experiments })).toThrow("Invalid pod-delete.forse: false; is not a tunable of pod-delete (did you mean 'force'?); "
      + 'allowed: totalChaosDuration, rampTime, podsAffectedPercent, sequence, chaosInterval, force.');
  });

  test('fails for unknown keys in the environment config, naming them and the allowed ones', () => {
    const config = environmentConfig('staging');
    expect(() => build({ ...config, runID: 'r1' } as EnvironmentConfig)).toThrow("Invalid environment config.runID: 'r1'; is not a key of an environment "
      + "config (did you mean 'runId'?); allowed: environment, namespaces, appServiceType, appAutoscaling, appLivenessPeriod, runtime, experiments, "
      + 'blastRadius, runId, slo, network.');
    const misspelt = { ...config, experiments: [{ ...config.experiments[0], probeIntervall: Duration.seconds(1) }] };
    expect(() => build(misspelt as unknown as EnvironmentConfig)).toThrow(
      "Invalid experiments[0].probeIntervall: '1s'; is not a setting of an experiment (did you mean 'probeInterval'?); allowed: fault, jobCleanUpPolicy, "
      + 'probeInterval.');
    expect(() => build({ ...config, slo: { maxErrorPercentage: 1 } } as unknown as EnvironmentConfig)).toThrow(
      "Invalid slo.maxErrorPercentage: 1; is not a setting of an SLO (did you mean 'maxErrorPercent'?); allowed: maxErrorPercent, latency, virtualUsers.");
    expect(() => build({ ...config, blastRadius: { maxPodsAffected: 10 } } as unknown as EnvironmentConfig)).toThrow(
      /^Invalid blastRadius.maxPodsAffected: 10; is not a blast radius setting/);
    expect(() => build({ ...config, experiments: [{ ...config.experiments[0], probeInterval: 5 }] } as unknown as EnvironmentConfig)).toThrow(
      'Invalid experiments[0].probeInterval: 5; must be a Duration greater than zero (e.g. Duration.seconds(30)).');
  });

  test('fails for a run id too long for the names it goes into, blaming the run id', () => {
    // GIVEN staging (an SLO: every engine has a load Job `<engine>-load`; pod-network-latency is the longest fault)
    const longest = 63 - 'app-sample-pod-network-latency--load'.length;
    // THEN
    expect(build({ ...environmentConfig('staging'), runId: 'r'.repeat(longest) }).stack.engines).toHaveLength(5);
    expect(() => build({ ...environmentConfig('staging'), runId: 'r'.repeat(longest + 1) })).toThrow(
      `Invalid runId: '${'r'.repeat(longest + 1)}'; must be at most 27 characters: it goes into the name 'app-sample-pod-network-latency-<runId>-load', `
      + 'which may have at most 63 (a label value).');
    // prod has no SLO: only the engine names bound it.
    expect(() => build({ ...environmentConfig('prod'), runId: 'r'.repeat(33) })).toThrow(
      `Invalid runId: '${'r'.repeat(33)}'; must be at most 32 characters: it goes into the name 'app-sample-pod-network-latency-<runId>', `
      + 'which may have at most 63 (a label value).');
  });

  test('fails for an unknown environment', () => {
    expect(() => environmentConfig('qa')).toThrow("Invalid environment: 'qa'; must be one of 'dev', 'staging', 'prod'.");
  });

  test('derives each engine\'s expected duration from the fault', () => {
    const { stack } = build(environmentConfig('dev'));
    expect(Object.fromEntries(stack.engines.map((e) => [e.fault.name, e.expectedDurationSeconds]))).toMatchObject({
      'container-kill': 20, 'pod-memory-hog': 120,
    });
  });
});

describe('ChaosStack monitoring and SLO', () => {
  test('deploys the monitoring stack in every environment, with the remote-write receiver only where an SLO needs it', () => {
    for (const [name, receiver] of [['dev', true], ['staging', true], ['prod', false]] as const) {
      const { manifest } = build(environmentConfig(name));
      expect(find(manifest, 'Prometheus', 'k8s', 'monitoring').spec.enableRemoteWriteReceiver).toBe(receiver);
      expect(find(manifest, 'Deployment', 'chaos-exporter', 'litmus')).toBeDefined();
      expect(ofKind(manifest, 'Secret').map((s) => s.metadata.name)).not.toContain('grafana-admin');
    }
  });

  test("judges every dev experiment by the workshop's SLO: a load test beside it and a promProbe in its verdict", () => {
    const { stack, manifest } = build(environmentConfig('dev'));
    for (const engine of stack.engines) {
      const job = find(manifest, 'Job', `${engine.name}-load`, 'litmus');
      const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
      expect(env).toMatchObject({ VUS: '200', DURATION: `${engine.fault.totalChaosDurationSeconds}s` });
      expect(env.K6_PROMETHEUS_RW_SERVER_URL).toBe('http://prometheus-k8s.monitoring.svc:9090/api/v1/write');
      const probes = find(manifest, 'ChaosEngine', engine.name).spec.experiments[0].spec.probe;
      const slo = stack.slos.get(engine.name);
      expect(slo).toBeDefined();
      const prom = probes.find((p: any) => p.type === 'promProbe');
      expect(prom['promProbe/inputs']).toEqual({
        endpoint: 'http://prometheus-k8s.monitoring.svc:9090', query: slo?.checks[0].expr, comparator: { criteria: '<', value: '0.02' },
      });
      expect(prom.mode).toBe('EOT');
      const rule = find(manifest, 'PrometheusRule', `slo-${engine.fault.name}`, 'litmus');
      expect(rule.metadata.labels).toMatchObject({ prometheus: 'k8s', role: 'alert-rules' });
      expect(rule.spec.groups[0].rules[0].expr).toBe(`(${slo?.checks[0].expr}) >= 0.02`);
    }
  });

  test('names load tests after the run, so a new run id starts a new load', () => {
    const { manifest } = build({ ...environmentConfig('dev'), runId: 'r2' });
    expect(find(manifest, 'Job', 'app-sample-pod-delete-r2-load', 'litmus').spec.template.spec.containers[0].args)
      .toContain('testid=app-sample-pod-delete-r2-load');
  });

  test('runs no load test where the environment declares no SLO', () => {
    const { manifest } = build(environmentConfig('prod'));
    expect(ofKind(manifest, 'Job')).toEqual([]);
  });
});

describe('validateApp', () => {
  test('throws listing every deferred validation error, before anything is written', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const broken = new Construct(chart, 'Broken');
    broken.node.addValidation({ validate: () => ['first problem', 'second problem'] });
    expect(() => validateApp(app)).toThrow('Validation failed with the following errors:\n  [c/Broken] first problem\n  [c/Broken] second problem');
  });
});

const validator = SCHEMA_VALIDATOR;
const missing = schemaValidatorMissing();
const describeIfValidator = missing === undefined ? describe : describe.skip;
if (missing !== undefined) console.warn(`skipping strict schema checks: ${missing}`);

describeIfValidator('strict schema check (../shared/tools/validate-manifests.mjs)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'schema-'));
    for (const name of ENVIRONMENTS) {
      writeStack(new ChaosStack(new App(), name, { config: environmentConfig(name) }), join(dir, name));
    }
    // Every schedule variant and the CronJob trigger, which no environment uses by default.
    const app = new App({ outdir: join(dir, 'schedules') });
    const { chart, app: target, chaos } = fixture(new Chart(app, 'schedules'));
    const experiment = new ChaosExperiment(chart, 'Exp', { namespace: chaos, fault: FaultName.POD_DELETE });
    const start = new Date('2026-12-01T09:00:00Z');
    const end = new Date('2026-12-01T18:00:00Z');
    const every = Duration.minutes(2);
    const variants = {
      now: { now: true }, once: { once: start }, repeat: { repeat: { every } },
      between: { repeat: { every, startTime: start, endTime: end } }, until: { repeat: { every, endTime: end } },
      from: { repeat: { every, startTime: start } }, hours: { repeat: { every: Duration.hours(1), workHours: [[0, 12] as const] } },
      days: { repeat: { every, workDays: ['Mon', 'Tue', 'Wed', 'Sat', 'Sun'] as const } },
    };
    for (const [id, schedule] of Object.entries(variants)) {
      new ChaosSchedule(chart, id, { name: `pod-delete-${id}`, schedule, experiment, target, fault: Fault.podDelete() });
    }
    const engine = new ChaosEngine(chart, 'Engine', { experiment, target, fault: Fault.podDelete() });
    new CronChaosTrigger(chart, 'Cron', { engine, schedule: '0 10 * * 1-5' });
    app.synth();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(['1.27.0', '1.33.0'])('accepts every object of every environment against Kubernetes %s', (k8s) => {
    const out = execFileSync(process.execPath, [validator, '--k8s', k8s, dir], { encoding: 'utf8' });
    const summary = out.trim().split('\n').pop() ?? '';
    expect(summary).toMatch(/: (\d+) ok, 0 invalid, 0 unknown kinds$/);
    expect(Number(/(\d+) ok/.exec(summary)?.[1])).toBeGreaterThan(120);
  });
});
