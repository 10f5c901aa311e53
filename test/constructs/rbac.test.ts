import { Testing } from 'cdk8s';
import { FAULT_DEFINITIONS, FAULT_NAMES, FaultName, Placement } from '../../constructs/litmus/faults';
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

describe('ExperimentRbac', () => {
  test('puts the ServiceAccount in the chaos namespace and binds target rules in the target namespace', () => {
    const { manifest } = build(FaultName.POD_DELETE);
    expect(find(manifest, 'ServiceAccount', 'pod-delete-sa').metadata.namespace).toBe('litmus');
    const targetBinding = find(manifest, 'RoleBinding', 'pod-delete-sa', 'testing');
    expect(targetBinding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'pod-delete-sa', namespace: 'litmus' }]);
    expect(targetBinding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-delete-sa' });
    const chaosRole = find(manifest, 'Role', 'pod-delete-sa', 'litmus');
    expect(chaosRole.rules).toEqual(expect.arrayContaining([
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'list', 'get', 'delete', 'deletecollection'] },
      { apiGroups: ['litmuschaos.io'], resources: ['chaosengines', 'chaosexperiments', 'chaosresults'], verbs: ['create', 'list', 'get', 'patch', 'update', 'delete'] },
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

  test('grants nodes through a ClusterRole for node-drain', () => {
    const { manifest } = build(FaultName.NODE_DRAIN);
    const cr = find(manifest, 'ClusterRole', 'litmus-node-drain-sa');
    expect(cr.rules).toEqual(expect.arrayContaining([{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'patch'] }]));
    expect(find(manifest, 'ClusterRoleBinding', 'litmus-node-drain-sa').subjects)
      .toEqual([{ kind: 'ServiceAccount', name: 'node-drain-sa', namespace: 'litmus' }]);
    expect(ofKind(manifest, 'Role').map((r) => r.metadata.namespace)).toEqual(['litmus']);
  });

  test.each(FAULT_NAMES.map((n) => [n]))('grants %s exactly the permissions it declares, and no wildcard', (fault) => {
    const { manifest } = build(fault);
    const granted = facts([...ofKind(manifest, 'Role'), ...ofKind(manifest, 'ClusterRole')].flatMap((r) => r.rules));
    const declared = facts(FAULT_DEFINITIONS[fault].permissions.flatMap((p) => p.placement.map(() => ({
      apiGroups: [...p.apiGroups], resources: [...p.resources], verbs: [...p.verbs],
    }))));
    expect(granted).toEqual(declared);
    expect(new Set(granted)).toEqual(new Set(facts(FAULT_DEFINITIONS[fault].permissions.map((p) => ({
      apiGroups: [...p.apiGroups], resources: [...p.resources], verbs: [...p.verbs],
    })))));
    expect(granted.join(' ')).not.toContain('*');
  });

  test('exposes its rules per placement', () => {
    const { rbac } = build(FaultName.POD_AUTOSCALER);
    expect(rbac.rules[Placement.CLUSTER]).toEqual([]);
    expect(facts([...rbac.rules[Placement.TARGET]])).toContain('apps/deployments:patch');
  });
});
