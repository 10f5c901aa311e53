import { App, Duration } from 'cdk8s';
import { baseConfig, clusterFor, CRD_FOLDER, type ProgramRun, runProgram, type Shape } from './harness';
import type * as FixtureCrds from './fixture-crds';
import type * as Version from '../../stacks/version';

// The program checks every CRD it installs against its pinned digest: pin the fixture CRDs it reads from CRD_FOLDER
// instead of the releases' (jest hoists this above the imports, so every module of this file sees the same pins).
jest.mock('../../lib/versions', () => jest.requireActual<typeof FixtureCrds>('./fixture-crds')
  .fixturePinnedVersions(jest.requireActual('../../lib/versions')));
// Every run computes the program version of the whole environment table (three stacks built and rendered), and the
// runs of this file use two tables: each table's version is computed once, keyed by the table's content.
// (stacks/version.ts itself is tested unmocked in test/stacks/version.test.ts.)
jest.mock('../../stacks/version', () => {
  const actual = jest.requireActual<typeof Version>('../../stacks/version');
  const memo = new Map<string, string>();
  return {
    ...actual,
    programVersion: (environments: Parameters<typeof actual.programVersion>[0]): string => {
      const key = JSON.stringify(environments);
      if (!memo.has(key)) memo.set(key, actual.programVersion(environments));
      return memo.get(key)!;
    },
  };
});
import { AppKind } from '../../constructs/target-app';
import { FaultName } from '../../constructs/litmus/faults';
import { ChaosRunner, type Environment, ENVIRONMENTS, environmentConfig, type EnvironmentConfig } from '../../stacks/environments';
import { programVersion } from '../../stacks/version';
import { withAwaitPolicy } from '../../lib/pulumi/components';
import { crdSourcesUsedBy } from '../util';
import { ChaosStack } from '../../stacks/chaos-stack';
import { fixture } from '../results/fixtures';

// Each test runs the whole program under mocks: about a second, not milliseconds.
jest.setTimeout(60_000);

const CONFIG_GROUP = 'kubernetes:yaml/v2:ConfigGroup';
const ENGINE = 'kubernetes:litmuschaos.io/v1alpha1:ChaosEngine';
const LAYER = 'chaos-stack:k8s:Layer';
const STEP = 'chaos-stack:k8s:ChaosEngines';
/** staging's steps, as their layers are named. */
const STAGING_STEPS = ['step-1-app-sample-pod-delete', 'step-2-app-sample-container-kill', 'step-3-resource-pressure', 'step-4-app-sample-pod-network-latency'];

/** The charts' objects of an environment, as the cdk8s entry builds them. */
const rendered = new Map<string, Record<string, any[]>>();
function chartObjects(env: string, runId?: string): Record<string, any[]> {
  const key = `${env}/${runId ?? ''}`;
  if (!rendered.has(key)) {
    const stack = new ChaosStack(new App(), env, { config: { ...environmentConfig(env), ...(runId === undefined ? {} : { runId }) } });
    rendered.set(key, Object.fromEntries(stack.layers.map((l) => [l.name, l.chart.toJson()])));
  }
  return rendered.get(key)!;
}

const keyOf = (o: any): string => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The probe success percentage the fail-probe fixture records (what Litmus wrote for a failed probe). */
const FAIL_PROBE_PERCENT = Number(fixture('fail-probe').status.experimentStatus.probeSuccessPercentage);

/**
 * Program runs that several tests only read, made once per file: staging's update where every verdict passes (with
 * the interleaved log of registrations and ChaosResult reads), and prod's.
 */
const stagingLog: string[] = [];
let stagingPassing: Promise<ProgramRun> | undefined;
const stagingRun = (): Promise<ProgramRun> => {
  stagingPassing ??= (() => {
    const api = clusterFor('staging', 'r1');
    api.log = stagingLog;
    return runProgram({ config: baseConfig('staging', { runId: 'r1' }), chaosApi: api, log: stagingLog });
  })();
  return stagingPassing;
};
let prodPassing: Promise<ProgramRun> | undefined;
const prodRun = (): Promise<ProgramRun> => {
  prodPassing ??= runProgram({ config: baseConfig('prod', { runId: 'r1' }), chaosApi: clusterFor('prod', 'r1') });
  return prodPassing;
};

describe('the resource graph', () => {
  let run: ProgramRun;
  const log = stagingLog;
  beforeAll(async () => { run = await stagingRun(); });

  test('registers one explicit Kubernetes provider and creates every Kubernetes resource through it', () => {
    const providers = run.ofType('pulumi:providers:kubernetes');
    expect(providers.map((p) => p.name)).toEqual(['k8s-staging']);
    const kube = run.resources.filter((r) => r.type === CONFIG_GROUP || r.type === ENGINE);
    expect(kube.length).toBeGreaterThan(0);
    for (const r of kube) expect(r.provider.startsWith(providers[0]?.urn ?? '-')).toBe(true);
  });

  test('deploys CRDs, namespaces, operators, the app, experiments, then each step, as components in that order', () => {
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
    const prepared = upTo(['crds-crds', 'namespaces-objs', 'operators-objs', 'workloads-objs', 'experiments-objs']);
    expect(run.ofType(STEP).map((c) => c.name)).toEqual(STAGING_STEPS);
    // Each step depends on everything before it, the earlier steps' engines and load tests included.
    let before = prepared;
    for (const name of STAGING_STEPS) {
      expect(comp(STEP, name).dependencies).toEqual(before);
      const own = run.resources.filter((r) => r.parent === comp(STEP, name).urn).map((r) => r.urn);
      before = [...before, ...own];
    }
  });

  test('registers the engines of a step only once every verdict of the step before was read', () => {
    const at = (line: string) => {
      const i = log.indexOf(line);
      if (i < 0) throw new Error(`'${line}' is not in the log:\n${log.join('\n')}`);
      return i;
    };
    const engineRegistered = (engine: string) => at(`register ${ENGINE} ${engine}`);
    const resultRead = (engine: string, fault: string) => log.lastIndexOf(`read ChaosResult litmus/${engine}-${fault}`);
    expect(resultRead('app-sample-pod-delete-r1', 'pod-delete')).toBeLessThan(engineRegistered('app-sample-container-kill-r1'));
    expect(resultRead('app-sample-container-kill-r1', 'container-kill')).toBeLessThan(engineRegistered('app-sample-pod-cpu-hog-r1'));
    // The two experiments of a group start together: both engines before either verdict is read.
    expect(engineRegistered('app-sample-pod-memory-hog-r1')).toBeLessThan(resultRead('app-sample-pod-cpu-hog-r1', 'pod-cpu-hog'));
    for (const [engine, fault] of [['app-sample-pod-cpu-hog-r1', 'pod-cpu-hog'], ['app-sample-pod-memory-hog-r1', 'pod-memory-hog']]) {
      expect(resultRead(engine, fault)).toBeLessThan(engineRegistered('app-sample-pod-network-latency-r1'));
    }
    // A step's load tests (and SLO rules) are created with it, not before.
    expect(at(`register ${CONFIG_GROUP} step-2-app-sample-container-kill-objs`)).toBeGreaterThan(resultRead('app-sample-pod-delete-r1', 'pod-delete'));
  });

  test('repeats the dependencies on the objects themselves, so that destroy deletes engines before the operator', () => {
    for (const name of STAGING_STEPS) {
      const step = run.find(STEP, name);
      for (const engine of run.ofType(ENGINE).filter((e) => e.parent === step.urn)) expect(engine.dependencies).toEqual(step.dependencies);
      expect(step.dependencies).toContain(run.find(CONFIG_GROUP, 'operators-objs').urn);
    }
    expect(run.find(CONFIG_GROUP, 'operators-objs').dependencies).toEqual(run.find(LAYER, 'operators').dependencies);
  });

  test('parents each ConfigGroup and engine to its component', () => {
    expect(run.find(CONFIG_GROUP, 'namespaces-objs').parent).toBe(run.find(LAYER, 'namespaces').urn);
    expect(run.find(ENGINE, 'app-sample-pod-cpu-hog-r1').parent).toBe(run.find(STEP, 'step-3-resource-pressure').urn);
    expect(run.find(ENGINE, 'app-sample-pod-memory-hog-r1').parent).toBe(run.find(STEP, 'step-3-resource-pressure').urn);
    expect(run.find(ENGINE, 'app-sample-pod-delete-r1').parent).toBe(run.find(STEP, 'step-1-app-sample-pod-delete').urn);
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
      if (key.startsWith('step-')) {
        // A step: its engines one by one, its other objects (load tests, SLO rules) in one ConfigGroup beside them.
        const step = run.find(STEP, key);
        const byKey = (a: any, b: any) => keyOf(a).localeCompare(keyOf(b));
        expect(run.ofType(ENGINE).filter((e) => e.parent === step.urn).map((e) => e.inputs).sort(byKey))
          .toEqual(objs.filter((o) => o.kind === 'ChaosEngine').sort(byKey));
        expect(run.find(CONFIG_GROUP, `${key}-objs`).inputs.objs).toEqual(withAwaitPolicy(objs.filter((o) => o.kind !== 'ChaosEngine')));
      } else {
        expect(run.find(CONFIG_GROUP, `${key}-objs`).inputs.objs).toEqual(withAwaitPolicy(objs));
      }
    }
    const handed = run.resources.filter((r) => r.type === CONFIG_GROUP && r.name !== 'crds-crds').flatMap((r) => r.inputs.objs as any[])
      .concat(run.ofType(ENGINE).map((e) => e.inputs)).map(keyOf).sort();
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
      target: 'app-sample', experiment: 'pod-delete', namespace: 'litmus', engine: 'app-sample-pod-delete-r1',
      resultName: 'app-sample-pod-delete-r1-pod-delete', timeoutSeconds: 360,
    });
  });

  test('exports each experiment\'s verdict, a summary, each step and the resilience score after the engines complete', async () => {
    const results = await run.settle(run.outputs!.results);
    expect(results.value?.['app-sample/pod-delete']).toMatchObject({
      target: 'app-sample', outcome: 'Pass', passed: true, phase: 'Completed', probeSuccessPercentage: 100, runs: { passed: 3, failed: 1, stopped: 0 },
      probes: [{ name: 'frontend-access', verdict: 'Passed' }],
    });
    expect((await run.settle(run.outputs!.summary)).value).toEqual({ allPassed: true, total: 5, passed: 5, failing: [] });
    const plan = (await run.settle(run.outputs!.plan)).value ?? [];
    expect(plan.map((s) => [s.index, s.name, s.weight, s.stopOnFailure, s.status, s.experiments])).toEqual([
      [1, 'app-sample-pod-delete', 10, true, 'Passed', ['app-sample/pod-delete']],
      [2, 'app-sample-container-kill', 10, true, 'Passed', ['app-sample/container-kill']],
      [3, 'resource-pressure', 5, true, 'Passed', ['app-sample/pod-cpu-hog', 'app-sample/pod-memory-hog']],
      [4, 'app-sample-pod-network-latency', 10, true, 'Passed', ['app-sample/pod-network-latency']],
    ]);
    for (const s of plan) {
      expect(Date.parse(s.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(s.startedAt ?? ''));
      expect(s.durationSeconds).toBe((Date.parse(s.finishedAt ?? '') - Date.parse(s.startedAt ?? '')) / 1000);
    }
    expect((await run.settle(run.outputs!.resilienceScore)).value).toBe(100);
    expect(run.outputs?.minResilienceScore).toBe(90);
    expect(run.errors).toEqual([]);
  });
});

describe('a plan that fails a step', () => {
  test('with stopOnFailure (staging\'s default), later steps are never registered, are exported NotRun with the reason, and score 0', async () => {
    const log: string[] = [];
    const api = clusterFor('staging', 'r1', { 'container-kill': 'fail-probe' });
    api.log = log;
    const run = await runProgram({ config: baseConfig('staging', { runId: 'r1' }), chaosApi: api, log });
    expect(run.ofType(STEP).map((c) => c.name)).toEqual(STAGING_STEPS.slice(0, 2));
    expect(run.ofType(ENGINE).map((e) => e.name)).toEqual(['app-sample-pod-delete-r1', 'app-sample-container-kill-r1']);
    // Nothing of the later steps was even read.
    expect(log.filter((l) => /hog|latency/.test(l))).toEqual([]);
    const plan = (await run.settle(run.outputs!.plan)).value ?? [];
    const reason = "not run: step 2 'app-sample-container-kill' did not pass (app-sample/container-kill Fail) and stops the plan (stopOnFailure)";
    expect(plan.map((s) => [s.name, s.status, s.reason])).toEqual([
      ['app-sample-pod-delete', 'Passed', ''],
      ['app-sample-container-kill', 'Failed', 'did not pass: app-sample/container-kill Fail'],
      ['resource-pressure', 'NotRun', reason],
      ['app-sample-pod-network-latency', 'NotRun', reason],
    ]);
    expect(plan[2]?.startedAt).toBeUndefined();
    const results = (await run.settle(run.outputs!.results)).value ?? {};
    expect(Object.entries(results).map(([k, r]) => [k, r.outcome])).toEqual([
      ['app-sample/pod-delete', 'Pass'], ['app-sample/container-kill', 'Fail'], ['app-sample/pod-cpu-hog', 'NotRun'],
      ['app-sample/pod-memory-hog', 'NotRun'], ['app-sample/pod-network-latency', 'NotRun'],
    ]);
    expect(results['app-sample/pod-cpu-hog']?.reason).toBe(reason);
    // Litmus's formula: (10 x 100 + 10 x the failed run's probe success + 5 x 0 + 5 x 0 + 10 x 0) / (10 + 10 + 5 + 5 + 10).
    const score = Math.round(((10 * 100 + 10 * FAIL_PROBE_PERCENT) / 40) * 100) / 100;
    expect((await run.settle(run.outputs!.resilienceScore)).value).toBe(score);
    // The gate fails the update with one message naming the failed step, and the outputs stay readable.
    expect(run.errors).toHaveLength(1);
    const lines = run.errors[0].split('\n');
    expect(lines[0]).toBe(`Chaos gate (staging): step 2 'app-sample-container-kill' failed and stopped the plan; 2 steps not run; resilience score ${score} `
      + '(minimum 90) is below the minimum.');
    expect(lines[1]).toMatch(
      /^ {2}- app-sample\/container-kill \(ChaosEngine app-sample-container-kill-r1, step 2 'app-sample-container-kill'\): Fail: /);
    expect(lines.slice(2).map((l) => l.split(':')[0])).toEqual([
      "  - app-sample/pod-cpu-hog (ChaosEngine app-sample-pod-cpu-hog-r1, step 3 'resource-pressure')",
      "  - app-sample/pod-memory-hog (ChaosEngine app-sample-pod-memory-hog-r1, step 3 'resource-pressure')",
      "  - app-sample/pod-network-latency (ChaosEngine app-sample-pod-network-latency-r1, step 4 'app-sample-pod-network-latency')",
    ]);
  });

  test('without stopOnFailure every step runs, and the score counts each verdict', async () => {
    const run = await runProgram({
      config: baseConfig('staging', { runId: 'r1', stopOnFailure: 'false' }), chaosApi: clusterFor('staging', 'r1', { 'container-kill': 'fail-probe' }),
    });
    expect(run.ofType(STEP).map((c) => c.name)).toEqual(STAGING_STEPS);
    expect(run.ofType(ENGINE)).toHaveLength(5);
    const plan = (await run.settle(run.outputs!.plan)).value ?? [];
    expect(plan.map((s) => s.status)).toEqual(['Passed', 'Failed', 'Passed', 'Passed']);
    const score = Math.round(((10 * 100 + 10 * FAIL_PROBE_PERCENT + 5 * 100 + 5 * 100 + 10 * 100) / 40) * 100) / 100;
    expect((await run.settle(run.outputs!.resilienceScore)).value).toBe(score);
    expect(run.errors[0]?.split('\n')[0]).toBe(`Chaos gate (staging): step 2 'app-sample-container-kill' failed; resilience score ${score} (minimum 90) is below the minimum.`);
  });

  test('a score below the minimum fails the gate even with gateOnVerdict off', async () => {
    const run = await runProgram({
      config: baseConfig('dev', { runId: 'r1', minResilienceScore: '95' }), chaosApi: clusterFor('dev', 'r1', { 'pod-delete': 'fail-probe' }),
    });
    const score = Math.round(((5 * 10 * 100 + 10 * FAIL_PROBE_PERCENT) / 60) * 100) / 100;
    expect(run.errors).toEqual([expect.stringMatching(new RegExp(`^Chaos gate \\(dev\\): step 5 'app-sample-pod-delete' failed; resilience score ${score} `
      + '\\(minimum 95\\) is below the minimum\\.'))]);
    // dev does not stop on failure: the step after pod-delete ran.
    expect(run.ofType(ENGINE).map((e) => e.name)).toContain('app-sample-pod-network-loss-r1');
  });
});

describe('targets of your own', () => {
  /** dev with a workload of the user's, `shop/checkout`, hit by the second of two steps. */
  const withShop = (name: Environment): EnvironmentConfig => {
    const base = environmentConfig(name);
    return {
      ...base,
      slo: undefined,
      blastRadius: { ...base.blastRadius, allowedNamespaces: ['testing', 'shop'] },
      targets: [{ name: 'checkout', namespace: 'shop', kind: AppKind.DEPLOYMENT, selector: { key: 'app', value: 'checkout' }, service: { name: 'checkout', port: 8080 } }],
      plan: {
        steps: [
          { experiment: { fault: { fault: FaultName.POD_DELETE, totalChaosDuration: Duration.seconds(30) } } },
          { experiment: { target: 'checkout', fault: { fault: FaultName.POD_DELETE, totalChaosDuration: Duration.seconds(30) } } },
        ],
      },
    };
  };

  test('hits the existing workload by namespace, kind and label, probes its Service, and creates none of its objects', async () => {
    const run = await runProgram({
      config: baseConfig('dev', { runId: 'r1' }), environments: withShop, chaosApi: clusterFor('dev', 'r1', {}, withShop('dev' as Environment)),
    });
    expect(run.error).toBeUndefined();
    const engine = run.find(ENGINE, 'checkout-pod-delete-r1');
    expect(engine.inputs.spec.appinfo).toEqual({ appns: 'shop', applabel: 'app=checkout', appkind: 'deployment' });
    expect(engine.inputs.spec.experiments[0].spec.probe[0]['httpProbe/inputs'].url).toBe('http://checkout.shop.svc.cluster.local:8080');
    const inShop = run.ofType(CONFIG_GROUP).flatMap((g) => g.inputs.objs as any[]).filter((o) => o.metadata.namespace === 'shop');
    // Only the experiment's least-privilege grant lives in their namespace.
    expect(inShop.map((o) => o.kind).sort()).toEqual(['Role', 'RoleBinding']);
    expect(run.ofType(CONFIG_GROUP).flatMap((g) => g.inputs.objs as any[]).filter((o) => o.kind === 'Namespace' && o.metadata.name === 'shop')).toEqual([]);
    const results = (await run.settle(run.outputs!.results)).value ?? {};
    expect(Object.keys(results)).toEqual(['app-sample/pod-delete', 'checkout/pod-delete']);
    expect(results['checkout/pod-delete']?.outcome).toBe('Pass');
  });
});

describe('the run id', () => {
  test('changes the engines\' names and nothing else', async () => {
    const r1 = await prodRun();
    const r2 = await runProgram({ config: baseConfig('prod', { runId: 'r2' }), chaosApi: clusterFor('prod', 'r2') });
    // Everything before the steps is unchanged (a step may hold other per-run objects, e.g. load jobs).
    const before = (run: ProgramRun) => {
      const steps = run.ofType(STEP).map((c) => c.urn);
      return run.resources.filter((r) => r.type !== ENGINE && !steps.includes(r.parent))
        .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));
    };
    expect(before(r2)).toEqual(before(r1));
    expect(r1.ofType(ENGINE).map((e) => e.name).sort()).toEqual(['app-sample-pod-delete-r1', 'app-sample-pod-network-latency-r1']);
    expect(r2.ofType(ENGINE).map((e) => e.name).sort()).toEqual(['app-sample-pod-delete-r2', 'app-sample-pod-network-latency-r2']);
    const strip = (e: any) => ({ ...e, metadata: { ...e.metadata, name: 'x', labels: { ...e.metadata.labels, 'chaos-stack/run-id': 'x' } } });
    expect(r2.ofType(ENGINE).map((e) => strip(e.inputs))).toEqual(r1.ofType(ENGINE).map((e) => strip(e.inputs)));
  });

  test('an unchanged run id registers identical resources', async () => {
    const a = await prodRun();
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
  test('shows every step, reads nothing, waits for nothing and leaves the verdicts unknown', async () => {
    let reads = 0;
    const run = await runProgram({
      config: baseConfig('staging', { runId: 'r1' }), preview: true, chaosApi: clusterFor('staging', 'r1', { 'pod-delete': 'error' }),
      onChaosApi: () => { reads++; },
    });
    expect(run.error).toBeUndefined();
    expect(run.ofType(ENGINE)).toHaveLength(5);
    expect(run.ofType(STEP).map((c) => c.name)).toEqual(STAGING_STEPS);
    for (const o of [run.outputs!.results, run.outputs!.summary, run.outputs!.plan, run.outputs!.resilienceScore]) {
      const settled = await run.settle(o as any);
      expect(settled.known).toBe(false);
      expect(settled.error).toBeUndefined();
    }
    expect(reads).toBe(0);
    expect(run.errors).toEqual([]);
  });
});

describe('gating on verdicts', () => {
  const cases: [Shape, string][] = [
    ['fail-probe', "app-sample/pod-delete (ChaosEngine app-sample-pod-delete-r1, step 1 'app-sample-pod-delete'): Fail: Completed_With_Probe_Failure: "
      + "probe 'frontend-access' failed"],
    ['error', 'ChaosEngine app-sample-pod-delete-r1, step 1 \'app-sample-pod-delete\'): Error: TARGET_SELECTION_ERROR: no target found'],
    ['stopped', "step 1 'app-sample-pod-delete'): Stopped: ChaosEngine litmus/app-sample-pod-delete-r1 was stopped before its run completed"],
    ['awaited', "step 1 'app-sample-pod-delete'): Awaited: the run has not finished"],
    ['no-status', "step 1 'app-sample-pod-delete'): NoStatus: ChaosResult litmus/app-sample-pod-delete-r1-pod-delete has no status"],
    ['missing', "step 1 'app-sample-pod-delete'): Missing: ChaosResult litmus/app-sample-pod-delete-r1-pod-delete does not exist"],
    ['stale', "step 1 'app-sample-pod-delete'): Stale: ChaosResult litmus/app-sample-pod-delete-r1-pod-delete is stale"],
    ['pass-failed-probe', "step 1 'app-sample-pod-delete'): Inconsistent: ChaosResult litmus/app-sample-pod-delete-r1-pod-delete "
      + "says Pass, but probe 'frontend-access' is Failed (returned 503, expected 200)"],
    ['timeout', "step 1 'app-sample-pod-delete'): Timeout: ChaosEngine litmus/app-sample-pod-delete-r1 did not reach "
      + "status.engineStatus 'completed' or 'stopped' within 330s"],
  ];

  test.each(cases)('fails the update in prod when pod-delete ends %s, with one message naming it', async (shape, line) => {
    const run = await runProgram({ config: baseConfig('prod', { runId: 'r1' }), chaosApi: clusterFor('prod', 'r1', { 'pod-delete': shape }) });
    expect(run.errors).toHaveLength(1);
    const lines = run.errors[0].split('\n');
    expect(lines[0]).toMatch(new RegExp("^Chaos gate \\(prod\\): step 1 'app-sample-pod-delete' failed and stopped the plan; 1 step not run; "
      + 'resilience score [\\d.]+ \\(minimum 100\\) is below the minimum\\.$'));
    expect(lines[1]).toContain(line);
    // prod stops on failure: pod-network-latency never ran, and says why.
    expect(lines[2]).toMatch(/^ {2}- app-sample\/pod-network-latency .*: NotRun: not run: step 1 'app-sample-pod-delete' did not pass/);
    expect(lines).toHaveLength(3);
    expect((await run.settle(run.outputs!.results)).value?.['app-sample/pod-network-latency']?.outcome).toBe('NotRun');
  });

  test('a Pass of every experiment passes the gate', async () => {
    const run = await prodRun();
    expect((await run.settle(run.outputs!.summary)).value).toEqual({ allPassed: true, total: 2, passed: 2, failing: [] });
    expect((await run.settle(run.outputs!.resilienceScore)).value).toBe(100);
    expect(run.errors).toEqual([]);
  });

  test('with gateOnVerdict off (dev by default) a failing verdict is reported, not raised', async () => {
    const run = await runProgram({ config: baseConfig('dev', { runId: 'r1' }), chaosApi: clusterFor('dev', 'r1', { 'pod-delete': 'fail-probe' }) });
    const summary = await run.settle(run.outputs!.summary);
    expect(run.errors).toEqual([]);
    expect(summary.value?.allPassed).toBe(false);
    expect(summary.value?.failing.map((f) => [f.experiment, f.outcome])).toEqual([['app-sample/pod-delete', 'Fail']]);
  });

  test('waits each engine for its expected duration plus the margin, or the configured timeout', async () => {
    const run = await runProgram({
      config: baseConfig('prod', { runId: 'r1', waitTimeoutSeconds: '42' }), chaosApi: clusterFor('prod', 'r1', { 'pod-delete': 'timeout' }),
    });
    expect(run.errors[0]).toContain('within 42s');
  });

  test('stops an engine that timed out, so that its chaos does not outlive the deploy, and says so', async () => {
    const api = clusterFor('prod', 'r1', { 'pod-delete': 'timeout' });
    const run = await runProgram({ config: baseConfig('prod', { runId: 'r1' }), chaosApi: api });
    expect(run.errors[0]).toContain("within 330s (last engineStatus: 'initialized'); it was stopped (spec.engineState: stop) so that its chaos "
      + 'does not outlive the wait');
    expect(api.stops).toEqual(['litmus/app-sample-pod-delete-r1']);
  });
});

describe('promotion', () => {
  const STAGING = 'organization/chaos-stack/staging';
  const VERSION = programVersion(ENVIRONMENTS.map((e) => environmentConfig(e)));
  const passing = {
    summary: { allPassed: true, total: 5, passed: 5, failing: [] }, resilienceScore: 100, minResilienceScore: 90, programVersion: VERSION,
  };
  const kubeResources = (run: ProgramRun) => run.resources.filter((r) => r.type.startsWith('kubernetes:') || r.type.startsWith('chaos-stack:'));

  test('every stack exports its program version: the content hash of every environment\'s manifests', async () => {
    const run = await prodRun();
    expect(run.outputs?.programVersion).toBe(VERSION);
    expect(VERSION).toMatch(/^[0-9a-f]{64}$/);
  });

  test.each<[string, Record<string, Record<string, unknown>>, string[]]>([
    ['a staging stack that did not pass', {
      [STAGING]: { ...passing, summary: { allPassed: false, failing: [{ experiment: 'app-sample/pod-delete', outcome: 'Fail' }] }, resilienceScore: 40 },
    }, [
      `${STAGING} did not pass: not every verdict of its last update is Pass: app-sample/pod-delete Fail`,
      `${STAGING} scored 40, below its minimum 90`,
    ]],
    ['a staging stack that never ran the chaos', { [STAGING]: {} }, [`${STAGING} has not run the chaos: it exports no verdicts (no summary output)`]],
    ['a staging stack that ran another program version', { [STAGING]: { ...passing, programVersion: 'f'.repeat(64) } }, [
      `${STAGING} ran program version ffffffffffff, not this one (${VERSION.slice(0, 12)}): run it again with this version first`,
    ]],
  ])('is refused against %s, naming what is missing, before any Kubernetes resource is registered', async (_what, stackOutputs, problems) => {
    const run = await runProgram({
      config: baseConfig('prod', { runId: 'r1', requiresStack: STAGING }), stack: 'prod', stackOutputs, chaosApi: clusterFor('prod', 'r1'),
    });
    expect((run.error as Error).message).toBe([
      `Promotion refused: stack 'prod' requires ${STAGING} to have passed with this program version (${VERSION.slice(0, 12)}), and nothing was deployed:`,
      ...problems.map((p) => `  - ${p}`),
    ].join('\n'));
    expect(kubeResources(run)).toEqual([]);
  });

  test('is accepted against a staging stack that passed this version: the plan deploys', async () => {
    const run = await runProgram({
      config: baseConfig('prod', { runId: 'r1', requiresStack: STAGING }), stack: 'prod', stackOutputs: { [STAGING]: passing }, chaosApi: clusterFor('prod', 'r1'),
    });
    expect(run.error).toBeUndefined();
    expect(run.ofType(ENGINE)).toHaveLength(2);
    expect(run.errors).toEqual([]);
  });

  test('a stack cannot require itself', async () => {
    const run = await runProgram({ config: baseConfig('prod', { requiresStack: 'organization/chaos-stack/prod' }), stack: 'prod' });
    expect((run.error as Error).message).toBe("Invalid requiresStack: 'organization/chaos-stack/prod'; must name another stack: 'prod' cannot require its own verdicts.");
    expect(run.resources).toEqual([]);
  });
});

describe('bad config', () => {
  test('fails before any resource is registered, naming the key, the value and what is allowed', async () => {
    const run = await runProgram({ config: baseConfig('qa') });
    expect((run.error as Error).message).toBe("Invalid environment: 'qa'; must be one of 'dev', 'staging', 'prod' (required).");
    expect(run.resources).toEqual([]);
  });

  test('an environment run by Argo Workflows is refused: its workflow starts the chaos, the program would run it twice', async () => {
    const run = await runProgram({ config: baseConfig('staging'), environments: (e) => ({ ...environmentConfig(e), runner: ChaosRunner.ARGO }) });
    expect((run.error as Error).message).toBe("Invalid runner: 'argo'; is run by Argo Workflows from dist/staging/ (kubectl apply or a GitOps "
      + "controller); this Pulumi program runs plans of runner 'pulumi' only.");
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
  beforeAll(async () => { run = await stagingRun(); });

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
  test('makes the first step an ApiError with the reason, which fails the gate, and stops the plan', async () => {
    const run = await runProgram({ config: baseConfig('prod', { runId: 'r1' }) });
    expect(run.errors[0]?.split('\n').slice(0, 2)).toEqual([
      "Chaos gate (prod): step 1 'app-sample-pod-delete' failed and stopped the plan; 1 step not run; resilience score 0 (minimum 100) is below the minimum.",
      "  - app-sample/pod-delete (ChaosEngine app-sample-pod-delete-r1, step 1 'app-sample-pod-delete'): ApiError: could not build a client for "
        + 'the readback: the test gave no ChaosApi',
    ]);
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
    const message = run.errors[0] ?? '';
    expect(message).toMatch(/^Chaos gate \(prod\): step 1 'app-sample-pod-delete' failed/);
    const plainOutputs = { ...run.outputs!, results: undefined, summary: undefined, plan: undefined, resilienceScore: undefined };
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
