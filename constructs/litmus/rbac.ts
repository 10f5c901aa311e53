import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { assertDnsLabel } from '../../lib/validation';
import { type INamespaceRef } from '../namespace';
import { type FaultDefinition, type Permission, Placement } from './faults';

export interface ExperimentRbacProps {
  /** The chaos namespace, where the ServiceAccount, the engine and the experiment live. */
  readonly chaosNamespace: INamespaceRef;
  /** The namespace of the target the fault acts on. */
  readonly targetNamespace: INamespaceRef;
  /** The fault whose declared permissions are granted. */
  readonly fault: FaultDefinition;
  /** Name of the ServiceAccount; Roles and bindings are named after it. */
  readonly name: string;
}

/** An RBAC rule as rendered into a Role or ClusterRole. */
export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

/**
 * The least-privilege identity of one engine: a ServiceAccount in the chaos namespace and exactly the rules its
 * fault declares, each granted where it is used:
 * - a Role + RoleBinding in the target namespace for acting on the target (pods, their owners, exec);
 * - a Role + RoleBinding in the chaos namespace for the fault's own jobs, helper pods, events and ChaosResults;
 * - a ClusterRole + ClusterRoleBinding only when the fault needs cluster-scoped access (nodes, eviction on a node).
 * No wildcards, no shared admin account.
 */
export class ExperimentRbac extends Construct {
  public readonly name: string;
  public readonly namespace: INamespaceRef;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The rules granted per placement (empty lists are not rendered). */
  public readonly rules: Readonly<Record<Placement, readonly PolicyRule[]>>;

  public constructor(scope: Construct, id: string, props: ExperimentRbacProps) {
    super(scope, id);
    this.name = assertDnsLabel('ExperimentRbac.name', props.name);
    this.namespace = props.chaosNamespace;
    const labels = { 'app.kubernetes.io/part-of': 'chaos-stack', 'litmuschaos.io/fault': props.fault.name };
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace.name, labels },
    });
    const subjects = [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace.name }];
    this.rules = {
      [Placement.TARGET]: rulesFor(props.fault.permissions, Placement.TARGET),
      [Placement.CHAOS]: rulesFor(props.fault.permissions, Placement.CHAOS),
      [Placement.CLUSTER]: rulesFor(props.fault.permissions, Placement.CLUSTER),
    };

    const namespaced: [string, INamespaceRef, readonly PolicyRule[]][] = [
      ['Chaos', props.chaosNamespace, this.rules[Placement.CHAOS]],
      ['Target', props.targetNamespace, this.rules[Placement.TARGET]],
    ];
    for (const [suffix, ns, rules] of namespaced) {
      if (rules.length === 0) continue;
      const metadata = { name: this.name, namespace: ns.name, labels };
      new k8s.KubeRole(this, `${suffix}Role`, { metadata, rules: rules.map((r) => ({ ...r })) });
      new k8s.KubeRoleBinding(this, `${suffix}RoleBinding`, {
        metadata, subjects, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
      });
    }
    const clusterRules = this.rules[Placement.CLUSTER];
    if (clusterRules.length > 0) {
      // Cluster-scoped names must not collide across chaos namespaces.
      const name = `${this.namespace.name}-${this.name}`;
      new k8s.KubeClusterRole(this, 'ClusterRole', { metadata: { name, labels }, rules: clusterRules.map((r) => ({ ...r })) });
      new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
        metadata: { name, labels }, subjects, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      });
    }
  }
}

function rulesFor(permissions: readonly Permission[], placement: Placement): PolicyRule[] {
  return permissions
    .filter((p) => p.placement.includes(placement))
    .map((p) => ({ apiGroups: [...p.apiGroups], resources: [...p.resources], verbs: [...p.verbs] }));
}
