import { App } from 'cdk8s';
import { environmentConfig } from '../../stacks/environments';
import { withAwaitPolicy } from '../../lib/pulumi/components';
import { crdSourcesUsedBy } from '../util';
import { ChaosStack } from '../../stacks/chaos-stack';
import { baseConfig, clusterFor, CRD_FOLDER, type ProgramRun, runProgram, type Shape } from './harness';

// Each test runs the whole program under mocks (a fresh module registry each time): seconds, not milliseconds.
jest.setTimeout(60_000);

const CONFIG_GROUP = 'kubernetes:yaml/v2:ConfigGroup';
const ENGINE = 'kubernetes:litmuschaos.io/v1alpha1:ChaosEngine';
const LAYER = 'chaos-stack:k8s:Layer';

/** The charts' objects of an environment, as the cdk8s entry builds them. */
function chartObjects(env: string, runId?: string): Record<string, any[]> {
  const stack = new ChaosStack(new App(), env, { config: { ...environmentConfig(env), ...(runId === undefined ? {} : { runId }) } });
  return Object.fromEntries(stack.layers.map((l) => [l.name, l.chart.toJson()]));
}

const keyOf = (o: any): string => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

describe('the resource graph', () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ config: baseConfig('staging', { runId: 'r1' }), chaosApi: clusterFor('staging', 'r1') });
  });

  test('registers one explicit Kubernetes provider and creates every Kubernetes resource through it', () => {
    const providers = run.ofType('pulumi:providers:kubernetes');
    expect(providers.map((p) => p.name)).toEqual(['k8s-staging']);
    const kube = run.resources.filter((r) => r.type === CONFIG_GROUP || r.type === ENGINE);
    expect(kube.length).toBeGreaterThan(0);
    for (const r of kube) expect(r.provider.startsWith(providers[0]?.urn ?? '-')).toBe(true);
  });

  test('deploys CRDs, namespaces, operators, the app, experiments and engines as components in that order', () => {
    const comp = (type: string, name: string) => run.find(type, name);
    const groupUrn = (name: string) => run.find(CONFIG_GROUP, name).urn;
    // Grafana's admin Secret, which the workloads layer declares, comes right before that layer.
    const secrets = run.ofType('kubernetes:core/v1:Secret').map((r) => r.urn);
    expect(secrets).toHaveLength(1);
    const upTo = (names: string[]) => [...names.slice(0, 3).map(groupUrn), ...(names.length > 3 ? secrets : []), ...names.slice(3).map(groupUrn)];
    expect(comp('chaos-stack:k8s:CrdInstall', 'crds').dependencies).toEqual([]);
    expect(comp(LAYER, 'namespaces').dependencies).toEqual([groupUrn('crds-crds')]);
    // The operator lives in the litmus namespace, so namespaces come before it.
    expect(comp(LAYER, 'operators').dependencies).toEqual(upTo(['crds-crds', 'namespaces-objs']));
    expect(comp(LAYER, 'workloads').dependencies).toEqual(upTo(['crds-crds', 'namespaces-objs', 'operators-objs']).concat(secrets));
    expect(comp(LAYER, 'experiments').dependencies).toEqual(upTo(['crds-crds', 'namespaces-objs', 'operators-objs', 'workloads-objs']));
    expect(comp('chaos-stack:k8s:ChaosEngines', 'engines').dependencies)
      .toEqual(upTo(['crds-crds', 'namespaces-objs', 'operators-objs', 'workloads-objs', 'experiments-objs']));
  });

  test('repeats the dependencies on the objects themselves, so that destroy deletes engines before the operator', () => {
    const engines = run.find('chaos-stack:k8s:ChaosEngines', 'engines');
    for (const engine of run.ofType(ENGINE)) expect(engine.dependencies).toEqual(engines.dependencies);
    expect(run.find(CONFIG_GROUP, 'operators-objs').dependencies).toEqual(run.find(LAYER, 'operators').dependencies);
    expect(engines.dependencies).toContain(run.find(CONFIG_GROUP, 'operators-objs').urn);
  });

  test('parents each ConfigGroup and engine to its component', () => {
    expect(run.find(CONFIG_GROUP, 'namespaces-objs').parent).toBe(run.find(LAYER, 'namespaces').urn);
    for (const engine of run.ofType(ENGINE)) expect(engine.parent).toBe(run.find('chaos-stack:k8s:ChaosEngines', 'engines').urn);
  });

  test('installs only the CustomResourceDefinitions the charts need (Litmus\'s at least), from the configured folder', () => {
    const objs = run.find(CONFIG_GROUP, 'crds-crds').inputs.objs as any[];
    expect(objs.every((o) => o.kind === 'CustomResourceDefinition')).toBe(true);
    const needed = crdSourcesUsedBy(Object.values(chartObjects('staging', 'r1')).flat()).flatMap((src) => src.crds);
    expect(objs.map((o) => o.metadata.name)).toEqual(needed);
    expect(needed).toEqual(expect.arrayContaining(['chaosengines.litmuschaos.io', 'chaosexperiments.litmuschaos.io', 'chaosresults.litmuschaos.io']));
    expect(CRD_FOLDER).toMatch(/fixtures\/crds$/);
  });

  test('hands every chart object to Pulumi as chart.toJson() renders it, with only the await-policy annotations added', () => {
    const charts = chartObjects('staging', 'r1');
    for (const [key, objs] of Object.entries(charts)) {
      if (key === 'engines') continue;
      expect(run.find(CONFIG_GROUP, `${key}-objs`).inputs.objs).toEqual(withAwaitPolicy(objs));
    }
    const engines = run.ofType(ENGINE);
    const byKey = (a: any, b: any) => keyOf(a).localeCompare(keyOf(b));
    expect(engines.map((e) => e.inputs).sort(byKey)).toEqual((charts.engines ?? []).filter((o) => o.kind === 'ChaosEngine').sort(byKey));
    // Other objects of the engines chart (if any) go in one ConfigGroup next to the engines.
    const others = (charts.engines ?? []).filter((o) => o.kind !== 'ChaosEngine');
    if (others.length > 0) expect(run.find(CONFIG_GROUP, 'engines-objs').inputs.objs).toEqual(withAwaitPolicy(others));
    const handed = run.resources.filter((r) => r.type === CONFIG_GROUP && r.name !== 'crds-crds').flatMap((r) => r.inputs.objs as any[])
      .concat(engines.map((e) => e.inputs)).map(keyOf).sort();
    expect(handed).toEqual(Object.values(charts).flat().map(keyOf).sort());
  });

  test('registers each ChaosEngine on its own, named after the engine, ignoring the operator\'s rewrite of spec.engineState', () => {
    const engines = run.ofType(ENGINE);
    expect(engines.map((e) => e.name).sort()).toEqual([
      'app-sample-container-kill-r1', 'app-sample-pod-cpu-hog-r1', 'app-sample-pod-delete-r1', 'app-sample-pod-memory-hog-r1',
      'app-sample-pod-network-latency-r1',
    ]);
    for (const e of engines) {
      expect(e.ignoreChanges).toEqual(['spec.engineState']);
      expect(e.inputs.spec.engineState).toBe('active');
    }
  });

  test('exports the engines and their ChaosResult names', () => {
    expect(run.outputs?.environment).toBe('staging');
    expect(run.outputs?.runId).toBe('r1');
    expect(run.outputs?.engines).toContainEqual({
      experiment: 'pod-delete', namespace: 'litmus', engine: 'app-sample-pod-delete-r1', resultName: 'app-sample-pod-delete-r1-pod-delete', timeoutSeconds: 360,
    });
  });

  test('exports each experiment\'s verdict and a summary after the engines complete', async () => {
    const results = await run.settle(run.outputs!.results);
    expect(results.value?.['pod-delete']).toMatchObject({
      outcome: 'Pass', passed: true, phase: 'Completed', probeSuccessPercentage: 100, runs: { passed: 3, failed: 1, stopped: 0 },
      probes: [{ name: 'frontend-access', verdict: 'Passed' }],
    });
    expect((await run.settle(run.outputs!.summary)).value).toEqual({ allPassed: true, total: 5, passed: 5, failing: [] });
  });
});

describe('the run id', () => {
  test('changes the engines\' names and nothing else', async () => {
    const r1 = await runProgram({ config: baseConfig('prod', { runId: 'r1' }), chaosApi: clusterFor('prod', 'r1') });
    const r2 = await runProgram({ config: baseConfig('prod', { runId: 'r2' }), chaosApi: clusterFor('prod', 'r2') });
    // Everything before the engines stage is unchanged (the engines chart may hold other per-run objects, e.g. load jobs).
    const before = (run: ProgramRun) => {
      const enginesUrn = run.find('chaos-stack:k8s:ChaosEngines', 'engines').urn;
      return run.resources.filter((r) => r.type !== ENGINE && r.parent !== enginesUrn).map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));
    };
    expect(before(r2)).toEqual(before(r1));
    expect(r1.ofType(ENGINE).map((e) => e.name).sort()).toEqual(['app-sample-pod-delete-r1', 'app-sample-pod-network-latency-r1']);
    expect(r2.ofType(ENGINE).map((e) => e.name).sort()).toEqual(['app-sample-pod-delete-r2', 'app-sample-pod-network-latency-r2']);
    const strip = (e: any) => ({ ...e, metadata: { ...e.metadata, name: 'x', labels: { ...e.metadata.labels, 'chaos-stack/run-id': 'x' } } });
    expect(r2.ofType(ENGINE).map((e) => strip(e.inputs))).toEqual(r1.ofType(ENGINE).map((e) => strip(e.inputs)));
  });

  test('an unchanged run id registers identical resources', async () => {
    const a = await runProgram({ config: baseConfig('prod', { runId: 'r1' }), chaosApi: clusterFor('prod', 'r1') });
    const b = await runProgram({ config: baseConfig('prod', { runId: 'r1' }), chaosApi: clusterFor('prod', 'r1') });
    const all = (run: ProgramRun) => run.resources.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));
    expect(all(b)).toEqual(all(a));
  });

  test('only the configured experiments get engines', async () => {
    const run = await runProgram({ config: baseConfig('staging', { runId: 'r3', experiments: '["pod-delete"]' }), chaosApi: clusterFor('staging', 'r3') });
    expect(run.ofType(ENGINE).map((e) => e.name)).toEqual(['app-sample-pod-delete-r3']);
    expect((run.find(CONFIG_GROUP, 'experiments-objs').inputs.objs as any[]).filter((o) => o.kind === 'ChaosExperiment').map((o) => o.metadata.name))
      .toEqual(['pod-delete']);
  });
});

describe('preview', () => {
  test('reads nothing, waits for nothing and leaves the verdicts unknown', async () => {
    let reads = 0;
    const run = await runProgram({
      config: baseConfig('staging', { runId: 'r1' }), preview: true, chaosApi: clusterFor('staging', 'r1', { 'pod-delete': 'error' }),
      onChaosApi: () => { reads++; },
    });
    expect(run.error).toBeUndefined();
    expect(run.ofType(ENGINE)).toHaveLength(5);
    const results = await run.settle(run.outputs!.results);
    const summary = await run.settle(run.outputs!.summary);
    expect(results.known).toBe(false);
    expect(summary.known).toBe(false);
    expect(summary.error).toBeUndefined();
    expect(reads).toBe(0);
  });
});

describe('gating on verdicts', () => {
  const cases: [Shape, string][] = [
    ['fail-probe', "pod-delete (ChaosEngine app-sample-pod-delete-r1): Fail: Completed_With_Probe_Failure: probe 'frontend-access' failed"],
    ['error', 'pod-delete (ChaosEngine app-sample-pod-delete-r1): Error: TARGET_SELECTION_ERROR: no target found'],
    ['stopped', 'pod-delete (ChaosEngine app-sample-pod-delete-r1): Stopped: ChaosEngine litmus/app-sample-pod-delete-r1 was stopped before '
      + 'its run completed'],
    ['awaited', 'pod-delete (ChaosEngine app-sample-pod-delete-r1): Awaited: the run has not finished'],
    ['no-status', 'pod-delete (ChaosEngine app-sample-pod-delete-r1): NoStatus: ChaosResult litmus/app-sample-pod-delete-r1-pod-delete has no status'],
    ['missing', 'pod-delete (ChaosEngine app-sample-pod-delete-r1): Missing: ChaosResult litmus/app-sample-pod-delete-r1-pod-delete does not exist'],
    ['stale', 'pod-delete (ChaosEngine app-sample-pod-delete-r1): Stale: ChaosResult litmus/app-sample-pod-delete-r1-pod-delete is stale'],
    ['pass-failed-probe', 'pod-delete (ChaosEngine app-sample-pod-delete-r1): Inconsistent: ChaosResult litmus/app-sample-pod-delete-r1-pod-delete '
      + "says Pass, but probe 'frontend-access' is Failed (returned 503, expected 200)"],
    ['timeout', 'pod-delete (ChaosEngine app-sample-pod-delete-r1): Timeout: ChaosEngine litmus/app-sample-pod-delete-r1 did not reach '
      + "status.engineStatus 'completed' or 'stopped' within 330s"],
  ];

  test.each(cases)('fails the update in prod when pod-delete ends %s, with one message naming it', async (shape, line) => {
    const run = await runProgram({ config: baseConfig('prod', { runId: 'r1' }), chaosApi: clusterFor('prod', 'r1', { 'pod-delete': shape }) });
    const summary = await run.settle(run.outputs!.summary);
    expect(summary.error).toBeInstanceOf(run.pulumi.RunError);
    const message = (summary.error as Error).message;
    expect(message.split('\n')[0]).toBe('Chaos gate (prod): 1 of 2 experiments did not pass:');
    expect(message.split('\n')[1]).toContain(`  - ${line}`);
    expect(message.split('\n')).toHaveLength(2);
    // The per-experiment outputs still say what happened.
    expect((await run.settle(run.outputs!.results)).value?.['pod-network-latency']?.outcome).toBe('Pass');
  });

  test('lists every failing experiment in the one message', async () => {
    const run = await runProgram({
      config: baseConfig('prod', { runId: 'r1' }), chaosApi: clusterFor('prod', 'r1', { 'pod-delete': 'fail-probe', 'pod-network-latency': 'error' }),
    });
    const message = ((await run.settle(run.outputs!.summary)).error as Error).message;
    const lines = message.split('\n');
    expect(lines[0]).toBe('Chaos gate (prod): 2 of 2 experiments did not pass:');
    expect(lines[1]).toMatch(/^ {2}- pod-delete .*: Fail: /);
    expect(lines[2]).toMatch(/^ {2}- pod-network-latency .*: Error: /);
  });

  test('a Pass of every experiment passes the gate', async () => {
    const run = await runProgram({ config: baseConfig('prod', { runId: 'r1' }), chaosApi: clusterFor('prod', 'r1') });
    expect((await run.settle(run.outputs!.summary)).value).toEqual({ allPassed: true, total: 2, passed: 2, failing: [] });
  });

  test('with gateOnVerdict off (dev by default) a failing verdict is reported, not raised', async () => {
    const run = await runProgram({ config: baseConfig('dev', { runId: 'r1' }), chaosApi: clusterFor('dev', 'r1', { 'pod-delete': 'fail-probe' }) });
    const summary = await run.settle(run.outputs!.summary);
    expect(summary.error).toBeUndefined();
    expect(summary.value?.allPassed).toBe(false);
    expect(summary.value?.failing.map((f) => [f.experiment, f.outcome])).toEqual([['pod-delete', 'Fail']]);
  });

  test('waits each engine for its expected duration plus the margin, or the configured timeout', async () => {
    const run = await runProgram({
      config: baseConfig('prod', { runId: 'r1', waitTimeoutSeconds: '42' }), chaosApi: clusterFor('prod', 'r1', { 'pod-delete': 'timeout' }),
    });
    expect(((await run.settle(run.outputs!.summary)).error as Error).message).toContain('within 42s');
  });

  test('stops an engine that timed out, so that its chaos does not outlive the deploy, and says so', async () => {
    const api = clusterFor('prod', 'r1', { 'pod-delete': 'timeout' });
    const run = await runProgram({ config: baseConfig('prod', { runId: 'r1' }), chaosApi: api });
    const message = ((await run.settle(run.outputs!.summary)).error as Error).message;
    expect(message).toContain("within 330s (last engineStatus: 'initialized'); it was stopped (spec.engineState: stop) so that its chaos "
      + 'does not outlive the wait');
    expect(api.stops).toEqual(['litmus/app-sample-pod-delete-r1']);
  });
});

describe('bad config', () => {
  test('fails before any resource is registered, naming the key, the value and what is allowed', async () => {
    const run = await runProgram({ config: baseConfig('qa') });
    expect((run.error as Error).message).toBe("Invalid environment: 'qa'; must be one of 'dev', 'staging', 'prod' (required).");
    expect(run.resources).toEqual([]);
  });

  test('a missing CRD folder fails before any resource is registered', async () => {
    const run = await runProgram({ config: baseConfig('dev', { crdSource: '/nonexistent/crds' }) });
    expect((run.error as Error).message).toBe("Invalid crdSource: '/nonexistent/crds'; must be 'url' or an existing folder holding "
      + 'the CRD files of lib/versions.ts CRD_SOURCES.');
    expect(run.resources).toEqual([]);
  });

  test('the Grafana admin password is required and read as a secret', async () => {
    const withoutPassword = baseConfig('dev');
    delete withoutPassword.grafanaAdminPassword;
    const run = await runProgram({ config: withoutPassword });
    expect((run.error as Error).message).toMatch(/Missing required configuration variable 'chaos-stack:grafanaAdminPassword'/);
    expect(run.resources).toEqual([]);
  });
});

describe('monitoring and its external Secret', () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ config: baseConfig('staging', { runId: 'r1' }), chaosApi: clusterFor('staging', 'r1') });
  });

  test('installs the prometheus-operator CRDs with Litmus\'s', () => {
    const names = (run.find(CONFIG_GROUP, 'crds-crds').inputs.objs as any[]).map((o) => o.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['chaosengines.litmuschaos.io', 'servicemonitors.monitoring.coreos.com', 'prometheuses.monitoring.coreos.com']));
  });

  test('creates Grafana\'s admin Secret from the stack secret after the layers before the workloads, and before them', () => {
    const secret = run.find('kubernetes:core/v1:Secret', 'monitoring-grafana-admin');
    expect(secret.inputs.metadata).toMatchObject({ name: 'grafana-admin', namespace: 'monitoring' });
    // The data reaches the engine as a secret value (Pulumi's secret signature around it), so the state encrypts it.
    expect(secret.inputs.stringData).toEqual({
      [run.pulumi.runtime.specialSigKey]: run.pulumi.runtime.specialSecretSig,
      value: { 'admin-user': 'admin', 'admin-password': 'not-a-real-password' },
    });
    expect(secret.dependencies).toEqual(['crds-crds', 'namespaces-objs', 'operators-objs'].map((n) => run.find(CONFIG_GROUP, n).urn));
    expect(run.find(LAYER, 'workloads').dependencies).toContain(secret.urn);
    expect(run.find(LAYER, 'operators').dependencies).not.toContain(secret.urn);
    // The password is nowhere in the charts handed to Pulumi.
    const handed = JSON.stringify(run.ofType(CONFIG_GROUP).map((g) => g.inputs.objs));
    expect(handed).not.toContain('not-a-real-password');
  });
});

describe('stack settings', () => {
  test('a kubernetes:context key fails before any resource is registered', async () => {
    const run = await runProgram({ config: baseConfig('dev'), extraConfig: { 'kubernetes:context': 'minikube' } });
    expect((run.error as Error).message).toMatch(/^Invalid kubernetes:context: 'minikube'; is not read/);
    expect(run.resources).toEqual([]);
  });

  test('the stack prod cannot deploy the dev environment', async () => {
    const run = await runProgram({ config: baseConfig('dev'), stack: 'prod' });
    expect((run.error as Error).message).toBe("Invalid environment: 'dev'; must be 'prod' in the stack 'prod' (a stack named after an environment deploys it).");
    expect(run.resources).toEqual([]);
  });
});

describe('an unusable cluster client', () => {
  test('makes every experiment an ApiError with the reason, which fails the gate', async () => {
    const run = await runProgram({ config: baseConfig('prod', { runId: 'r1' }) });
    const message = ((await run.settle(run.outputs!.summary)).error as Error).message;
    expect(message).toBe([
      'Chaos gate (prod): 2 of 2 experiments did not pass:',
      '  - pod-delete (ChaosEngine app-sample-pod-delete-r1): ApiError: could not build a client for the readback: the test gave no ChaosApi',
      '  - pod-network-latency (ChaosEngine app-sample-pod-network-latency-r1): ApiError: could not build a client for the readback: '
        + 'the test gave no ChaosApi',
    ].join('\n'));
  });
});

describe('credentials in the kubeconfig', () => {
  const TOKEN = 'tok-SECRET-123';
  // A kubeconfig given as contents on one line (JSON), as `pulumi config set kubeconfig "$(kubectl config view --raw -o json | jq -c)"`.
  const kubeconfig = JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'ci',
    clusters: [{ name: 'ci', cluster: { server: 'https://10.0.0.1:6443' } }],
    users: [{ name: 'ci', user: { token: TOKEN } }],
    contexts: [{ name: 'ci', context: { cluster: 'ci', user: 'ci' } }],
  });

  test.each([false, true])('reach no output, message or plain resource input (stored as a secret: %s)', async (secret) => {
    const targets: unknown[] = [];
    const run = await runProgram({
      config: baseConfig('prod', { runId: 'r1', kubeconfig }), secrets: secret ? ['kubeconfig'] : [],
      chaosApi: clusterFor('prod', 'r1', { 'pod-delete': 'timeout' }), onChaosApi: (t) => { targets.push(t); },
    });
    expect(run.error).toBeUndefined();
    const results = await run.settle(run.outputs!.results);
    const summary = await run.settle(run.outputs!.summary);
    const message = (summary.error as Error).message;
    expect(message).toMatch(/^Chaos gate \(prod\): 1 of 2 experiments did not pass:/);
    const plainOutputs = { ...run.outputs!, results: undefined, summary: undefined };
    for (const text of [message, JSON.stringify(results.value), JSON.stringify(plainOutputs)]) expect(text).not.toContain(TOKEN);
    // The provider gets the kubeconfig as a secret (the state encrypts it); no other input holds it.
    const provider = run.find('pulumi:providers:kubernetes', 'k8s-prod');
    expect(provider.inputs.kubeconfig).toEqual({ [run.pulumi.runtime.specialSigKey]: run.pulumi.runtime.specialSecretSig, value: kubeconfig });
    const others = run.resources.map((r) => (r === provider ? { ...r, inputs: { ...r.inputs, kubeconfig: '(secret)' } } : r));
    expect(JSON.stringify(others)).not.toContain(TOKEN);
    // The readback still reads the cluster with it.
    expect(targets).toEqual([{ kubeconfig }]);
  });

  test('a malformed kubeconfig fails before anything is registered, and the message does not repeat it', async () => {
    const broken = kubeconfig.slice(0, -20);
    const run = await runProgram({ config: baseConfig('prod', { runId: 'r1', kubeconfig: broken }), secrets: ['kubeconfig'] });
    expect((run.error as Error).message).toBe('Invalid kubeconfig: (a value that is neither a kubeconfig nor a path, not shown); must be the '
      + 'path of a kubeconfig file, or a kubeconfig itself (YAML or JSON with apiVersion and clusters).');
    expect(run.resources).toEqual([]);
  });

  test('kubernetes:kubeconfig is refused without repeating its value', async () => {
    const run = await runProgram({ config: baseConfig('prod'), extraConfig: { 'kubernetes:kubeconfig': kubeconfig } });
    expect((run.error as Error).message).toBe('Invalid kubernetes:kubeconfig: (a kubeconfig or its path, not shown); is not read: this project '
      + 'deploys through an explicit Kubernetes provider; set chaos-stack:kubeconfig instead.');
    expect(run.resources).toEqual([]);
  });
});
