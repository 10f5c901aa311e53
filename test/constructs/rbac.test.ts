import { Duration, Testing } from 'cdk8s';
import { FAULT_DEFINITIONS, FAULT_NAMES, FaultName, Placement } from '../../constructs/litmus/faults';
import { K8sProbeOperation, NumericCriteria, Probe, ProbeMode } from '../../constructs/litmus/probes';
import { ExperimentRbac } from '../../constructs/litmus/rbac';
import { find, fixture, ofKind } from '../util';

function build(fault: FaultName) {
  const { chart, chaos, testing } = fixture();
  const rbac = new ExperimentRbac(chart, 'Rbac', { name: `${fault}-sa`, chaosNamespace: chaos, targetNamespace: testing, fault: FAULT_DEFINITIONS[fault] });
  return { rbac, manifest: Testing.synth(chart) };
}

/** Flattens rules into "group/resource:verb" facts so sets can be compared. */
type Rule = { readonly apiGroups: readonly string[]; readonly resources: readonly string[]; readonly verbs: readonly string[] };
const facts = (rules: readonly Rule[]): string[] =>
  rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)))).sort();

/** Every rule of an ExperimentRbac as facts, per where it is granted. */
function granted(manifest: any[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of [...ofKind(manifest, 'Role'), ...ofKind(manifest, 'ClusterRole')]) {
    const where = r.kind === 'ClusterRole' ? 'cluster' : r.metadata.namespace;
    out[where] = [...(out[where] ?? []), ...facts(r.rules)].sort();
  }
  return out;
}

/** What every fault's account does in the chaos namespace (runner, experiment pod, result, events). */
const CHAOS_COMMON = [
  '/events:create', '/events:get', '/events:update', '/pods:get', '/pods:list', 'batch/jobs:create', 'batch/jobs:delete',
  'litmuschaos.io/chaosengines:get', 'litmuschaos.io/chaosengines:update', 'litmuschaos.io/chaosexperiments:get',
  'litmuschaos.io/chaosresults:create', 'litmuschaos.io/chaosresults:get', 'litmuschaos.io/chaosresults:update',
];
const HELPERS = ['/pods:create', '/pods:deletecollection'];
const TARGET_READ = ['/pods:get', '/pods:list', 'apps/replicasets:get'];
const sorted = (...lists: string[][]): string[] => lists.flat().sort();

describe('ExperimentRbac', () => {
  test('puts the ServiceAccount in the chaos namespace and binds target rules in the target namespace', () => {
    const { manifest } = build(FaultName.POD_DELETE);
    expect(find(manifest, 'ServiceAccount', 'pod-delete-sa').metadata.namespace).toBe('litmus');
    const targetBinding = find(manifest, 'RoleBinding', 'pod-delete-sa', 'testing');
    expect(targetBinding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'pod-delete-sa', namespace: 'litmus' }]);
    expect(targetBinding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-delete-sa' });
    const chaosRole = find(manifest, 'Role', 'pod-delete-sa', 'litmus');
    expect(chaosRole.rules).toEqual(expect.arrayContaining([
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'delete'] },
      { apiGroups: ['litmuschaos.io'], resources: ['chaosresults'], verbs: ['create', 'get', 'update'] },
    ]));
    const targetRole = find(manifest, 'Role', 'pod-delete-sa', 'testing');
    expect(facts(targetRole.rules)).not.toContain('batch/jobs:create');
    expect(facts(targetRole.rules)).toContain('/pods:delete');
  });

  test('creates no cluster-wide grant for a namespaced fault', () => {
    const { manifest } = build(FaultName.POD_DELETE);
    expect(ofKind(manifest, 'ClusterRole')).toHaveLength(0);
    expect(ofKind(manifest, 'ClusterRoleBinding')).toHaveLength(0);
  });

  test('grants node-drain what kubectl drain and uncordon call, through a ClusterRole', () => {
    const { manifest } = build(FaultName.NODE_DRAIN);
    expect(find(manifest, 'ClusterRole', 'litmus-node-drain-sa').rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
      { apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['get'] },
    ]);
    expect(find(manifest, 'ClusterRoleBinding', 'litmus-node-drain-sa').subjects)
      .toEqual([{ kind: 'ServiceAccount', name: 'node-drain-sa', namespace: 'litmus' }]);
    expect(ofKind(manifest, 'Role').map((r) => r.metadata.namespace)).toEqual(['litmus', 'testing']);
  });

  // What chaos-runner 3.18.0 and litmus-go 3.31.0 call for each fault (README "Experiment ServiceAccounts").
  test.each([
    [FaultName.POD_DELETE, { litmus: CHAOS_COMMON, testing: [...TARGET_READ, '/pods:delete'] }],
    [FaultName.CONTAINER_KILL, { litmus: [...CHAOS_COMMON, ...HELPERS], testing: TARGET_READ }],
    [FaultName.POD_CPU_HOG, { litmus: [...CHAOS_COMMON, ...HELPERS], testing: TARGET_READ }],
    [FaultName.POD_MEMORY_HOG, { litmus: [...CHAOS_COMMON, ...HELPERS], testing: TARGET_READ }],
    [FaultName.POD_NETWORK_LATENCY, { litmus: [...CHAOS_COMMON, ...HELPERS], testing: [...TARGET_READ, '/services:get'] }],
    [FaultName.POD_NETWORK_LOSS, { litmus: [...CHAOS_COMMON, ...HELPERS], testing: [...TARGET_READ, '/services:get'] }],
    [FaultName.POD_AUTOSCALER, {
      litmus: CHAOS_COMMON,
      testing: ['apps/deployments:get', 'apps/deployments:list', 'apps/deployments:update', 'apps/statefulsets:get', 'apps/statefulsets:list',
        'apps/statefulsets:update'],
    }],
    [FaultName.DISK_FILL, { litmus: [...CHAOS_COMMON, ...HELPERS], testing: [...TARGET_READ, '/pods:delete'] }],
    [FaultName.NODE_DRAIN, {
      litmus: CHAOS_COMMON, testing: ['/pods:list'],
      cluster: ['/nodes:get', '/nodes:patch', '/pods/eviction:create', '/pods:get', '/pods:list', 'apps/daemonsets:get'],
    }],
    [FaultName.NODE_CPU_HOG, { litmus: [...CHAOS_COMMON, ...HELPERS], cluster: ['/nodes:get', '/nodes:list'] }],
  ] as [FaultName, Record<string, string[]>][])('grants %s exactly what the runner and litmus-go call for it', (fault, expected) => {
    expect(granted(build(fault).manifest)).toEqual(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, sorted(v)])));
  });

  test.each(FAULT_NAMES.map((n) => [n]))('grants %s nothing litmus-go 3.31 does not call for the stack\'s engines', (fault) => {
    const all = Object.values(granted(build(fault).manifest)).flat();
    for (const unused of ['/pods/exec:create', '/pods/log:get', '/configmaps:get', '/secrets:get', 'batch/jobs:list', 'batch/jobs:deletecollection',
      'litmuschaos.io/chaosengines:patch', 'litmuschaos.io/chaosengines:create', 'litmuschaos.io/chaosengines:delete',
      'litmuschaos.io/chaosresults:delete', 'litmuschaos.io/chaosexperiments:list', '/events:patch', '/events:list', 'apps/deployments:patch',
      'apps.openshift.io/deploymentconfigs:get', 'argoproj.io/rollouts:get', 'apps/daemonsets:delete']) {
      expect(all).not.toContain(unused);
    }
  });

  test.each(FAULT_NAMES.map((n) => [n]))('grants %s exactly the permissions it declares, and no wildcard', (fault) => {
    const { manifest } = build(fault);
    const grantedFacts = facts([...ofKind(manifest, 'Role'), ...ofKind(manifest, 'ClusterRole')].flatMap((r) => r.rules));
    const declared = facts(FAULT_DEFINITIONS[fault].permissions.flatMap((p) => p.placement.map(() => ({
      apiGroups: [...p.apiGroups], resources: [...p.resources], verbs: [...p.verbs],
    }))));
    expect(grantedFacts).toEqual(declared);
    expect(grantedFacts.join(' ')).not.toContain('*');
  });

  test('exposes its rules per placement', () => {
    const { rbac } = build(FaultName.POD_AUTOSCALER);
    expect(rbac.rules[Placement.CLUSTER]).toEqual([]);
    expect(facts([...rbac.rules[Placement.TARGET]])).toContain('apps/deployments:update');
  });
});

describe('ExperimentRbac and probes', () => {
  const timing = { probeTimeout: Duration.seconds(5), interval: Duration.seconds(5) };
  function withProbes(...probes: Probe[]) {
    const { chart, chaos, testing } = fixture();
    new ExperimentRbac(chart, 'Rbac', { name: 'sa', chaosNamespace: chaos, targetNamespace: testing, fault: FAULT_DEFINITIONS[FaultName.POD_DELETE], probes });
    return granted(Testing.synth(chart));
  }

  test('grants nothing more for httpProbes, promProbes and inline cmdProbes', () => {
    const { app } = fixture();
    expect(withProbes(Probe.frontendAccess(app), Probe.prom({
      name: 'p', mode: ProbeMode.EOT, runProperties: timing, endpoint: 'http://prometheus.monitoring.svc:9090', query: 'up',
      comparator: { criteria: NumericCriteria.GTE, value: '1' },
    }), Probe.cmd({ name: 'c', mode: ProbeMode.EOT, runProperties: timing, command: 'true', comparator: { type: 'int', criteria: NumericCriteria.EQ, value: '0' } })))
      .toEqual(granted(build(FaultName.POD_DELETE).manifest));
  });

  test('grants a cmdProbe with a source image its pod in the chaos namespace', () => {
    const rules = withProbes(Probe.cmd({
      name: 'c', mode: ProbeMode.EOT, runProperties: timing, command: 'true', comparator: { type: 'int', criteria: NumericCriteria.EQ, value: '0' },
      sourceImage: 'docker.io/library/busybox:1.37.0',
    }));
    expect(rules.litmus).toEqual(sorted(CHAOS_COMMON, ['/pods:create', '/pods:delete', '/pods:get', '/pods:list', '/pods/exec:create']));
  });

  test('grants a k8sProbe its resource where it looks: the target namespace, another one, or the cluster', () => {
    const k8s = (name: string, namespace?: string) => Probe.k8s({
      name, mode: ProbeMode.EOT, runProperties: timing, group: 'apps', version: 'v1', resource: 'deployments', operation: K8sProbeOperation.PRESENT, namespace,
    });
    const rules = withProbes(k8s('in-target', 'testing'), k8s('elsewhere', 'payments'), k8s('anywhere'));
    expect(rules.testing).toEqual(sorted([...TARGET_READ, '/pods:delete', 'apps/deployments:get', 'apps/deployments:list']));
    expect(rules.payments).toEqual(['apps/deployments:get', 'apps/deployments:list']);
    expect(rules.cluster).toEqual(['apps/deployments:get', 'apps/deployments:list']);
  });
});
