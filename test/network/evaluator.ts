/**
 * A pure evaluator of Kubernetes NetworkPolicies (networking.k8s.io/v1) over synthesized objects: whether a
 * connection from one endpoint to another, on a port, is allowed. A connection needs both the source's egress and
 * the destination's ingress: a side no policy selects (for that direction) allows everything; otherwise some rule of
 * a policy selecting it must match the peer and the port.
 *
 * Endpoints are pods (namespace and labels) or addresses outside the pod network (an IP). As the API documents
 * ipBlock for cluster-external addresses, ipBlock peers match only address endpoints here, never pods. Traffic from
 * a pod's own node (kubelet probes, port-forward) is outside NetworkPolicy and not modelled.
 */
import { isIPv4 } from 'node:net';

export interface PodEndpoint {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}
export interface AddressEndpoint {
  readonly ip: string;
}
export type Endpoint = PodEndpoint | AddressEndpoint;

interface Selector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}
interface Peer {
  readonly podSelector?: Selector;
  readonly namespaceSelector?: Selector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}
interface PolicyPort {
  readonly port?: number | string;
  readonly endPort?: number;
  readonly protocol?: string;
}
interface Rule {
  readonly from?: readonly Peer[];
  readonly to?: readonly Peer[];
  readonly ports?: readonly PolicyPort[];
}
export interface NetworkPolicyJson {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: {
    readonly podSelector: Selector;
    readonly policyTypes?: readonly string[];
    readonly ingress?: readonly Rule[];
    readonly egress?: readonly Rule[];
  };
}

const isPod = (e: Endpoint): e is PodEndpoint => 'namespace' in e;

export function selects(selector: Selector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key] ?? '');
    if ((e.operator === 'In' && !inValues) || (e.operator === 'NotIn' && inValues)
      || (e.operator === 'Exists' && !has) || (e.operator === 'DoesNotExist' && has)) return false;
  }
  return true;
}

function ipToBigInt(ip: string): { v: bigint; bits: number } {
  if (isIPv4(ip)) return { v: ip.split('.').reduce((a, o) => (a << 8n) + BigInt(Number(o)), 0n), bits: 32 };
  const [head, tail] = ip.split('::');
  const parts = (s: string | undefined) => (s === undefined || s === '' ? [] : s.split(':'));
  const h = parts(head);
  const t = parts(tail);
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return { v: groups.reduce((a, g) => (a << 16n) + BigInt(parseInt(g, 16)), 0n), bits: 128 };
}

export function inCidr(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split('/');
  const a = ipToBigInt(ip);
  const b = ipToBigInt(net);
  if (a.bits !== b.bits) return false;
  const shift = BigInt(a.bits - Number(len));
  return a.v >> shift === b.v >> shift;
}

/** Labels of a namespace: only the name label every namespace carries. */
const namespaceLabels = (ns: string): Record<string, string> => ({ 'kubernetes.io/metadata.name': ns });

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock !== undefined) {
    return !isPod(other) && inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
  }
  if (!isPod(other)) return false;
  const nsOk = peer.namespaceSelector === undefined
    ? other.namespace === policyNamespace : selects(peer.namespaceSelector, namespaceLabels(other.namespace));
  return nsOk && selects(peer.podSelector, other.labels);
}

function portMatches(ports: readonly PolicyPort[] | undefined, port: number, protocol: string): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? 'TCP') === protocol
    && (p.port === undefined || (typeof p.port === 'number' && port >= p.port && port <= (p.endPort ?? p.port))));
}

function sideAllows(policies: readonly NetworkPolicyJson[], pod: PodEndpoint, direction: 'Ingress' | 'Egress', other: Endpoint, port: number,
  protocol: string): boolean {
  const applying = policies.filter((p) => p.kind === 'NetworkPolicy' && p.metadata.namespace === pod.namespace
    && selects(p.spec.podSelector, pod.labels) && (p.spec.policyTypes ?? ['Ingress']).includes(direction));
  if (applying.length === 0) return true;
  return applying.some((p) => ((direction === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []).some((r) => {
    const peers = direction === 'Ingress' ? r.from : r.to;
    return (peers === undefined || peers.length === 0 || peers.some((peer) => peerMatches(peer, p.metadata.namespace, other)))
      && portMatches(r.ports, port, protocol);
  }));
}

/** Whether `from` may open a connection to `to` on `port` under `policies`. */
export function allowed(policies: readonly NetworkPolicyJson[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  const egress = !isPod(from) || sideAllows(policies, from, 'Egress', to, port, protocol);
  const ingress = !isPod(to) || sideAllows(policies, to, 'Ingress', from, port, protocol);
  return egress && ingress;
}
