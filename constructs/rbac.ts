import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/** An RBAC rule as rendered into a Role or ClusterRole. */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/** Rules granted in one place: a namespace (a Role) or, without one, the whole cluster (a ClusterRole). */
export interface ScopedRules {
  /** @default - cluster-wide */
  readonly namespace?: string;
  readonly rules: readonly PolicyRule[];
}

export interface RoleGrantsProps {
  /** The ServiceAccount the rules are bound to. */
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
  /** Name of every Role and RoleBinding. */
  readonly roleName: string;
  /** Name of the ClusterRole and its binding (cluster-scoped: it must not collide across namespaces). */
  readonly clusterRoleName: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The rules, in the order they are rendered; a scope without rules renders nothing. */
  readonly scopes: readonly ScopedRules[];
}

/**
 * Binds a ServiceAccount to exactly the given rules, each where it is used: a Role and RoleBinding per namespace,
 * a ClusterRole and ClusterRoleBinding for the cluster-wide ones. The one RBAC renderer of the constructs (Litmus
 * experiments and Chaos Toolkit runners).
 */
export class RoleGrants extends Construct {
  public constructor(scope: Construct, id: string, props: RoleGrantsProps) {
    super(scope, id);
    const subjects = [{ kind: 'ServiceAccount', name: props.serviceAccount.name, namespace: props.serviceAccount.namespace }];
    const labels = { ...props.labels };
    const render = (rules: readonly PolicyRule[]): k8s.PolicyRule[] =>
      rules.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] }));
    props.scopes.forEach((s, i) => {
      if (s.rules.length === 0) return;
      if (s.namespace === undefined) {
        const name = props.clusterRoleName;
        new k8s.KubeClusterRole(this, 'ClusterRole', { metadata: { name, labels }, rules: render(s.rules) });
        new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
          metadata: { name, labels }, subjects, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        });
      } else {
        const metadata = { name: props.roleName, namespace: s.namespace, labels };
        new k8s.KubeRole(this, `Role${i}`, { metadata, rules: render(s.rules) });
        new k8s.KubeRoleBinding(this, `RoleBinding${i}`, {
          metadata, subjects, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.roleName },
        });
      }
    });
  }
}
