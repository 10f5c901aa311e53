import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { assertDnsLabel } from '../../lib/validation';
import { type INamespaceRef } from '../namespace';
import { type PolicyRule, RoleGrants } from '../rbac';
import { type FaultDefinition, type Permission, Placement } from './faults';
import { type Probe } from './probes';

export interface ExperimentRbacProps {
  /** The chaos namespace, where the ServiceAccount, the engine and the experiment live. */
  readonly chaosNamespace: INamespaceRef;
  /** The namespace of the target the fault acts on. */
  readonly targetNamespace: INamespaceRef;
  /** The fault whose declared permissions are granted. */
  readonly fault: FaultDefinition;
  /** Name of the ServiceAccount; Roles and bindings are named after it. */
  readonly name: string;
  /**
   * The probes of the engines that run as this account; what they call is granted too (see Probe.permissions).
   * @default - none (an httpProbe or promProbe needs nothing)
   */
  readonly probes?: readonly Probe[];
}

export { type PolicyRule };

/**
 * The least-privilege identity of one engine: a ServiceAccount in the chaos namespace and exactly the rules its
 * fault declares (what chaos-runner and litmus-go really call for it; README "Experiment ServiceAccounts") and its
 * probes need, each granted where it is used:
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
    // Probes: placed in the chaos or target namespace when they act there, in their own namespace otherwise.
    const probeRules = { [Placement.TARGET]: [] as PolicyRule[], [Placement.CHAOS]: [] as PolicyRule[], [Placement.CLUSTER]: [] as PolicyRule[] };
    const elsewhere = new Map<string, PolicyRule[]>();
    for (const access of (props.probes ?? []).flatMap((p) => p.permissions())) {
      const rule = { apiGroups: [...access.apiGroups], resources: [...access.resources], verbs: [...access.verbs] };
      const ns = access.inChaosNamespace ? props.chaosNamespace.name : access.namespace;
      if (ns === props.chaosNamespace.name) probeRules[Placement.CHAOS].push(rule);
      else if (ns === props.targetNamespace.name) probeRules[Placement.TARGET].push(rule);
      else if (ns === undefined) probeRules[Placement.CLUSTER].push(rule);
      else elsewhere.set(ns, [...(elsewhere.get(ns) ?? []), rule]);
    }
    const placed = (placement: Placement): PolicyRule[] => [...rulesFor(props.fault.permissions, placement), ...probeRules[placement]];
    this.rules = {
      [Placement.TARGET]: placed(Placement.TARGET),
      [Placement.CHAOS]: placed(Placement.CHAOS),
      [Placement.CLUSTER]: placed(Placement.CLUSTER),
    };

    new RoleGrants(this, 'Grants', {
      serviceAccount: { name: this.name, namespace: this.namespace.name },
      roleName: this.name,
      // Cluster-scoped names must not collide across chaos namespaces.
      clusterRoleName: `${this.namespace.name}-${this.name}`,
      labels,
      scopes: [
        { namespace: props.chaosNamespace.name, rules: this.rules[Placement.CHAOS] },
        { namespace: props.targetNamespace.name, rules: this.rules[Placement.TARGET] },
        { rules: this.rules[Placement.CLUSTER] },
        ...[...elsewhere].map(([namespace, rules]) => ({ namespace, rules })),
      ],
    });
  }
}

function rulesFor(permissions: readonly Permission[], placement: Placement): PolicyRule[] {
  return permissions
    .filter((p) => p.placement.includes(placement))
    .map((p) => ({ apiGroups: [...p.apiGroups], resources: [...p.resources], verbs: [...p.verbs] }));
}
