import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { FaultName, type FaultSpec } from '../../constructs/litmus/faults';
import {
  ChaosRunner, Environment, ENVIRONMENTS, environmentConfig, type EnvironmentConfig, type ExperimentConfig, type PlanConfig,
} from '../../stacks/environments';
import { chartObjects, validateApp } from '../../lib/synth';
import { ChaosStack } from '../../stacks/chaos-stack';
import { AppKind } from '../../constructs/target-app';
import { find, ofKind, stackObjects, writeStack } from '../util';

function build(config: EnvironmentConfig) {
  const app = Testing.app();
  const stack = new ChaosStack(app, config.environment, { config });
  const manifest = stackObjects(stack);
  return { app, stack, manifest };
}

/** A workload of the user's, `checkout`, in `namespace`. */
const SHOP = (namespace: string) => ({
  name: 'checkout', namespace, kind: AppKind.DEPLOYMENT, selector: { key: 'app', value: 'checkout' }, service: { name: 'checkout', port: 8080 },
});

/** A plan of one step per experiment, in order. */
const steps = (...experiments: ExperimentConfig[]): PlanConfig => ({ steps: experiments.map((experiment) => ({ experiment })) });

const env = (engine: any): Record<string, string> =>
  Object.fromEntries(engine.spec.experiments[0].spec.components.env.map((e: { name: string; value: string }) => [e.name, e.value]));

describe('ChaosStack', () => {
  test.each(ENVIRONMENTS.map((e) => [e]))('synthesizes the %s environment (snapshot for review)', (name) => {
    const { manifest } = build(environmentConfig(name));
    expect(manifest).toMatchSnapshot();
    expect(JSON.stringify(manifest)).not.toMatch(/:latest"/);
    expect(ofKind(manifest, 'Namespace').map((n) => n.metadata.name)).toEqual(['testing', 'litmus', 'monitoring', 'monitoring-node']);
  });

  test.each(ENVIRONMENTS.map((e) => [e]))('renders each layer of %s as chart.toJson() does (chartObjects: same objects, same order)', (name) => {
    const stack = new ChaosStack(new App(), name, { config: environmentConfig(name) });
    const rendered = stack.layers.map((l) => chartObjects(l.chart));
    expect(rendered).toEqual(stack.layers.map((l) => l.chart.toJson()));
    expect(rendered.flat().length).toBeGreaterThan(50);
  });

  test('orders the layers namespaces, operators, workloads, experiments, then one per plan step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-order-'));
    try {
      writeStack(new ChaosStack(new App(), 'dev', { config: environmentConfig('dev') }), dir);
      expect(readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()).toEqual([
        '0000-namespaces.k8s.yaml', '0001-operators.k8s.yaml', '0002-workloads.k8s.yaml', '0003-experiments.k8s.yaml',
        '0004-step-1-app-sample-container-kill.k8s.yaml', '0005-step-2-app-sample-pod-autoscaler.k8s.yaml', '0006-step-3-app-sample-pod-cpu-hog.k8s.yaml',
        '0007-step-4-app-sample-pod-memory-hog.k8s.yaml', '0008-step-5-app-sample-pod-delete.k8s.yaml', '0009-step-6-app-sample-pod-network-loss.k8s.yaml',
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
    expect(() => build({ ...config, plan: steps({ fault: { fault: FaultName.POD_DELETE, podsAffectedPercent: 80 } }) })).toThrow(
      "Invalid ChaosEngine 'app-sample-pod-delete'.pod-delete.podsAffectedPercent: 80; the environment's blast radius allows at most 25 %.");
  });

  test('fails for a node-level fault in an environment that forbids them', () => {
    const config = environmentConfig('staging');
    expect(() => build({ ...config, plan: steps({ fault: { fault: FaultName.NODE_CPU_HOG } }) })).toThrow(
      "Invalid ChaosEngine 'app-sample-node-cpu-hog'.fault: 'node-cpu-hog'; node-level faults are not enabled in this environment (blastRadius.allowNodeFaults).");
  });

  test('fails for the same fault twice against one target', () => {
    const config = environmentConfig('dev');
    expect(() => build({ ...config, plan: steps({ fault: { fault: FaultName.POD_DELETE } }, { fault: { fault: FaultName.POD_DELETE } }) }))
      .toThrow("Invalid plan.steps[1].experiment: 'app-sample/pod-delete'; runs an experiment (target and fault) that plan.steps[0].experiment "
        + 'already runs; each runs once per plan.');
  });

  test('fails for an environment with no step', () => {
    expect(() => build({ ...environmentConfig('prod'), plan: { steps: [] } })).toThrow(
      'Invalid plan.steps: []; must list at least one step (an experiment, or a named group of them).');
  });

  test("fails for a misspelt tunable in the environment table (prod's FORCE would stay true)", () => {
    const config = environmentConfig('prod');
    const plan = steps({ fault: { fault: FaultName.POD_DELETE, totalChaosDuration: Duration.seconds(30), forse: false } as unknown as FaultSpec });
    expect(() => build({ ...config, plan })).toThrow("Invalid pod-delete.forse: false; is not a tunable of pod-delete (did you mean 'force'?); "
      + 'allowed: totalChaosDuration, rampTime, podsAffectedPercent, sequence, chaosInterval, force.');
  });

  test('fails for unknown keys in the environment config, naming them and the allowed ones', () => {
    const config = environmentConfig('staging');
    expect(() => build({ ...config, runID: 'r1' } as EnvironmentConfig)).toThrow("Invalid environment config.runID: 'r1'; is not a key of an environment "
      + "config (did you mean 'runId'?); allowed: environment, namespaces, appServiceType, appAutoscaling, appLivenessPeriod, runtime, targets, "
      + 'plan, blastRadius, runId, slo, network, runner.');
    const first = { fault: { fault: FaultName.POD_DELETE } };
    const misspelt = { ...config, plan: steps({ ...first, probeIntervall: Duration.seconds(1) } as ExperimentConfig) };
    expect(() => build(misspelt)).toThrow(
      "Invalid plan.steps[0].experiment.probeIntervall: '1s'; is not a setting of an experiment (did you mean 'probeInterval'?); allowed: target, fault, "
      + 'jobCleanUpPolicy, probeInterval.');
    expect(() => build({ ...config, slo: { maxErrorPercentage: 1 } } as unknown as EnvironmentConfig)).toThrow(
      "Invalid slo.maxErrorPercentage: 1; is not a setting of an SLO (did you mean 'maxErrorPercent'?); allowed: maxErrorPercent, latency, virtualUsers.");
    expect(() => build({ ...config, blastRadius: { maxPodsAffected: 10 } } as unknown as EnvironmentConfig)).toThrow(
      /^Invalid blastRadius.maxPodsAffected: 10; is not a blast radius setting/);
    expect(() => build({ ...config, plan: steps({ ...first, probeInterval: 5 } as unknown as ExperimentConfig) })).toThrow(
      'Invalid plan.steps[0].experiment.probeInterval: 5; must be a Duration greater than zero (e.g. Duration.seconds(30)).');
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
      const rule = find(manifest, 'PrometheusRule', `slo-${engine.target.name}-${engine.fault.name}`, 'litmus');
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

describe('the plan', () => {
  const stepOf = (stack: ChaosStack, obj: any): string | undefined =>
    stack.plan.steps.find((st) => st.layer.chart.toJson().some((o: any) => keyOf(o) === keyOf(obj)))?.name;
  const keyOf = (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

  test("puts each step's engines, load tests and SLO rules in that step's layer and nowhere else, so each starts and ends with its step", () => {
    const { stack, manifest } = build(environmentConfig('staging'));
    expect(stack.plan.steps.map((st) => [st.index, st.name, st.weight, st.stopOnFailure, st.group, st.engines.map((e) => e.engine)])).toEqual([
      [1, 'app-sample-pod-delete', 10, true, false, ['app-sample-pod-delete']],
      [2, 'app-sample-container-kill', 10, true, false, ['app-sample-container-kill']],
      [3, 'resource-pressure', 5, true, true, ['app-sample-pod-cpu-hog', 'app-sample-pod-memory-hog']],
      [4, 'app-sample-pod-network-latency', 10, true, false, ['app-sample-pod-network-latency']],
    ]);
    expect(stack.plan.minResilienceScore).toBe(90);
    for (const engine of stack.engines) {
      const step = stepOf(stack, find(manifest, 'ChaosEngine', engine.name));
      expect(step).toBeDefined();
      for (const [kind, name] of [['Job', `${engine.name}-load`], ['ConfigMap', `${engine.name}-load`], ['PrometheusRule', `slo-${engine.name}`]]) {
        expect(stepOf(stack, find(manifest, kind, name, 'litmus'))).toBe(step);
      }
      // The SLO reads only its own load test's series, over a window no longer than its own run: two steps' windows
      // never mix, whatever runs before or after.
      const slo = stack.slos.get(engine.name);
      for (const check of slo?.checks ?? []) {
        expect(check.expr.match(/testid='([^']+)'/g)).toEqual(expect.arrayContaining([`testid='${engine.name}-load'`]));
        expect(new Set(check.expr.match(/testid='([^']+)'/g))).toEqual(new Set([`testid='${engine.name}-load'`]));
        const window = Number(/\[(\d+)s\]/.exec(check.expr)?.[1]);
        expect(window).toBeLessThanOrEqual(engine.expectedDurationSeconds + 15);
      }
    }
    // The preparing layers hold no engine, load test or SLO rule.
    const preparing = stack.layers.filter((l) => !stack.plan.steps.some((st) => st.layer === l)).flatMap((l) => l.chart.toJson());
    expect(preparing.filter((o: any) => ['ChaosEngine', 'Job', 'PrometheusRule'].includes(o.kind) && o.metadata.namespace === 'litmus')).toEqual([]);
  });

  test('defaults: weight 10, and the plan\'s stopOnFailure (true unless it says otherwise), which a step may override', () => {
    const { stack } = build({
      ...environmentConfig('prod'),
      plan: {
        steps: [
          { experiment: { fault: { fault: FaultName.POD_DELETE } } },
          { experiment: { fault: { fault: FaultName.POD_NETWORK_LATENCY } }, weight: 3, stopOnFailure: false },
        ],
      },
    });
    expect(stack.plan.steps.map((st) => [st.weight, st.stopOnFailure])).toEqual([[10, true], [3, false]]);
    expect(stack.plan.minResilienceScore).toBe(0);
  });

  test.each<[string, (c: EnvironmentConfig) => unknown, string]>([
    ['a duplicate experiment, across steps', (c) => ({ ...c, plan: { steps: [
      { experiment: { fault: { fault: FaultName.POD_DELETE } } },
      { group: 'again', experiments: [{ target: 'app-sample', fault: { fault: FaultName.POD_DELETE } }] },
    ] } }), "Invalid plan.steps[1].experiments[0]: 'app-sample/pod-delete'; runs an experiment (target and fault) that plan.steps[0].experiment "
      + 'already runs; each runs once per plan.'],
    ['an empty group', (c) => ({ ...c, plan: { steps: [{ group: 'nothing', experiments: [] }] } }),
      "Invalid plan.steps[0].experiments: []; must list at least one experiment: group 'nothing' is empty."],
    ['an unknown target', (c) => ({ ...c, plan: { steps: [{ experiment: { target: 'checkout', fault: { fault: FaultName.POD_DELETE } } }] } }),
      "Invalid plan.steps[0].experiment.target: 'checkout'; must be a target of the environment: 'app-sample'."],
    ['a weight above 10', (c) => ({ ...c, plan: { steps: [{ experiment: { fault: { fault: FaultName.POD_DELETE } }, weight: 11 }] } }),
      'Invalid plan.steps[0].weight: 11; must be a whole number from 1 to 10.'],
    ['a weight of 0', (c) => ({ ...c, plan: { steps: [{ experiment: { fault: { fault: FaultName.POD_DELETE } }, weight: 0 }] } }),
      'Invalid plan.steps[0].weight: 0; must be a whole number from 1 to 10.'],
    ['a step that is both', (c) => ({ ...c, plan: { steps: [{ experiment: { fault: { fault: FaultName.POD_DELETE } }, group: 'g', experiments: [] }] } }),
      'Invalid plan.steps[0]: ["experiment","group","experiments"]; must have either \'experiment\' (one experiment) or \'group\' and '
      + "'experiments' (a named group)."],
    ['a group named like another step', (c) => ({ ...c, plan: { steps: [
      { experiment: { fault: { fault: FaultName.POD_DELETE } } },
      { group: 'app-sample-pod-delete', experiments: [{ fault: { fault: FaultName.POD_NETWORK_LATENCY } }] },
    ] } }), "Invalid plan.steps[1].group: 'app-sample-pod-delete'; is already the name of step 1; step names must be distinct."],
    ['a minimum score above 100', (c) => ({ ...c, plan: { ...c.plan, minResilienceScore: 120 } }),
      'Invalid plan.minResilienceScore: 120; must be a number from 0 to 100.'],
    ['a misspelt step setting', (c) => ({ ...c, plan: { steps: [{ experiment: { fault: { fault: FaultName.POD_DELETE } }, stopOnFailur: true }] } }),
      "Invalid plan.steps[0].stopOnFailur: true; is not a setting of an experiment step (did you mean 'stopOnFailure'?); allowed: experiment, weight, "
      + 'stopOnFailure.'],
    ['a target outside the blast radius', (c) => ({ ...c, targets: [SHOP('shop')] }),
      "Invalid targets[0].namespace: 'shop'; must be inside the environment's blast radius (blastRadius.allowedNamespaces: 'testing')."],
    ['a target in a namespace the stack guards', (c) => ({ ...c, targets: [SHOP('testing')] }),
      "Invalid targets[0].namespace: 'testing'; must not be a namespace the stack creates and guards with default-deny networking "
      + '(testing, litmus, monitoring, monitoring-node): a workload of yours lives in a namespace of its own.'],
    ['a target named app-sample', (c) => ({ ...c, blastRadius: { ...c.blastRadius, allowedNamespaces: ['testing', 'shop'] },
      targets: [{ ...SHOP('shop'), name: 'app-sample' }] }),
    "Invalid targets[0].name: 'app-sample'; is the built-in sample app's name; give your workload another."],
    ['a target of an unknown kind', (c) => ({ ...c, blastRadius: { ...c.blastRadius, allowedNamespaces: ['testing', 'shop'] },
      targets: [{ ...SHOP('shop'), kind: 'Deployment' }] }),
    "Invalid targets[0].kind: 'Deployment'; must be one of 'deployment', 'statefulset', 'daemonset'."],
    ['a target Service port out of range', (c) => ({ ...c, blastRadius: { ...c.blastRadius, allowedNamespaces: ['testing', 'shop'] },
      targets: [{ ...SHOP('shop'), service: { name: 'checkout', port: 70000 } }],
      plan: { steps: [{ experiment: { target: 'checkout', fault: { fault: FaultName.POD_DELETE } } }] } }),
    "Invalid ExistingWorkload 'checkout'.service.port: 70000; must be a whole number from 1 to 65535."],
  ])('rejects %s at synth, naming the field, the value and what is allowed', (_what, change, message) => {
    expect(() => build(change(environmentConfig('prod')) as EnvironmentConfig)).toThrow(message);
  });

  test('aims a step at a workload of your own: engine, probe, load, RBAC and egress from its target, none of its objects created', () => {
    const config: EnvironmentConfig = {
      ...environmentConfig('dev'),
      blastRadius: { ...environmentConfig('dev').blastRadius, allowedNamespaces: ['testing', 'shop'] },
      targets: [{ ...SHOP('shop'), service: { name: 'checkout-svc', port: 80, targetPort: 8081 } }],
      plan: { steps: [{ experiment: { target: 'checkout', fault: { fault: FaultName.POD_DELETE, totalChaosDuration: Duration.seconds(30) } } }] },
    };
    const { manifest } = build(config);
    const engine = find(manifest, 'ChaosEngine', 'checkout-pod-delete', 'litmus');
    expect(engine.spec.appinfo).toEqual({ appns: 'shop', applabel: 'app=checkout', appkind: 'deployment' });
    expect(engine.spec.experiments[0].spec.probe[0]['httpProbe/inputs'].url).toBe('http://checkout-svc.shop.svc.cluster.local');
    const load = find(manifest, 'Job', 'checkout-pod-delete-load', 'litmus');
    expect(JSON.stringify(load)).toContain('http://checkout-svc.shop.svc.cluster.local:80/');
    expect(manifest.filter((o) => o.metadata.namespace === 'shop').map(keyOf).sort()).toEqual([
      'Role/shop/checkout-pod-delete-sa', 'RoleBinding/shop/checkout-pod-delete-sa',
    ]);
    // The chaos namespace may reach the target's pods on their own port (egress only: their namespace is not ours to guard).
    const policies = ofKind(manifest, 'NetworkPolicy');
    expect(policies.some((p) => p.metadata.namespace === 'shop')).toBe(false);
    const egress = (name: string) => find(manifest, 'NetworkPolicy', name, 'litmus').spec.egress as any[];
    const toShop = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'checkout' } } };
    expect(egress('allow-chaos-experiments')).toContainEqual({ to: [toShop], ports: [{ port: 8081, protocol: 'TCP' }] });
    expect(egress('allow-k6-load')).toContainEqual({ to: [toShop], ports: [{ port: 8081, protocol: 'TCP' }] });
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

/** staging's plan, run by Argo: four steps, the third the group `resource-pressure`, every step stopping the plan. */
const stagingOnArgo = (overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig =>
  ({ ...environmentConfig(Environment.STAGING), runner: ChaosRunner.ARGO, runId: 'r1', ...overrides });

describe('ChaosStack with runner argo', () => {
  test('applies the preparing layers, then one workflow layer; nothing else starts chaos or load', () => {
    const { stack, manifest } = build(stagingOnArgo());
    expect(stack.layers.map((l) => l.name)).toEqual(['namespaces', 'operators', 'workloads', 'experiments', 'workflow']);
    expect(ofKind(manifest, 'ChaosEngine')).toEqual([]);
    expect(ofKind(manifest, 'Job')).toEqual([]);
    expect(ofKind(manifest, 'ConfigMap').filter((c) => c.metadata.name.endsWith('-load'))).toEqual([]);
    // Every step is the workflow's: applying the layer starts the plan.
    const workflowLayer = stack.layers[4];
    expect(stack.plan.steps.map((st) => [st.name, st.layer === workflowLayer])).toEqual([
      ['app-sample-pod-delete', true], ['app-sample-container-kill', true], ['resource-pressure', true], ['app-sample-pod-network-latency', true],
    ]);
    expect(stack.engineTargets.map((t) => t.engine)).toEqual([
      'app-sample-pod-delete-r1', 'app-sample-container-kill-r1', 'app-sample-pod-cpu-hog-r1', 'app-sample-pod-memory-hog-r1',
      'app-sample-pod-network-latency-r1',
    ]);
    const workflowObjects = workflowLayer.chart.toJson().map((o: any) => `${o.kind}/${o.metadata.name}`);
    expect(workflowObjects).toEqual([
      'PrometheusRule/slo-app-sample-pod-delete', 'PrometheusRule/slo-app-sample-container-kill', 'PrometheusRule/slo-app-sample-pod-cpu-hog',
      'PrometheusRule/slo-app-sample-pod-memory-hog', 'PrometheusRule/slo-app-sample-pod-network-latency',
      'ServiceAccount/chaos-plan-workflow', 'Role/chaos-plan-workflow', 'RoleBinding/chaos-plan-workflow',
      'WorkflowTemplate/chaos-plan', 'Workflow/chaos-plan-r1',
    ]);
  });

  test('the workflow runs the plan\'s steps in order and groups, with its stop-on-failure', () => {
    const { manifest } = build(stagingOnArgo({ plan: { ...environmentConfig(Environment.STAGING).plan, stopOnFailure: false } }));
    const wt = find(manifest, 'WorkflowTemplate', 'chaos-plan', 'litmus');
    const plan = wt.spec.templates.find((t: any) => t.name === 'plan');
    expect(plan.steps.map((group: any[]) => group.map((st) => `${st.template}${st.continueOn?.failed === true ? ' (continue)' : ''}`))).toEqual([
      ['app-sample-pod-delete-r1 (continue)'],
      ['app-sample-container-kill-r1 (continue)'],
      ['app-sample-pod-cpu-hog-r1 (continue)', 'app-sample-pod-memory-hog-r1 (continue)'],
      ['app-sample-pod-network-latency-r1 (continue)'],
    ]);
    const stops = find(build(stagingOnArgo()).manifest, 'WorkflowTemplate', 'chaos-plan').spec.templates.find((t: any) => t.name === 'plan');
    expect(stops.steps.flat().filter((st: any) => st.continueOn !== undefined)).toEqual([]);
  });

  test('starts each experiment\'s load test with its step, then creates the engine and reads the verdict', () => {
    const { stack, manifest } = build(stagingOnArgo());
    const wt = find(manifest, 'WorkflowTemplate', 'chaos-plan');
    const template = (name: string): any => wt.spec.templates.find((t: any) => t.name === name);
    expect(template('app-sample-pod-delete-r1').steps.map((g: any[]) => g.map((st) => st.template))).toEqual([
      ['app-sample-pod-delete-r1-configmap'], ['app-sample-pod-delete-r1-job'], ['app-sample-pod-delete-r1-engine'], ['app-sample-pod-delete-r1-verdict'],
    ]);
    const job = JSON.parse(template('app-sample-pod-delete-r1-job').resource.manifest);
    expect([job.kind, job.metadata.name, job.metadata.namespace]).toEqual(['Job', 'app-sample-pod-delete-r1-load', 'litmus']);
    const engine = JSON.parse(template('app-sample-pod-delete-r1-engine').resource.manifest);
    expect([engine.kind, engine.metadata.name]).toEqual(['ChaosEngine', 'app-sample-pod-delete-r1']);
    expect(engine.spec.chaosServiceAccount).toBe('app-sample-pod-delete-sa');
    expect(template('app-sample-pod-delete-r1-engine').activeDeadlineSeconds).toBe(stack.engineTargets[0]?.timeoutSeconds);
  });

  test('its ServiceAccount may create the engines and load tests, read engines and results, and report outputs; nothing else', () => {
    const { manifest } = build(stagingOnArgo());
    expect(find(manifest, 'Role', 'chaos-plan-workflow', 'litmus').rules).toEqual([
      { apiGroups: ['litmuschaos.io'], resources: ['chaosengines'], verbs: ['create', 'get'] },
      { apiGroups: ['litmuschaos.io'], resources: ['chaosresults'], verbs: ['get'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] },
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
    ]);
    expect(ofKind(manifest, 'ClusterRole').map((r) => r.metadata.name)).not.toContain('chaos-plan-workflow');
    // prod has no SLO, hence no load test: no ConfigMap or Job rights.
    const prod = build({ ...environmentConfig(Environment.PROD), runner: ChaosRunner.ARGO }).manifest;
    expect(find(prod, 'Role', 'chaos-plan-workflow', 'litmus').rules.map((r: any) => r.resources[0])).toEqual([
      'chaosengines', 'chaosresults', 'workflowtaskresults',
    ]);
  });

  test('lets the workflow\'s pods reach the API server, past the chaos namespace\'s default-deny', () => {
    const { manifest } = build(stagingOnArgo());
    const policy = find(manifest, 'NetworkPolicy', 'allow-chaos-workflow', 'litmus');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/component': 'chaos-workflow' } });
    expect(policy.spec.policyTypes).toEqual(['Egress']);
    expect(policy.spec.egress.flatMap((e: any) => e.ports.map((p: any) => p.port))).toEqual([443, 6443]);
  });

  test('runner pulumi (the default) renders no workflow', () => {
    const { stack, manifest } = build(environmentConfig(Environment.STAGING));
    expect(stack.workflow).toBeUndefined();
    expect([...ofKind(manifest, 'WorkflowTemplate'), ...ofKind(manifest, 'Workflow')]).toEqual([]);
  });

  test('rejects an unknown runner, naming the allowed ones', () => {
    expect(() => build(stagingOnArgo({ runner: 'tekton' as ChaosRunner })))
      .toThrow("Invalid runner: 'tekton'; must be one of 'pulumi', 'argo'");
  });
});
