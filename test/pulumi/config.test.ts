import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultName } from '../../constructs/litmus/faults';
import { Environment, environmentConfig, planExperiments } from '../../stacks/environments';
import { checkStackSettings, parseStackConfig, projectKeys } from '../../stacks/pulumi/config';

/** A kubeconfig file, as `pulumi config set kubeconfig <path>` names one. */
const KUBECONFIG = join(mkdtempSync(join(tmpdir(), 'config-')), 'kubeconfig');
writeFileSync(KUBECONFIG, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');

describe('projectKeys', () => {
  test('keeps the project\'s keys without their prefix (a bare key is the project\'s), drops other namespaces and secrets', () => {
    expect(projectKeys({
      'chaos-stack:environment': 'dev', runId: 'r1', 'kubernetes:context': 'kind', 'chaos-stack:grafanaAdminPassword': 'x', grafanaAdminPassword: 'y',
    })).toEqual({ environment: 'dev', runId: 'r1' });
  });
});

describe('parseStackConfig', () => {
  test('builds the environment config with every default', () => {
    const c = parseStackConfig({ environment: 'staging' });
    expect(c.environment.environment).toBe(Environment.STAGING);
    expect(planExperiments(c.environment).map((e) => e.fault.fault)).toEqual([
      FaultName.POD_DELETE, FaultName.CONTAINER_KILL, FaultName.POD_CPU_HOG, FaultName.POD_MEMORY_HOG, FaultName.POD_NETWORK_LATENCY,
    ]);
    expect(c.environment.runId).toBeUndefined();
    expect(c.deploy).toEqual({ crdSource: { kind: 'url' }, gateOnVerdict: true, pollIntervalSeconds: 5 });
  });

  test('gates on verdicts by default in staging and prod, not in dev', () => {
    expect(parseStackConfig({ environment: 'dev' }).deploy.gateOnVerdict).toBe(false);
    expect(parseStackConfig({ environment: 'prod' }).deploy.gateOnVerdict).toBe(true);
    expect(parseStackConfig({ environment: 'prod', gateOnVerdict: 'false' }).deploy.gateOnVerdict).toBe(false);
    expect(parseStackConfig({ environment: 'dev', gateOnVerdict: true }).deploy.gateOnVerdict).toBe(true);
  });

  test('reads values as Pulumi stores them: strings, lists as JSON', () => {
    const c = parseStackConfig({
      environment: 'dev', runId: 'r42', experiments: '["pod-delete","container-kill"]', crdSource: '/opt/crds',
      waitTimeoutSeconds: '600', pollIntervalSeconds: '1', kubeconfig: KUBECONFIG, kubeContext: 'e2e',
    });
    expect(c.environment.runId).toBe('r42');
    // The environment's own order is kept, whatever the order of the list.
    expect(planExperiments(c.environment).map((e) => e.fault.fault)).toEqual([FaultName.CONTAINER_KILL, FaultName.POD_DELETE]);
    expect(c.deploy).toEqual({
      kubeconfig: KUBECONFIG, kubeContext: 'e2e', crdSource: { kind: 'folder', path: '/opt/crds' },
      gateOnVerdict: false, waitTimeoutSeconds: 600, pollIntervalSeconds: 1,
    });
  });

  test('overrides the plan: one stopOnFailure for every step, and the minimum score', () => {
    const c = parseStackConfig({ environment: 'staging', stopOnFailure: 'false', minResilienceScore: '75.5' });
    expect(c.environment.plan.steps.map((s) => s.stopOnFailure)).toEqual([false, false, false, false]);
    expect(c.environment.plan.minResilienceScore).toBe(75.5);
    expect(parseStackConfig({ environment: 'staging' }).environment.plan).toBe(environmentConfig('staging').plan);
  });

  test('selects experiments by <target>/<fault>, dropping the steps left empty and keeping a group with what remains', () => {
    const c = parseStackConfig({ environment: 'staging', experiments: '["app-sample/pod-memory-hog","pod-delete"]' });
    expect(c.environment.plan.steps.map((s) => ('group' in s ? `${s.group}: ${s.experiments.map((e) => e.fault.fault).join(',')}` : s.experiment.fault.fault)))
      .toEqual(['pod-delete', 'resource-pressure: pod-memory-hog']);
  });

  test.each([
    [{}, "Invalid environment: undefined; must be one of 'dev', 'staging', 'prod' (required)."],
    [{ environment: 'qa' }, "Invalid environment: 'qa'; must be one of 'dev', 'staging', 'prod' (required)."],
    [{ environment: 'dev', runId: 'Run_1' }, "Invalid runId: 'Run_1'; must be a DNS-1123 label: 1 to 63 lower-case letters, digits or '-', "
      + 'starting and ending with a letter or digit.'],
    [{ environment: 'dev', runId: 7 }, 'Invalid runId: 7; must be a string (a DNS-1123 label).'],
    [{ environment: 'prod', experiments: '["pod-delete","pod-cpu-hog"]' }, "Invalid experiments[1]: 'pod-cpu-hog'; must be an experiment of this "
      + "environment's plan: 'app-sample/pod-delete', 'app-sample/pod-network-latency'."],
    [{ environment: 'prod', experiments: '["checkout/pod-delete"]' }, "Invalid experiments[0]: 'checkout/pod-delete'; must be an experiment of this "
      + "environment's plan: 'app-sample/pod-delete', 'app-sample/pod-network-latency'."],
    [{ environment: 'prod', experiments: '["pod-delete","pod-delete"]' }, "Invalid experiments[1]: 'pod-delete'; must be a non-empty list of distinct experiments of the plan, e.g. [\"pod-delete\"] or [\"app-sample/pod-delete\"]."],
    [{ environment: 'prod', experiments: '[]' }, 'Invalid experiments: []; must be a non-empty list of distinct experiments of the plan, e.g. [\"pod-delete\"] or [\"app-sample/pod-delete\"].'],
    [{ environment: 'prod', experiments: 'pod-delete' }, "Invalid experiments: 'pod-delete'; must be a non-empty list of distinct experiments of the plan, e.g. [\"pod-delete\"] or [\"app-sample/pod-delete\"]."],
    [{ environment: 'dev', stopOnFailure: 'maybe' }, "Invalid stopOnFailure: 'maybe'; must be true or false."],
    [{ environment: 'dev', minResilienceScore: '101' }, "Invalid minResilienceScore: '101'; must be a number from 0 to 100."],
    [{ environment: 'dev', minResilienceScore: 'high' }, "Invalid minResilienceScore: 'high'; must be a number from 0 to 100."],
    [{ environment: 'dev', gateOnVerdict: 'yes' }, "Invalid gateOnVerdict: 'yes'; must be true or false."],
    [{ environment: 'dev', waitTimeoutSeconds: '0' }, 'Invalid waitTimeoutSeconds: 0; must be a whole number of seconds from 1 to 86400.'],
    [{ environment: 'dev', waitTimeoutSeconds: '10m' }, "Invalid waitTimeoutSeconds: '10m'; must be a whole number of seconds from 1 to 86400."],
    [{ environment: 'dev', pollIntervalSeconds: '1.5' }, "Invalid pollIntervalSeconds: '1.5'; must be a whole number of seconds from 1 to 300."],
    [{ environment: 'dev', crdSource: '' }, "Invalid crdSource: ''; must be a non-empty string."],
    [{ environment: 'dev', kubeContext: '  ' }, "Invalid kubeContext: '  '; must be a non-empty string."],
    [{ environment: 'dev', kubeconfig: '/nonexistent/kubeconfig' }, "Invalid kubeconfig: '/nonexistent/kubeconfig'; must be the path of a "
      + 'kubeconfig file, or a kubeconfig itself (YAML or JSON with apiVersion and clusters).'],
    [{ environment: 'dev', kubeconfig: 42 }, 'Invalid kubeconfig: (a value that is not a string, not shown); must be a non-empty string.'],
    [{ environment: 'dev', gateOnVerdit: 'true' }, "Invalid chaos-stack:gateOnVerdit: 'true'; is not a config key of this project; the keys are "
      + 'environment, kubeconfig, kubeContext, experiments, stopOnFailure, minResilienceScore, crdSource, gateOnVerdict, runId, waitTimeoutSeconds, '
      + 'pollIntervalSeconds, requiresStack, grafanaAdminPassword.'],
    [{ environment: 'prod', requiresStack: 'a/b/c/d' }, "Invalid requiresStack: 'a/b/c/d'; must be a stack name: <stack>, <project>/<stack> or "
      + '<organization>/<project>/<stack>.'],
  ])('throws for %j, naming the key, the value and what is allowed', (raw, message) => {
    expect(() => parseStackConfig(raw as Record<string, unknown>)).toThrow(message);
  });
});

describe('checkStackSettings', () => {
  test('rejects provider keys that the explicit provider would silently ignore', () => {
    expect(() => checkStackSettings({ 'kubernetes:context': 'prod-admin' }, 'prod', 'prod'))
      .toThrow("Invalid kubernetes:context: 'prod-admin'; is not read: this project deploys through an explicit Kubernetes provider; "
        + 'set chaos-stack:kubeContext instead.');
    expect(() => checkStackSettings({ 'kubernetes:kubeconfig': '/k' }, 'e2e', 'dev')).toThrow(/set chaos-stack:kubeconfig instead/);
  });

  test('a stack named after an environment must deploy that environment; other stack names may deploy any', () => {
    expect(() => checkStackSettings({}, 'staging', 'prod'))
      .toThrow("Invalid environment: 'prod'; must be 'staging' in the stack 'staging' (a stack named after an environment deploys it).");
    expect(() => checkStackSettings({}, 'prod', 'prod')).not.toThrow();
    expect(() => checkStackSettings({}, 'e2e', 'dev')).not.toThrow();
  });
});
