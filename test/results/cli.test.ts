import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { environmentConfig } from '../../lib/environments';
import { cliStackConfig, parseArgs, runResults, stackFileConfig } from '../../lib/results/cli';
import { ChaosStack } from '../../stacks/chaos-stack';
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
  const stack = new ChaosStack(new App(), { ...environmentConfig('prod'), runId: 'r1' });
  for (const e of stack.engines) {
    api.engine(e.namespace, e.name, engineDoc(e.namespace, e.name, `uid-${e.name}`, 'completed'));
    api.result(e.namespace, e.resultName, resultFor(fixture(shapes[e.fault.name] ?? 'pass'), e.name, e.fault.name, `uid-${e.name}`));
  }
  return api;
}

function io(api: FakeChaosApi) {
  const out: string[] = [];
  const written = new Map<string, string>();
  const targets: unknown[] = [];
  return {
    out, written, targets,
    io: {
      readText: readRepo,
      writeText: (path: string, text: string) => { written.set(path, text); },
      out: (line: string) => { out.push(line); },
      chaosApi: (t: unknown) => { targets.push(t); return Promise.resolve(api); },
      now: () => 0,
      sleep: () => Promise.resolve(),
    },
  };
}

describe('parseArgs', () => {
  test('reads every flag, in both --flag value and --flag=value forms', () => {
    expect(parseArgs(['--env', 'staging', '--kubeconfig=/tmp/kc', '--context', 'kind', '--run-id', 'r7', '--junit', 'out.xml', '--wait']))
      .toEqual({ env: 'staging', kubeconfig: '/tmp/kc', context: 'kind', runId: 'r7', junit: 'out.xml', wait: true });
  });

  test('throws with the usage when --env is missing or a flag is unknown', () => {
    expect(() => parseArgs([])).toThrow(/^--env is required\nusage: npm run results/);
    expect(() => parseArgs(['--env', 'dev', '--verbose'])).toThrow(/^unknown argument '--verbose'/);
    expect(() => parseArgs(['--env'])).toThrow(/^--env needs a value/);
  });
});

describe('stack config of the CLI', () => {
  test('takes the run id and experiments of the environment\'s Pulumi stack file', () => {
    const raw = stackFileConfig(readRepo('Pulumi.prod.yaml') ?? '');
    expect(raw.runId).toBe('r1');
    expect(raw.experiments).toEqual(['pod-delete', 'pod-network-latency']);
    const config = cliStackConfig({ env: 'prod', wait: false }, readRepo);
    expect(config.environment.runId).toBe('r1');
    expect(config.deploy.waitTimeoutSeconds).toBe(900);
  });

  test('leaves secrets out and lets --run-id override the stack file', () => {
    const raw = stackFileConfig('config:\n  chaos-stack:environment: dev\n  chaos-stack:grafanaAdminPassword:\n    secure: AAABAJ==\n  kubernetes:context: x\n');
    expect(raw).toEqual({ environment: 'dev' });
    expect(cliStackConfig({ env: 'dev', runId: 'r9', wait: false }, readRepo).environment.runId).toBe('r9');
  });

  test('fails when --env contradicts the stack file', () => {
    expect(() => cliStackConfig({ env: 'dev', stackFile: 'Pulumi.prod.yaml', wait: false }, readRepo))
      .toThrow("Invalid --env: 'dev'; must match the environment of Pulumi.prod.yaml (\"prod\").");
  });
});

describe('runResults', () => {
  test('prints a table, writes JUnit and exits 0 when every experiment passed', async () => {
    const t = io(prodCluster({}));
    const code = await runResults({ env: 'prod', wait: false, junit: 'chaos.xml' }, t.io);
    expect(code).toBe(0);
    expect(t.out[0]?.split('\n')[0]).toMatch(/^EXPERIMENT\s+ENGINE\s+VERDICT\s+PHASE\s+PROBES\s+RUNS P\/F\/S\s+REASON$/);
    expect(t.out[0]).toContain('pod-delete           app-sample-pod-delete-r1');
    expect(t.out.at(-1)).toBe('All 2 experiments passed.');
    expect(t.written.get('chaos.xml')).toContain('tests="2" failures="0"');
    // kubeContext of Pulumi.prod.yaml
    expect(t.targets).toEqual([{ context: 'prod' }]);
  });

  test('exits 1 and names each failing experiment when one did not pass', async () => {
    const t = io(prodCluster({ 'pod-network-latency': 'error' }));
    const code = await runResults({ env: 'prod', wait: false, context: 'kind-e2e' }, t.io);
    expect(code).toBe(1);
    expect(t.out.at(-1)).toMatch(new RegExp('^Chaos gate \\(prod\\): 1 of 2 experiments did not pass:\n'
      + ' {2}- pod-network-latency \\(ChaosEngine app-sample-pod-network-latency-r1\\): Error: TARGET_SELECTION_ERROR'));
    expect(t.targets).toEqual([{ context: 'kind-e2e' }]);
  });
});
