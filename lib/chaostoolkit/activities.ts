/**
 * Typed builders for the Chaos Toolkit activities the bookinfo experiments use, written against the installed
 * extensions' source (chaostoolkit-kubernetes 0.39.0, module `chaosk8s`; chaostoolkit-istio 0.4.1, module
 * `chaosistio`): function names, argument names and defaults are theirs. Each builder also declares the
 * Kubernetes permissions the function's API calls need.
 *
 * Every Kubernetes activity takes its namespace explicitly: the extensions default `ns` to `default`, which is how
 * the talk's drain probe ended up checking the wrong namespace.
 */
import { Duration } from 'cdk8s';
import { assertDnsLabel, assertDnsSubdomain, assertHttpUrl, assertIntegerInRange, assertLabelSelector, durationMillis, ValidationError } from '../validation';
import { type Action, type HttpProvider, type JsonObject, type Pauses, type PermissionNeed, type Probe, type Tolerance } from './model';

const K8S_POD = 'chaosk8s.pod';
const K8S_NODE = 'chaosk8s.node.actions';
const K8S_DEPLOYMENT = 'chaosk8s.deployment.probes';
const ISTIO_FAULT = 'chaosistio.fault.actions';
const ISTIO_PROBES = 'chaosistio.fault.probes';

/** Common options of every activity. */
export interface ActivityOptions {
  /** The activity's name (unique in the experiment). */
  readonly name: string;
  /** @default - no pause */
  readonly pauseBefore?: Duration;
  /** @default - no pause */
  readonly pauseAfter?: Duration;
}

function pauses(o: ActivityOptions): { pauses?: Pauses } {
  const seconds = (field: string, d: Duration | undefined): number | undefined => {
    if (d === undefined) return undefined;
    const s = durationMillis(`${o.name}.${field}`, d, { allowZero: true }) / 1000;
    if (!Number.isInteger(s)) throw new ValidationError(`${o.name}.${field}`, d, 'must be a whole number of seconds, 0 or more');
    return s;
  };
  const before = seconds('pauseBefore', o.pauseBefore);
  const after = seconds('pauseAfter', o.pauseAfter);
  if (before === undefined && after === undefined) return {};
  return { pauses: { ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) } };
}

function name(o: ActivityOptions): string {
  if (typeof o.name !== 'string' || o.name.trim() === '') throw new ValidationError('activity name', o.name, 'must not be empty');
  return o.name;
}

function python(kind: 'action', o: ActivityOptions, module: string, func: string, args: JsonObject, permissions: PermissionNeed[]): Action;
function python(kind: 'probe', o: ActivityOptions, module: string, func: string, args: JsonObject, permissions: PermissionNeed[], tolerance: Tolerance): Probe;
function python(kind: 'action' | 'probe', o: ActivityOptions, module: string, func: string, args: JsonObject,
  permissions: PermissionNeed[], tolerance?: Tolerance): Action | Probe {
  const provider = { type: 'python' as const, module, func, arguments: args };
  if (kind === 'action') return { type: 'action', name: name(o), provider, ...pauses(o), permissions };
  return { type: 'probe', name: name(o), provider, ...(tolerance === undefined ? {} : { tolerance }), ...pauses(o), permissions };
}

const pods = (ns: string, ...verbs: string[]): PermissionNeed => ({ apiGroup: '', resource: 'pods', verbs, namespace: ns });

// ---------------------------------------------------------------------------------------------- pods (chaosk8s)

/** How many pods `terminate_pods` selects. */
export type PodQuantity = { readonly mode: 'fixed'; readonly qty: number } | { readonly mode: 'percentage'; readonly qty: number };

export interface TerminatePodsOptions extends ActivityOptions {
  readonly ns: string;
  /** Label selector of the candidate pods. */
  readonly labelSelector: string;
  /** Regular expression the pod names must match as well. @default - every pod the selector finds */
  readonly namePattern?: string;
  /** Fixed count or percentage (rounded up). */
  readonly quantity: PodQuantity;
  /** Pick at random rather than in name order. @default true */
  readonly rand?: boolean;
  /** @default - the pods' own grace period */
  readonly gracePeriod?: Duration;
}

/** `chaosk8s.pod.actions.terminate_pods`: deletes the selected pods (list + delete in `ns`). */
export function terminatePods(o: TerminatePodsOptions): Action {
  const ns = assertDnsLabel(`${o.name}.ns`, o.ns);
  const qty = o.quantity.mode === 'percentage'
    ? assertIntegerInRange(`${o.name}.quantity.qty`, o.quantity.qty, 1, 100, 'percent')
    : assertIntegerInRange(`${o.name}.quantity.qty`, o.quantity.qty, 1, 1000, 'pods');
  return python('action', o, `${K8S_POD}.actions`, 'terminate_pods', {
    ns,
    label_selector: assertLabelSelector(`${o.name}.labelSelector`, o.labelSelector),
    ...(o.namePattern === undefined ? {} : { name_pattern: o.namePattern }),
    rand: o.rand ?? true,
    mode: o.quantity.mode,
    qty,
    ...(o.gracePeriod === undefined ? {} : { grace_period: assertIntegerInRange(`${o.name}.gracePeriod`, durationMillis(`${o.name}.gracePeriod`, o.gracePeriod, { allowZero: true }) / 1000, 0, 3600, 'seconds') }),
  }, [pods(ns, 'list', 'delete')]);
}

export interface PodsProbeOptions extends ActivityOptions {
  readonly ns: string;
  readonly labelSelector: string;
}

/** `chaosk8s.pod.probes.pods_in_phase`: true when every selected pod is in `phase` (returns false instead of raising). */
export function podsInPhase(o: PodsProbeOptions & { readonly phase?: string }): Probe {
  const ns = assertDnsLabel(`${o.name}.ns`, o.ns);
  return python('probe', o, `${K8S_POD}.probes`, 'pods_in_phase', {
    ns, label_selector: assertLabelSelector(`${o.name}.labelSelector`, o.labelSelector), phase: o.phase ?? 'Running', raise_on_invalid_phase: false,
  }, [pods(ns, 'list')], true);
}

/** `chaosk8s.pod.probes.count_pods`: the number of selected pods (in `phase` if given); the tolerance is [min, max]. */
export function countPods(o: PodsProbeOptions & { readonly phase?: string; readonly min: number; readonly max: number }): Probe {
  const ns = assertDnsLabel(`${o.name}.ns`, o.ns);
  const min = assertIntegerInRange(`${o.name}.min`, o.min, 0, 10_000);
  const max = assertIntegerInRange(`${o.name}.max`, o.max, min, 10_000);
  return python('probe', o, `${K8S_POD}.probes`, 'count_pods', {
    ns, label_selector: assertLabelSelector(`${o.name}.labelSelector`, o.labelSelector), ...(o.phase === undefined ? {} : { phase: o.phase }),
  }, [pods(ns, 'list')], [min, max]);
}

/** `chaosk8s.pod.probes.all_pods_healthy`: no pod of `ns` is Failed or outside Running/Succeeded (false instead of raising). */
export function allPodsHealthy(o: ActivityOptions & { readonly ns: string }): Probe {
  const ns = assertDnsLabel(`${o.name}.ns`, o.ns);
  return python('probe', o, `${K8S_POD}.probes`, 'all_pods_healthy', { ns, raise_on_any_unhealthy: false }, [pods(ns, 'list')], true);
}

/** `chaosk8s.deployment.probes.deployment_available_and_healthy`: available replicas equal the desired count. */
export function deploymentAvailableAndHealthy(o: ActivityOptions & { readonly ns: string; readonly deployment: string }): Probe {
  const ns = assertDnsLabel(`${o.name}.ns`, o.ns);
  return python('probe', o, K8S_DEPLOYMENT, 'deployment_available_and_healthy', {
    ns, name: assertDnsLabel(`${o.name}.deployment`, o.deployment), raise_on_unavailable: false,
  }, [{ apiGroup: 'apps', resource: 'deployments', verbs: ['list'], namespace: ns }], true);
}

// --------------------------------------------------------------------------------------------- nodes (chaosk8s)

/**
 * Which node(s) a node action acts on: one node by name, or the nodes a label selector picks. There is no
 * "every node" choice: `uncordon_node()` without a selector uncordons the whole cluster (the talk's rollback).
 */
export type NodeSelector = { readonly nodeName: string } | { readonly labelSelector: string };

function nodeArgs(field: string, s: NodeSelector | undefined): JsonObject {
  // Node names are DNS-1123 subdomains; a selector must parse (an empty one would select every node).
  if (s !== undefined && 'nodeName' in s && s.nodeName !== '') return { name: assertDnsSubdomain(`${field}.nodeName`, s.nodeName) };
  if (s !== undefined && 'labelSelector' in s && typeof s.labelSelector === 'string' && s.labelSelector.trim() !== '') {
    return { label_selector: assertLabelSelector(`${field}.labelSelector`, s.labelSelector) };
  }
  throw new ValidationError(field, s, 'must name a node or give a non-empty label selector; without one the action selects every node');
}

const NODE_RW: PermissionNeed = { apiGroup: '', resource: 'nodes', verbs: ['get', 'list', 'patch'] };

export interface DrainNodesOptions extends ActivityOptions {
  readonly nodes: NodeSelector;
  /** Evict pods with emptyDir volumes too (bookinfo's reviews, productpage and mongodb have some). @default true */
  readonly deletePodsWithLocalStorage?: boolean;
  /** How long evicted pods may take to go. @default Duration.seconds(120) */
  readonly timeout?: Duration;
}

/**
 * `chaosk8s.node.actions.drain_nodes`: cordons the selected nodes and evicts their pods (cluster-wide: nodes
 * get/list/patch, pods list/get in every namespace, pods/eviction create). No `count`: the extension draws it
 * with replacement among the matches, and the rollback could not know which node it drew.
 */
export function drainNodes(o: DrainNodesOptions): Action {
  const timeout = o.timeout ?? Duration.seconds(120);
  return python('action', o, K8S_NODE, 'drain_nodes', {
    ...nodeArgs(`${o.name}.nodes`, o.nodes),
    delete_pods_with_local_storage: o.deletePodsWithLocalStorage ?? true,
    timeout: assertIntegerInRange(`${o.name}.timeout`, durationMillis(`${o.name}.timeout`, timeout) / 1000, 1, 3600, 'seconds'),
  }, [
    NODE_RW,
    { apiGroup: '', resource: 'pods', verbs: ['get', 'list'] },
    { apiGroup: '', resource: 'pods/eviction', verbs: ['create'] },
  ]);
}

/** `chaosk8s.node.actions.uncordon_node`: makes the selected nodes schedulable again (nodes get/list/patch). */
export function uncordonNode(o: ActivityOptions & { readonly nodes: NodeSelector }): Action {
  return python('action', o, K8S_NODE, 'uncordon_node', nodeArgs(`${o.name}.nodes`, o.nodes), [NODE_RW]);
}

// ---------------------------------------------------------------------------------------------- Istio (chaosistio)

/** A VirtualService route destination the fault is set on. */
export interface RouteDestination {
  readonly host: string;
  readonly subset?: string;
}

export interface VirtualServiceTarget extends ActivityOptions {
  readonly ns: string;
  readonly virtualService: string;
  readonly routes: readonly RouteDestination[];
  /** `group/version` of the VirtualService API. @default 'networking.istio.io/v1' (the extension defaults to v1alpha3) */
  readonly apiVersion?: string;
}

function vsArgs(o: VirtualServiceTarget): { args: JsonObject; ns: string } {
  const ns = assertDnsLabel(`${o.name}.ns`, o.ns);
  if (o.routes.length === 0) throw new ValidationError(`${o.name}.routes`, [], 'must list at least one destination');
  return {
    ns,
    args: {
      ns,
      virtual_service_name: assertDnsLabel(`${o.name}.virtualService`, o.virtualService),
      routes: o.routes.map((r, i) => ({
        destination: {
          host: assertDnsSubdomain(`${o.name}.routes[${i}].host`, r.host), ...(r.subset === undefined ? {} : { subset: r.subset }),
        },
      })),
      version: o.apiVersion ?? 'networking.istio.io/v1',
    },
  };
}

const vs = (ns: string, ...verbs: string[]): PermissionNeed => ({ apiGroup: 'networking.istio.io', resource: 'virtualservices', verbs, namespace: ns });

function percentage(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 100) {
    throw new ValidationError(field, value, 'must be a percentage greater than 0 and at most 100');
  }
  return value;
}

/** Go-style duration string of a whole number of milliseconds ("5s", "1500ms"). */
function istioDuration(field: string, d: Duration): string {
  const ms = durationMillis(field, d);
  if (!Number.isInteger(ms) || ms < 1) throw new ValidationError(field, d, 'must be a whole number of milliseconds, at least 1ms');
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * `chaosistio.fault.actions.add_delay_fault`: sets `fault.delay {fixedDelay, percentage: {value}}` on every HTTP route
 * of the VirtualService that goes to one of `routes` (get + merge-patch). The extension wraps the number given as
 * `percentage` into `percentage.value` itself (Istio's current field; `percent` is deprecated).
 */
export function addDelayFault(o: VirtualServiceTarget & { readonly fixedDelay: Duration; readonly percentage: number }): Action {
  const { args, ns } = vsArgs(o);
  return python('action', o, ISTIO_FAULT, 'add_delay_fault', {
    ...args, fixed_delay: istioDuration(`${o.name}.fixedDelay`, o.fixedDelay), percentage: percentage(`${o.name}.percentage`, o.percentage),
  }, [vs(ns, 'get', 'patch')]);
}

/** `chaosistio.fault.actions.remove_delay_fault`: removes `fault` from the routes to `routes`. */
export function removeDelayFault(o: VirtualServiceTarget): Action {
  const { args, ns } = vsArgs(o);
  return python('action', o, ISTIO_FAULT, 'remove_delay_fault', args, [vs(ns, 'get', 'patch')]);
}

/** `chaosistio.fault.actions.add_abort_fault`: sets `fault.abort {httpStatus, percentage: {value}}`. */
export function addAbortFault(o: VirtualServiceTarget & { readonly httpStatus: number; readonly percentage: number }): Action {
  const { args, ns } = vsArgs(o);
  return python('action', o, ISTIO_FAULT, 'add_abort_fault', {
    ...args, http_status: assertIntegerInRange(`${o.name}.httpStatus`, o.httpStatus, 200, 599), percentage: percentage(`${o.name}.percentage`, o.percentage),
  }, [vs(ns, 'get', 'patch')]);
}

/** `chaosistio.fault.actions.remove_abort_fault`. */
export function removeAbortFault(o: VirtualServiceTarget): Action {
  const { args, ns } = vsArgs(o);
  return python('action', o, ISTIO_FAULT, 'remove_abort_fault', args, [vs(ns, 'get', 'patch')]);
}

/** `chaosistio.fault.probes.get_virtual_service`: returns `{status, body, headers}`; the tolerance checks the HTTP status. */
export function getVirtualService(
  o: ActivityOptions & { readonly ns: string; readonly virtualService: string; readonly apiVersion?: string },
): Probe {
  const ns = assertDnsLabel(`${o.name}.ns`, o.ns);
  return python('probe', o, ISTIO_PROBES, 'get_virtual_service', {
    ns, virtual_service_name: assertDnsLabel(`${o.name}.virtualService`, o.virtualService), version: o.apiVersion ?? 'networking.istio.io/v1',
  }, [vs(ns, 'get')], { type: 'jsonpath', path: '$.status', expect: 200 });
}

// --------------------------------------------------------------------------------------------------------- HTTP

export interface HttpProbeOptions extends ActivityOptions {
  /** The URL; may reference configuration as `${key}`. */
  readonly url: string;
  /** The request must complete within this time, or the probe fails. */
  readonly timeout: Duration;
  /** The HTTP status expected. @default 200 */
  readonly expectStatus?: number;
  /** @default 'GET' */
  readonly method?: HttpProvider['method'];
}

/**
 * An http(s) URL, or one that starts with a configuration reference (`${product_page_url}/productpage`, filled in by
 * Chaos Toolkit at run time): the reference stands for the scheme and host, the rest must be a path.
 */
function probeUrl(field: string, url: string): string {
  const ref = typeof url === 'string' ? /^\$\{[A-Za-z_][A-Za-z0-9_]*\}/.exec(url) : null;
  const rest = ref === null ? '' : url.slice(ref[0].length);
  if (ref !== null && (rest === '' || rest.startsWith('/') || rest.startsWith('?')) && !rest.includes('${')) return url;
  try {
    if (url.includes('${')) throw new Error('a reference elsewhere than at the start');
    return assertHttpUrl(field, url);
  } catch {
    throw new ValidationError(field, url, 'must be an absolute http:// or https:// URL, or start with a configuration reference such as '
      + "'${base_url}' followed by a path");
  }
}

/** An HTTP probe (chaostoolkit-lib's own provider); a timeout makes the probe fail. */
export function httpProbe(o: HttpProbeOptions): Probe {
  const ms = durationMillis(`${o.name}.timeout`, o.timeout);
  return {
    type: 'probe',
    name: name(o),
    provider: { type: 'http', url: probeUrl(`${o.name}.url`, o.url), method: o.method ?? 'GET', timeout: ms / 1000 },
    tolerance: assertIntegerInRange(`${o.name}.expectStatus`, o.expectStatus ?? 200, 100, 599),
    ...pauses(o),
    permissions: [],
  };
}
