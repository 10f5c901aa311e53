import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { environmentConfig } from '../../stacks/environments';
import { parseArgs, runFromOutputs, runFromStack, runResults } from '../../stacks/results';
import { ChaosStack } from '../../stacks/chaos-stack';
import { ClusterUnreachableError } from '../../lib/results/collect';
import { engineDoc, FakeChaosApi, resultFor } from './fake-api';
import { fixture } from './fixtures';

const ROOT = join(__dirname, '..', '..');
const readRepo = (path: string): string | undefined => {
  try {
    return readFileSync(join(ROOT, path), 'utf8');
  } catch {
    return undefined;
  }
};

/** A cluster where every prod engine of run r1 completed, with the given result fixture per experiment. */
function prodCluster(shapes: Record<string, string>): FakeChaosApi {
  const api = new FakeChaosApi();
  const stack = new ChaosStack(new App(), 'prod', { config: { ...environmentConfig('prod'), runId: 'r1' } });
  for (const e of stack.engines) {
    api.engine(e.namespace, e.name, engineDoc(e.namespace, e.name, `uid-${e.name}`, 'completed', { experiment: e.fault.name }));
    api.result(e.namespace, e.resultName, resultFor(fixture(shapes[e.fault.name] ?? 'pass'), e.name, e.fault.name, `uid-${e.name}`));
  }
  return api;
}

function io(api: FakeChaosApi) {
  // A fake clock that each sleep advances, so a wait times out at once.
  let clock = 0;
  const out: string[] = [];
  const errors: string[] = [];
  const written = new Map<string, string>();
  const targets: unknown[] = [];
  return {
    out, errors, written, targets,
    io: {
      readText: readRepo,
      writeText: (path: string, text: string) => { written.set(path, text); },
      out: (line: string) => { out.push(line); },
      err: (line: string) => { errors.push(line); },
      chaosApi: (t: unknown) => { targets.push(t); return Promise.resolve(api); },
      now: () => clock,
      sleep: (ms: number) => { clock += ms; return Promise.resolve(); },
    },
  };
}

describe('parseArgs', () => {
  test('reads every flag, in both --flag value and --flag=value forms', () => {
    expect(parseArgs(['--env', 'staging', '--kubeconfig=/tmp/kc', '--context', 'kind', '--run-id', 'r7', '--junit', 'out.xml', '--wait']))
      .toEqual({ env: 'staging', kubeconfig: '/tmp/kc', context: 'kind', runId: 'r7', junit: 'out.xml', wait: true });
    expect(parseArgs(['--outputs', 'out.json'])).toEqual({ outputs: 'out.json', wait: false });
  });

  test('throws with the usage when neither or both of --env and --outputs are given, or a flag is unknown', () => {
    expect(() => parseArgs([])).toThrow(/^give either --env or --outputs\nusage: npm run results/);
    expect(() => parseArgs(['--env', 'dev', '--outputs', 'o.json'])).toThrow(/^give either --env or --outputs/);
    expect(() => parseArgs(['--outputs', 'o.json', '--run-id', 'r1'])).toThrow(/^--run-id goes with --env/);
    expect(() => parseArgs(['--env', 'dev', '--verbose'])).toThrow(/^unknown argument '--verbose'/);
    expect(() => parseArgs(['--env'])).toThrow(/^--env needs a value/);
  });
});

describe('the engines to read', () => {
  test('come from the environment\'s ChaosStack object, with the run id', () => {
    const run = runFromStack('prod', 'r9');
    expect(run.environment).toBe('prod');
    expect(run.plan.steps.map((st) => [st.name, st.engines.map((t) => t.engine)])).toEqual([
      ['app-sample-pod-delete', ['app-sample-pod-delete-r9']], ['app-sample-pod-network-latency', ['app-sample-pod-network-latency-r9']],
    ]);
    expect(run.plan.minResilienceScore).toBe(100);
    expect(() => runFromStack('qa')).toThrow("Invalid environment: 'qa'; must be one of 'dev', 'staging', 'prod'.");
    expect(() => runFromStack('dev', 'R1')).toThrow(/^Invalid --run-id: 'R1'; must be a DNS-1123 label/);
  });

  test('or from a Pulumi stack\'s outputs, which list exactly the engines and steps the update deployed', () => {
    const engines = [{
      target: 'app-sample', experiment: 'pod-delete', namespace: 'litmus', engine: 'app-sample-pod-delete-r1',
      resultName: 'app-sample-pod-delete-r1-pod-delete', timeoutSeconds: 330,
    }];
    const plan = [{ name: 'app-sample-pod-delete', index: 1, weight: 7, stopOnFailure: true, status: 'Passed', reason: '', experiments: ['app-sample/pod-delete'] }];
    expect(runFromOutputs(JSON.stringify({ environment: 'staging', engines, plan, minResilienceScore: 90, results: {} }), 'out.json')).toEqual({
      environment: 'staging',
      plan: { steps: [{ name: 'app-sample-pod-delete', index: 1, weight: 7, stopOnFailure: true, group: false, engines }], minResilienceScore: 90 },
    });
    expect(() => runFromOutputs(JSON.stringify({ environment: 'dev', engines, plan: [{ ...plan[0], experiments: ['checkout/pod-delete'] }] }), 'o'))
      .toThrow(/^Invalid --outputs plan\[0\]: .*; must have name, index, weight, stopOnFailure and experiments that are among `engines`\.$/);
    expect(() => runFromOutputs(JSON.stringify({ environment: 'dev', engines }), 'o'))
      .toThrow("Invalid --outputs: 'o'; must hold the `plan` output of a chaos-stack stack (run `pulumi up` once with this version).");
    expect(() => runFromOutputs('{', 'out.json')).toThrow("Invalid --outputs: 'out.json'; must hold the JSON of `pulumi stack output --json`.");
    expect(() => runFromOutputs('{"engines":[]}', 'out.json')).toThrow(/^Invalid --outputs: 'out.json'; must hold the outputs of a chaos-stack stack/);
    expect(() => runFromOutputs(JSON.stringify({ environment: 'dev', engines: [{ engine: 'x' }] }), 'o'))
      .toThrow('Invalid --outputs engines[0]: {"engine":"x"}; must have target, experiment, namespace, engine, resultName and timeoutSeconds.');
  });
});

describe('runResults', () => {
  test('prints a table, writes JUnit and exits 0 when every experiment passed', async () => {
    const t = io(prodCluster({}));
    const code = await runResults({ env: 'prod', runId: 'r1', wait: false, junit: 'chaos.xml' }, t.io);
    expect(code).toBe(0);
    expect(t.out[0]?.split('\n')[0]).toMatch(/^STEP\s+EXPERIMENT\s+ENGINE\s+VERDICT\s+PHASE\s+PROBES\s+RUNS P\/F\/S\s+REASON$/);
    expect(t.out[0]?.split('\n')[1]).toMatch(/^1 app-sample-pod-delete\s+app-sample\/pod-delete\s+app-sample-pod-delete-r1\s+Pass\s/);
    expect(t.out[1]).toBe('Resilience score: 100 (minimum 100)');
    expect(t.out.at(-1)).toBe('All 2 experiments passed.');
    // Two experiments and their probe each, none failed, the score a property of the suite.
    expect(t.written.get('chaos.xml')).toContain('tests="4" failures="0" errors="0" skipped="0"');
    expect(t.written.get('chaos.xml')).toContain('<property name="resilienceScore" value="100"/>');
    // No kubeconfig or context given: the default kubeconfig (messages name the CLI's flags).
    expect(t.targets).toEqual([{ fields: { kubeconfig: '--kubeconfig', context: '--context' } }]);
  });

  test('exits 1 and names each failing experiment when one did not pass', async () => {
    const t = io(prodCluster({ 'pod-network-latency': 'error' }));
    const code = await runResults({ env: 'prod', runId: 'r1', wait: false, context: 'kind-e2e' }, t.io);
    expect(code).toBe(1);
    expect(t.out.at(-1)).toMatch(new RegExp("^Chaos gate \\(prod\\): step 2 'app-sample-pod-network-latency' failed; resilience score 50 \\(minimum 100\\) "
      + 'is below the minimum\\.\n {2}- app-sample/pod-network-latency \\(ChaosEngine app-sample-pod-network-latency-r1, '
      + "step 2 'app-sample-pod-network-latency'\\): Error: TARGET_SELECTION_ERROR"));
    expect(t.targets).toEqual([{ fields: { kubeconfig: '--kubeconfig', context: '--context' }, context: 'kind-e2e' }]);
  });

  test('without --wait, an engine that has not completed is reported as Running and fails, whatever its ChaosResult holds', async () => {
    const api = prodCluster({});
    // pod-delete was started again (initialized) while its ChaosResult still holds the previous Pass of the same engine.
    api.engine('litmus', 'app-sample-pod-delete-r1',
      engineDoc('litmus', 'app-sample-pod-delete-r1', 'uid-app-sample-pod-delete-r1', 'initialized', { experiment: 'pod-delete' }));
    const t = io(api);
    const code = await runResults({ env: 'prod', runId: 'r1', wait: false }, t.io);
    expect(code).toBe(1);
    expect(t.out[0]).toMatch(/pod-delete\s+app-sample-pod-delete-r1\s+Running\s/);
    // The next step's engine exists, so it is judged by what it holds, not reported as not run.
    expect(t.out.at(-1)).toBe(["Chaos gate (prod): step 1 'app-sample-pod-delete' failed; resilience score 50 (minimum 100) is below the minimum.",
      "  - app-sample/pod-delete (ChaosEngine app-sample-pod-delete-r1, step 1 'app-sample-pod-delete'): Running: ChaosEngine "
        + "litmus/app-sample-pod-delete-r1 has not finished its run (status.engineStatus 'initialized'), so it has no verdict yet"].join('\n'));
  });

  test('with --wait, an engine that times out is stopped and reported as Timeout', async () => {
    const api = prodCluster({});
    api.engine('litmus', 'app-sample-pod-delete-r1',
      engineDoc('litmus', 'app-sample-pod-delete-r1', 'uid-app-sample-pod-delete-r1', 'initialized', { experiment: 'pod-delete' }));
    const t = io(api);
    const code = await runResults({ env: 'prod', runId: 'r1', wait: true }, t.io);
    expect(code).toBe(1);
    expect(api.stops).toEqual(['litmus/app-sample-pod-delete-r1']);
    expect(t.out.at(-1)).toContain("Timeout: ChaosEngine litmus/app-sample-pod-delete-r1 did not reach status.engineStatus 'completed' or "
      + "'stopped' within 330s (last engineStatus: 'initialized'); it was stopped (spec.engineState: stop)");
  });

  test('a cluster that cannot be reached exits 2, not 1: it says nothing about the chaos run', async () => {
    const unreachable = new ClusterUnreachableError('https://10.0.0.1:6443', 'connect ECONNREFUSED 10.0.0.1:6443');
    const t = io(prodCluster({}).fail('engine', 'litmus', 'app-sample-pod-delete-r1', unreachable)
      .fail('engine', 'litmus', 'app-sample-pod-network-latency-r1', unreachable));
    const code = await runResults({ env: 'prod', runId: 'r1', wait: false }, t.io);
    expect(code).toBe(2);
    expect(t.errors).toEqual(['Chaos results (prod): 2 of 2 experiments could not be read, so this is no verdict on the chaos run: '
      + 'reading ChaosEngine litmus/app-sample-pod-delete-r1 failed (3 attempts): cannot reach https://10.0.0.1:6443: connect ECONNREFUSED 10.0.0.1:6443']);
  });

  test('a failed experiment read beside an unreachable one still exits 1: a failed run was seen', async () => {
    const unreachable = new ClusterUnreachableError('https://10.0.0.1:6443', 'no answer within 10s');
    const t = io(prodCluster({ 'pod-network-latency': 'error' }).fail('engine', 'litmus', 'app-sample-pod-delete-r1', unreachable));
    expect(await runResults({ env: 'prod', runId: 'r1', wait: false }, t.io)).toBe(1);
  });

  test('reports the steps a stopped plan never started as not run, skipped in JUnit with the reason', async () => {
    const api = prodCluster({ 'pod-delete': 'fail-probe' });
    // The plan stopped after pod-delete: pod-network-latency's engine was never created.
    api.engine('litmus', 'app-sample-pod-network-latency-r1');
    const t = io(api);
    expect(await runResults({ env: 'prod', runId: 'r1', wait: false, junit: 'chaos.xml' }, t.io)).toBe(1);
    const reason = "not run: step 1 'app-sample-pod-delete' did not pass (app-sample/pod-delete Fail) and stops the plan (stopOnFailure)";
    expect(t.out[0]?.split('\n')[2]?.split(/\s{2,}/)).toEqual([
      '2 app-sample-pod-network-latency', 'app-sample/pod-network-latency', 'app-sample-pod-network-latency-r1', 'NotRun', '-', '-', '0/0/0', reason,
    ]);
    const xml = t.written.get('chaos.xml') ?? '';
    expect(xml).toContain('tests="4" failures="2" errors="0" skipped="1"');
    expect(xml).toContain('<testcase classname="chaos-stack.prod.step-2-app-sample-pod-network-latency" name="app-sample/pod-network-latency '
      + `(app-sample-pod-network-latency-r1)">\n      <skipped message="${reason.replace(/'/g, '&apos;')}"/>`);
    expect(xml).toContain('<testcase classname="chaos-stack.prod.step-1-app-sample-pod-delete" name="app-sample/pod-delete probe frontend-access '
      + '(httpProbe, Continuous)">\n      <failure type="Failed" message="Failed: Probe failed: GET');
  });

  test('reads the engines a Pulumi update deployed from its outputs file', async () => {
    const stack = new ChaosStack(new App(), 'prod', { config: { ...environmentConfig('prod'), runId: 'r1' } });
    const first = stack.plan.steps[0];
    const outputs = JSON.stringify({
      environment: 'prod', engines: first.engines, minResilienceScore: 100,
      plan: [{ name: first.name, index: 1, weight: first.weight, stopOnFailure: true, experiments: ['app-sample/pod-delete'] }],
    });
    const t = io(prodCluster({}));
    const code = await runResults({ outputs: 'out.json', wait: false }, { ...t.io, readText: (p) => (p === 'out.json' ? outputs : undefined) });
    expect(code).toBe(0);
    expect(t.out.at(-1)).toBe('All 1 experiments passed.');
    await expect(runResults({ outputs: 'missing.json', wait: false }, { ...t.io, readText: () => undefined }))
      .rejects.toThrow("Invalid --outputs: 'missing.json'; must be an existing file (or - for stdin).");
  });
});
