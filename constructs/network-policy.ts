import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { assertDnsLabel, assertIntegerInRange, assertIpOrCidr, assertLabels, ValidationError } from '../lib/validation';
import { type INamespaceRef } from './namespace';

/** A set of pods a NetworkPolicy can select and be selected by: where they run and the labels that pick them. */
export interface IPodGroup {
  /** Short name of the group (a DNS label); it names the group's policy, `allow-<name>`. */
  readonly name: string;
  /** The namespace the pods run in. */
  readonly namespace: INamespaceRef;
  /** Labels every pod of the group carries (and no other pod of the namespace carries all of). */
  readonly podLabels: Readonly<Record<string, string>>;
}

/**
 * Addresses outside the pod network a pod may send to: the API server, the nodes (kubelet, host-network exporters),
 * the internet. NetworkPolicies can only name them by CIDR; each is given with a name for messages and docs.
 */
export class AddressBlock {
  /** Every IPv4 and IPv6 address (the port restriction of the flow is then the only limit). */
  public static any(name: string): AddressBlock {
    return new AddressBlock(name, ['0.0.0.0/0', '::/0']);
  }

  /** The given CIDRs (IPv4 or IPv6). */
  public static cidrs(name: string, cidrs: readonly string[]): AddressBlock {
    if (!Array.isArray(cidrs as unknown) || cidrs.length === 0) throw new ValidationError(`${name} CIDRs`, cidrs, 'must list at least one CIDR');
    cidrs.forEach((c, i) => assertIpOrCidr(`${name} CIDRs[${i}]`, c));
    return new AddressBlock(name, cidrs.map((c) => (c.includes('/') ? c : `${c}/${c.includes(':') ? 128 : 32}`)));
  }

  private constructor(public readonly name: string, public readonly cidrs: readonly string[]) {}
}

/** A destination port of a flow: as the destination pod (or address) listens, not a Service port. */
export interface FlowPort {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** One allowed connection: who opens it, to whom, on which ports, and why (for review). */
export interface NetworkFlow {
  /** The pods that open the connection, or addresses outside the cluster (ingress from them). */
  readonly from: IPodGroup | AddressBlock;
  /** The pods or addresses the connection goes to. */
  readonly to: IPodGroup | AddressBlock;
  readonly ports: readonly FlowPort[];
  /** Why the stack needs this flow (kept in the policy's annotations). */
  readonly why: string;
}

/** The cluster-specific addresses the policies need: where the API server and the nodes are, and the cluster DNS. */
export interface ClusterNetworkProps {
  /**
   * CIDRs of the API server's endpoints, as pods reach them after the `kubernetes` Service is resolved (NetworkPolicy
   * sees the endpoint address, not the Service's).
   * @default - any address: egress to the API server is limited by port only
   */
  readonly apiServerCidrs?: readonly string[];
  /**
   * Ports the API server's endpoints listen on.
   * @default [443, 6443] (managed clusters and kubeadm)
   */
  readonly apiServerPorts?: readonly number[];
  /**
   * CIDRs of the nodes (kubelet, host-network exporters such as node-exporter).
   * @default - any address: scrapes of the nodes are limited by port only
   */
  readonly nodeCidrs?: readonly string[];
  /**
   * The cluster DNS pods.
   * @default - CoreDNS as every distribution labels it: `k8s-app=kube-dns` in `kube-system`
   */
  readonly dns?: IPodGroup;
}

/** The cluster-specific peers, resolved with their defaults. */
export class ClusterNetwork {
  public readonly apiServer: AddressBlock;
  public readonly apiServerPorts: readonly FlowPort[];
  public readonly nodes: AddressBlock;
  public readonly dns: IPodGroup;
  /** DNS over UDP and TCP. */
  public readonly dnsPorts: readonly FlowPort[] = [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }];

  public constructor(props: ClusterNetworkProps = {}) {
    this.apiServer = props.apiServerCidrs === undefined ? AddressBlock.any('the API server') : AddressBlock.cidrs('the API server', props.apiServerCidrs);
    this.apiServerPorts = (props.apiServerPorts ?? [443, 6443]).map((p, i) => ({ port: assertIntegerInRange(`apiServerPorts[${i}]`, p, 1, 65535) }));
    this.nodes = props.nodeCidrs === undefined ? AddressBlock.any('the nodes') : AddressBlock.cidrs('the nodes', props.nodeCidrs);
    this.dns = props.dns ?? { name: 'kube-dns', namespace: { name: 'kube-system' } as INamespaceRef, podLabels: { 'k8s-app': 'kube-dns' } };
  }

  /** Flows from `pods` to the API server. */
  public toApiServer(pods: IPodGroup, why: string): NetworkFlow {
    return { from: pods, to: this.apiServer, ports: this.apiServerPorts, why };
  }

  /** Flows from `pods` to the cluster DNS. */
  public toDns(pods: IPodGroup): NetworkFlow {
    return { from: pods, to: this.dns, ports: this.dnsPorts, why: 'resolves Service names' };
  }
}

export interface NetworkPoliciesProps {
  /** Namespaces that get a default-deny policy (ingress and egress): only the flows below are allowed in them. */
  readonly namespaces: readonly INamespaceRef[];
  /** Every connection the stack needs. */
  readonly flows: readonly NetworkFlow[];
}

const isPods = (p: IPodGroup | AddressBlock): p is IPodGroup => !(p instanceof AddressBlock);
const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';

interface GroupRules {
  readonly group: IPodGroup;
  readonly ingress: k8s.NetworkPolicyIngressRule[];
  readonly egress: k8s.NetworkPolicyEgressRule[];
  readonly why: string[];
}

/**
 * Default-deny networking for the given namespaces, then exactly the given flows. Each namespace gets a
 * `default-deny` policy (every pod, ingress and egress, no rule); each pod group of a guarded namespace that sends
 * or receives a flow gets one `allow-<group>` policy: egress rules for what it opens, ingress rules for what it
 * accepts. A flow between two guarded namespaces is allowed on both sides; peers are derived from the groups'
 * labels and namespaces, never written by hand. Pods on the host network (node-exporter) are not subject to
 * NetworkPolicies and their namespace is not guarded.
 */
export class NetworkPolicies extends Construct {
  /** The rendered policies, by namespace and name. */
  public readonly policies: readonly k8s.KubeNetworkPolicy[];

  public constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    const guarded = new Set(props.namespaces.map((n) => n.name));
    const groups = new Map<string, GroupRules>();
    const rulesOf = (g: IPodGroup): GroupRules => {
      assertDnsLabel('NetworkPolicies pod group name', g.name);
      assertLabels(`NetworkPolicies pod group '${g.name}' labels`, g.podLabels);
      if (Object.keys(g.podLabels).length === 0) {
        throw new ValidationError(`NetworkPolicies pod group '${g.name}' labels`, g.podLabels, 'must select on at least one label');
      }
      const key = `${g.namespace.name}/${g.name}`;
      const existing = groups.get(key);
      if (existing !== undefined) {
        if (JSON.stringify(existing.group.podLabels) !== JSON.stringify(g.podLabels)) {
          throw new ValidationError(`NetworkPolicies pod group '${key}'`, g.podLabels,
            `must select the same pods everywhere it is used (${JSON.stringify(existing.group.podLabels)})`);
        }
        return existing;
      }
      const created: GroupRules = { group: g, ingress: [], egress: [], why: [] };
      groups.set(key, created);
      return created;
    };
    const peers = (p: IPodGroup | AddressBlock): k8s.NetworkPolicyPeer[] => (isPods(p)
      ? [{ namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: p.namespace.name } }, podSelector: { matchLabels: { ...p.podLabels } } }]
      : p.cidrs.map((cidr) => ({ ipBlock: { cidr } })));
    const ports = (f: NetworkFlow): k8s.NetworkPolicyPort[] => {
      if (f.ports.length === 0) throw new ValidationError(`NetworkPolicies flow '${f.why}' ports`, [], 'must list at least one port');
      return f.ports.map((p) => ({ port: k8s.IntOrString.fromNumber(assertIntegerInRange('NetworkPolicies flow port', p.port, 1, 65535)),
        protocol: p.protocol ?? 'TCP' }));
    };
    for (const flow of props.flows) {
      if (!isPods(flow.from) && !isPods(flow.to)) {
        throw new ValidationError('NetworkPolicies flow', flow.why, 'must have pods at one end at least');
      }
      // The same flow may be declared by several parts (every experiment calls the API server): each rule once.
      const once = <T>(list: T[], item: T): void => {
        if (!list.some((x) => JSON.stringify(x) === JSON.stringify(item))) list.push(item);
      };
      if (isPods(flow.from) && guarded.has(flow.from.namespace.name)) {
        const r = rulesOf(flow.from);
        once(r.egress, { to: peers(flow.to), ports: ports(flow) });
        once(r.why, `to ${describePeer(flow.to)}: ${flow.why}`);
      }
      if (isPods(flow.to) && guarded.has(flow.to.namespace.name)) {
        const r = rulesOf(flow.to);
        once(r.ingress, { from: peers(flow.from), ports: ports(flow) });
        once(r.why, `from ${describePeer(flow.from)}: ${flow.why}`);
      }
    }
    const policies: k8s.KubeNetworkPolicy[] = [];
    for (const ns of props.namespaces) {
      policies.push(new k8s.KubeNetworkPolicy(this, `DefaultDeny-${ns.name}`, {
        metadata: { name: 'default-deny', namespace: ns.name, labels: { 'app.kubernetes.io/part-of': 'chaos-stack' } },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      }));
    }
    for (const [key, r] of groups) {
      const policyTypes = [...(r.ingress.length > 0 ? ['Ingress'] : []), ...(r.egress.length > 0 ? ['Egress'] : [])];
      policies.push(new k8s.KubeNetworkPolicy(this, `Allow-${key}`, {
        metadata: {
          name: `allow-${r.group.name}`,
          namespace: r.group.namespace.name,
          labels: { 'app.kubernetes.io/part-of': 'chaos-stack' },
          annotations: { 'chaos-stack/flows': r.why.join('\n') },
        },
        spec: {
          podSelector: { matchLabels: { ...r.group.podLabels } },
          policyTypes,
          ...(r.ingress.length > 0 ? { ingress: r.ingress } : {}),
          ...(r.egress.length > 0 ? { egress: r.egress } : {}),
        },
      }));
    }
    this.policies = policies;
  }
}

function describePeer(p: IPodGroup | AddressBlock): string {
  return isPods(p) ? `${p.namespace.name}/${p.name}` : p.name;
}
