/**
 * The wiring checks of the monitoring stack, as pure functions over synthesized objects, and the helpers that
 * collect those objects from the construct tree. Constructs register them with `node.addValidation`, so a
 * ServiceMonitor that selects nothing, or a Prometheus that skips a ServiceMonitor, fails at synth time.
 */
import { ApiObject } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { type INamespaceRef, PodSecurityLevel } from '../namespace';
import { type IServiceRef, type ServicePortRef } from '../target-app';
import { EXPORTER_METRICS, type Exporter, type IMetricsSource, isMetricsSource, metricNames, SCRAPE_METRICS } from './metrics';

/** One requirement of a Kubernetes label selector. */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

/** A Kubernetes label selector (`matchLabels` and `matchExpressions`, ANDed). */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/**
 * Whether `labels` satisfy `selector`. An empty selector (`{}`) matches everything; an absent one matches
 * `whenAbsent` (prometheus-operator reads a missing ServiceMonitor selector as "none", a missing namespace
 * selector as "own namespace only").
 */
export function matchesSelector(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>, whenAbsent: boolean): boolean {
  if (selector === undefined) return whenAbsent;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In': if (!has || !values.includes(labels[req.key] ?? '')) return false; break;
      case 'NotIn': if (has && values.includes(labels[req.key] ?? '')) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** A Service a ServiceMonitor can select: a Service reference plus the labels it carries. */
export interface IScrapeableService extends IServiceRef {
  /** The Service's labels (what a ServiceMonitor selector matches). */
  readonly labels: Readonly<Record<string, string>>;
}

const CLUSTER_SERVICE = Symbol.for('chaos-stack.monitoring.ClusterService');

export interface ClusterServiceProps {
  /** The Service's name. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: INamespaceRef;
  /** Its labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Its named ports. */
  readonly ports: readonly ServicePortRef[];
  /** Who creates it (for error messages and docs), e.g. "the API server". */
  readonly managedBy: string;
}

/**
 * A Service that exists without any object of this stack creating it: the API server's `default/kubernetes`,
 * or the kubelet Service prometheus-operator maintains (`--kubelet-service`). It synthesizes nothing; it is in
 * the construct tree so that the ServiceMonitor wiring check knows the Service is there.
 */
export class ClusterService extends Construct implements IScrapeableService {
  /** The API server's Service, `default/kubernetes` (port `https`). */
  public static apiServer(scope: Construct, id: string): ClusterService {
    return new ClusterService(scope, id, {
      name: 'kubernetes',
      namespace: KUBE_NAMESPACES.default,
      labels: { component: 'apiserver', provider: 'kubernetes' },
      ports: [{ name: 'https', port: 443 }],
      managedBy: 'the API server',
    });
  }

  public readonly [CLUSTER_SERVICE] = true;
  public readonly name: string;
  public readonly namespace: INamespaceRef;
  public readonly labels: Readonly<Record<string, string>>;
  public readonly ports: readonly ServicePortRef[];
  public readonly managedBy: string;

  public constructor(scope: Construct, id: string, props: ClusterServiceProps) {
    super(scope, id);
    this.name = props.name;
    this.namespace = props.namespace;
    this.labels = props.labels;
    this.ports = props.ports;
    this.managedBy = props.managedBy;
  }
}

/** The namespaces every cluster has. */
export const KUBE_NAMESPACES: Readonly<Record<'default' | 'kubeSystem', INamespaceRef>> = {
  default: { name: 'default', podSecurity: PodSecurityLevel.PRIVILEGED },
  kubeSystem: { name: 'kube-system', podSecurity: PodSecurityLevel.PRIVILEGED },
};

/** What the checks need to know about a Service. */
export interface ServiceInfo {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly string[];
}

/** A synthesized Kubernetes object, as far as the checks read it. */
export interface ObjectJson {
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly data?: Readonly<Record<string, string>>;
}

/** Every synthesized object of `kind` (any API group) in the tree under `root`, rendered to JSON. */
export function objectsOfKind(root: IConstruct, kind: string): ObjectJson[] {
  return root.node.findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject && c.kind === kind)
    .map((o) => o.toJson() as ObjectJson);
}

/** The Services of the tree under `root`: synthesized ones and {@link ClusterService}s. */
export function servicesOf(root: IConstruct): ServiceInfo[] {
  const synthesized: ServiceInfo[] = objectsOfKind(root, 'Service').map((s) => ({
    name: String(s.metadata?.name),
    namespace: String(s.metadata?.namespace ?? 'default'),
    labels: s.metadata?.labels ?? {},
    ports: ((s.spec?.ports ?? []) as { name?: string }[]).map((p) => p.name ?? ''),
  }));
  const external: ServiceInfo[] = root.node.findAll()
    .filter((c): c is ClusterService => c instanceof ClusterService)
    .map((s) => ({ name: s.name, namespace: s.namespace.name, labels: s.labels, ports: s.ports.map((p) => p.name) }));
  return [...synthesized, ...external];
}

/** Labels of each namespace synthesized under `root`; other namespaces get only `kubernetes.io/metadata.name`. */
export function namespaceLabels(root: IConstruct): (name: string) => Readonly<Record<string, string>> {
  const known = new Map<string, Record<string, string>>();
  for (const ns of objectsOfKind(root, 'Namespace')) {
    known.set(String(ns.metadata?.name), { ...ns.metadata?.labels });
  }
  return (name) => ({ ...known.get(name), 'kubernetes.io/metadata.name': name });
}

function where(obj: ObjectJson): string {
  return `${String(obj.kind)} ${String(obj.metadata?.namespace ?? 'default')}/${String(obj.metadata?.name)}`;
}

function show(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/**
 * Rule: a ServiceMonitor selects at least one Service in a namespace it watches, and every endpoint names a
 * port that a selected Service has.
 */
export function serviceMonitorErrors(sm: ObjectJson, services: readonly ServiceInfo[]): string[] {
  const ownNs = String(sm.metadata?.namespace ?? 'default');
  const nsSel = sm.spec?.namespaceSelector as { any?: boolean; matchNames?: string[] } | undefined;
  const watches = (ns: string): boolean => nsSel?.any === true || (nsSel?.matchNames !== undefined ? nsSel.matchNames.includes(ns) : ns === ownNs);
  const watched = nsSel?.any === true ? 'all namespaces' : `namespaces [${(nsSel?.matchNames ?? [ownNs]).join(', ')}]`;
  const selected = services.filter((s) => watches(s.namespace) && matchesSelector(sm.spec?.selector as LabelSelector, s.labels, true));
  if (selected.length === 0) {
    const near = services.filter((s) => watches(s.namespace)).map((s) => `${s.namespace}/${s.name} ${show(s.labels)}`);
    return [`${where(sm)} selects no Service: selector ${show(sm.spec?.selector)} matches no Service in ${watched}`
      + ` (Services there: ${near.length > 0 ? near.join('; ') : 'none'})`];
  }
  const errors: string[] = [];
  ((sm.spec?.endpoints ?? []) as { port?: string }[]).forEach((ep, i) => {
    if (ep.port === undefined) {
      errors.push(`${where(sm)} endpoints[${i}] names no port; give the Service port's name`);
    } else if (!selected.some((s) => s.ports.includes(ep.port ?? ''))) {
      const have = selected.map((s) => `${s.namespace}/${s.name} has [${s.ports.join(', ')}]`).join('; ');
      errors.push(`${where(sm)} endpoints[${i}] names port '${ep.port}', which no selected Service has (${have})`);
    }
  });
  return errors;
}

/**
 * Rule: a Prometheus selects every ServiceMonitor, PrometheusRule and PodMonitor given, by label and by namespace, as
 * prometheus-operator reads its selectors (missing object selector: none; missing namespace selector: the
 * Prometheus's own namespace; `{}`: all).
 */
export function prometheusSelectionErrors(
  prometheus: ObjectJson, monitors: readonly ObjectJson[], rules: readonly ObjectJson[],
  nsLabels: (name: string) => Readonly<Record<string, string>>, podMonitors: readonly ObjectJson[] = [],
): string[] {
  const ownNs = String(prometheus.metadata?.namespace ?? 'default');
  const spec = prometheus.spec ?? {};
  const check = (objs: readonly ObjectJson[], what: string, selKey: string, nsKey: string): string[] => objs.flatMap((o) => {
    const ns = String(o.metadata?.namespace ?? 'default');
    const labels = o.metadata?.labels ?? {};
    const errs: string[] = [];
    if (!matchesSelector(spec[selKey] as LabelSelector | undefined, labels, false)) {
      errs.push(`${where(prometheus)} does not select ${what} ${ns}/${String(o.metadata?.name)}: its labels ${show(labels)}`
        + ` do not match ${selKey} ${show(spec[selKey])}`);
    }
    const nsSel = spec[nsKey] as LabelSelector | undefined;
    if (nsSel === undefined ? ns !== ownNs : !matchesSelector(nsSel, nsLabels(ns), false)) {
      errs.push(`${where(prometheus)} does not watch namespace '${ns}' of ${what} ${ns}/${String(o.metadata?.name)}:`
        + ` ${nsKey} is ${nsSel === undefined ? `unset (only '${ownNs}')` : show(nsSel)}`);
    }
    return errs;
  });
  return [
    ...check(monitors, 'ServiceMonitor', 'serviceMonitorSelector', 'serviceMonitorNamespaceSelector'),
    ...check(rules, 'PrometheusRule', 'ruleSelector', 'ruleNamespaceSelector'),
    ...check(podMonitors, 'PodMonitor', 'podMonitorSelector', 'podMonitorNamespaceSelector'),
  ];
}

/** The metrics an app provides: those of its exporters (metrics sources in the tree) and of its recording rules. */
export function providedMetrics(root: IConstruct): { readonly exporters: readonly Exporter[]; readonly metrics: ReadonlySet<string> } {
  const sources = root.node.findAll().filter((c): c is IConstruct & IMetricsSource => isMetricsSource(c));
  const exporters = [...new Set(sources.flatMap((s) => s.exporters))];
  const metrics = new Set<string>([...exporters.flatMap((e) => EXPORTER_METRICS[e]), ...(exporters.length > 0 ? SCRAPE_METRICS : [])]);
  for (const rule of objectsOfKind(root, 'PrometheusRule')) {
    for (const g of (rule.spec?.groups ?? []) as { rules?: { record?: string }[] }[]) {
      for (const r of g.rules ?? []) if (r.record !== undefined) metrics.add(r.record);
    }
  }
  return { exporters, metrics };
}

/**
 * Rule: every metric an alerting or recording rule reads is provided by an exporter of the app or recorded by
 * one of its rules (an alert on a metric nothing scrapes never fires).
 */
export function ruleMetricErrors(rules: readonly ObjectJson[], provided: ReturnType<typeof providedMetrics>): string[] {
  const errors: string[] = [];
  for (const pr of rules) {
    for (const g of (pr.spec?.groups ?? []) as { name?: string; rules?: { alert?: string; record?: string; expr?: string | number }[] }[]) {
      for (const r of g.rules ?? []) {
        for (const m of metricNames(String(r.expr ?? ''))) {
          if (!provided.metrics.has(m)) {
            errors.push(`${where(pr)} rule '${r.alert ?? r.record ?? '?'}' reads metric '${m}', which no exporter or recording rule of the stack`
              + ` provides (exporters: ${provided.exporters.length > 0 ? provided.exporters.join(', ') : 'none'})`);
          }
        }
      }
    }
  }
  return errors;
}
