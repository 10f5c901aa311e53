import { ApiObject, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  Prometheus, PrometheusSpecAlertingAlertmanagersApiVersion, ServiceMonitor, PrometheusSpecAlertingAlertmanagersPort,
  PrometheusSpecResourcesLimits, PrometheusSpecResourcesRequests, PrometheusSpecServiceDiscoveryRole,
} from '../../lib/imports/monitoring-monitoring.coreos.com';
import { assertDnsLabel, assertIntegerInRange, assertPinned, durationMillis, ValidationError } from '../../lib/validation';
import { type INamespaceRef } from '../namespace';
import { type IPodGroup } from '../network-policy';
import { type IServiceRef, type ServicePortRef } from '../target-app';
import { type IPrometheusRef, intervalSeconds, ServiceScrape } from './scrape';
import { componentLabels } from './security';
import { IMAGES, PROMETHEUS_VERSION } from '../../lib/versions';
import {
  namespaceLabels, type ObjectJson, objectsOfKind, prometheusSelectionErrors, providedMetrics, ruleMetricErrors, serviceMonitorErrors, servicesOf,
} from './wiring';
import { restrictedPod } from '../security';

/** An Alertmanager that Prometheus sends alerts to. */
export interface IAlertmanagerRef {
  /** The Service in front of the Alertmanager pods, with a port named `web`. */
  readonly service: IServiceRef;
}

/** Memory and CPU of the Prometheus container. */
export interface PrometheusResources {
  /** Requested memory, e.g. '400Mi'. */
  readonly memoryRequest: string;
  /** Memory limit, e.g. '1Gi'. */
  readonly memoryLimit: string;
  /** Requested CPU, e.g. '100m'. */
  readonly cpuRequest: string;
}

export interface PrometheusServerProps {
  /** The monitoring namespace. */
  readonly namespace: INamespaceRef;
  /**
   * Name of the Prometheus CR (its pods are `prometheus-<name>-N`, its Service `prometheus-<name>`).
   * @default 'k8s'
   */
  readonly name?: string;
  /**
   * Prometheus image, pinned; its tag must be `version`.
   * @default IMAGES.prometheus
   */
  readonly image?: string;
  /**
   * Number of Prometheus pods.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Container resources.
   * @default - 100m CPU and 400Mi memory requested, 1Gi memory limit
   */
  readonly resources?: PrometheusResources;
  /**
   * How long samples are kept.
   * @default Duration.days(7)
   */
  readonly retention?: Duration;
  /**
   * Default scrape interval.
   * @default Duration.seconds(30)
   */
  readonly scrapeInterval?: Duration;
  /**
   * Rule evaluation interval.
   * @default Duration.seconds(30)
   */
  readonly evaluationInterval?: Duration;
  /**
   * Namespaces whose ServiceMonitors and PrometheusRules Prometheus picks up (ServiceMonitors may scrape
   * Services elsewhere).
   * @default - the monitoring namespace only
   */
  readonly watchNamespaces?: readonly INamespaceRef[];
  /**
   * The Alertmanager alerts go to.
   * @default - no alerting (rules are still evaluated)
   */
  readonly alertmanager?: IAlertmanagerRef;
  /**
   * Accept samples pushed to /api/v1/write (k6 load tests write their request metrics there).
   * @default false
   */
  readonly enableRemoteWriteReceiver?: boolean;
}

/**
 * A Prometheus CR with its own ServiceAccount, read-only RBAC and Service. It selects ServiceMonitors (and
 * PodMonitors) by the label `prometheus: <name>` and PrometheusRules by `prometheus: <name>, role: alert-rules`, in the watched
 * namespaces. It runs as uid 1000 (non-root) with the RuntimeDefault seccomp profile.
 *
 * Deferred checks verify that it selects every ServiceMonitor, PodMonitor and PrometheusRule of the app, so a monitor
 * or rule that lacks the labels, or lives in an unwatched namespace, fails the synth; and that every metric a rule
 * reads is provided by an exporter of the app or a recording rule.
 */
export class PrometheusServer extends Construct implements IPrometheusRef {
  public readonly name: string;
  public readonly namespace: INamespaceRef;
  public readonly serviceMonitorLabels: Readonly<Record<string, string>>;
  public readonly ruleLabels: Readonly<Record<string, string>>;
  public readonly service: IServiceRef;
  public readonly serviceAccountName: string;
  public readonly watchNamespaces: readonly INamespaceRef[];
  public readonly apiObject: Prometheus;
  /** The Service object (port `web`). */
  public readonly serviceObject: k8s.KubeService;
  /** Whether samples may be pushed to /api/v1/write. */
  public readonly remoteWriteReceiver: boolean;
  /** The Prometheus pods (prometheus-operator labels them as the Service selects them). */
  public readonly pods: IPodGroup;
  /** The port the Prometheus container serves its API, UI and remote-write receiver on (prometheus-operator's `web`). */
  public readonly webPort = 9090;

  public constructor(scope: Construct, id: string, props: PrometheusServerProps) {
    super(scope, id);
    this.name = assertDnsLabel('PrometheusServer.name', props.name ?? 'k8s');
    this.namespace = props.namespace;
    const ns = props.namespace.name;
    const fullName = `prometheus-${this.name}`;
    this.serviceAccountName = fullName;
    this.serviceMonitorLabels = { prometheus: this.name };
    this.ruleLabels = { prometheus: this.name, role: 'alert-rules' };
    this.watchNamespaces = props.watchNamespaces ?? [props.namespace];
    this.remoteWriteReceiver = props.enableRemoteWriteReceiver ?? false;
    if (!this.watchNamespaces.some((w) => w.name === ns)) {
      throw new ValidationError('PrometheusServer.watchNamespaces', this.watchNamespaces.map((w) => w.name),
        `must include the Prometheus's own namespace '${ns}', where the stack's ServiceMonitors and rules live`);
    }
    const image = assertPinned('PrometheusServer.image', props.image ?? IMAGES.prometheus);
    if (!image.endsWith(`:${PROMETHEUS_VERSION}`)) {
      throw new ValidationError('PrometheusServer.image', image, `must be pinned to the tag '${PROMETHEUS_VERSION}' (the CR's version)`);
    }
    const replicas = assertIntegerInRange('PrometheusServer.replicas', props.replicas ?? 1, 1, 10);
    const res = props.resources ?? { cpuRequest: '100m', memoryRequest: '400Mi', memoryLimit: '1Gi' };
    const retentionDays = props.retention === undefined ? 7 : durationMillis('PrometheusServer.retention', props.retention) / 86_400_000;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new ValidationError('PrometheusServer.retention', props.retention, 'must be a whole number of days, at least 1');
    }
    const labels = componentLabels('prometheus', PROMETHEUS_VERSION, 'server');
    const metadata = { name: fullName, namespace: ns, labels };

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    // Read-only: service discovery (Services, endpoints, pods, nodes) and the kubelet and API server metrics.
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: `${fullName}-${ns}`, labels },
      rules: [
        { apiGroups: [''], resources: ['services', 'endpoints', 'pods', 'nodes', 'nodes/metrics'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { nonResourceUrLs: ['/metrics', '/metrics/cadvisor'], verbs: ['get'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: `${fullName}-${ns}`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${fullName}-${ns}` },
      subjects: [{ kind: 'ServiceAccount', name: fullName, namespace: ns }],
    });

    const nsSelector = {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: this.watchNamespaces.map((w) => w.name) }],
    };
    this.apiObject = new Prometheus(this, 'Resource', {
      metadata: { name: this.name, namespace: ns, labels },
      spec: {
        version: PROMETHEUS_VERSION,
        image,
        replicas,
        serviceAccountName: fullName,
        // The kubelet and API server scrapes authenticate with the pod's ServiceAccount token.
        automountServiceAccountToken: true,
        podMetadata: { labels },
        resources: {
          requests: {
            cpu: PrometheusSpecResourcesRequests.fromString(res.cpuRequest),
            memory: PrometheusSpecResourcesRequests.fromString(res.memoryRequest),
          },
          limits: { memory: PrometheusSpecResourcesLimits.fromString(res.memoryLimit) },
        },
        securityContext: restrictedPod(1000, { gid: 2000 }),
        retention: `${retentionDays}d`,
        scrapeInterval: `${intervalSeconds('PrometheusServer.scrapeInterval', props.scrapeInterval ?? Duration.seconds(30))}s`,
        evaluationInterval: `${intervalSeconds('PrometheusServer.evaluationInterval', props.evaluationInterval ?? Duration.seconds(30))}s`,
        serviceDiscoveryRole: PrometheusSpecServiceDiscoveryRole.ENDPOINT_SLICE,
        serviceMonitorSelector: { matchLabels: { ...this.serviceMonitorLabels } },
        serviceMonitorNamespaceSelector: nsSelector,
        // PodMonitors (none in this stack) are selected like ServiceMonitors.
        podMonitorSelector: { matchLabels: { ...this.serviceMonitorLabels } },
        podMonitorNamespaceSelector: nsSelector,
        ruleSelector: { matchLabels: { ...this.ruleLabels } },
        ruleNamespaceSelector: nsSelector,
        enableAdminApi: false,
        enableRemoteWriteReceiver: this.remoteWriteReceiver,
        alerting: props.alertmanager === undefined ? undefined : {
          alertmanagers: [{
            name: props.alertmanager.service.name,
            namespace: props.alertmanager.service.namespace.name,
            port: PrometheusSpecAlertingAlertmanagersPort.fromString('web'),
            apiVersion: PrometheusSpecAlertingAlertmanagersApiVersion.V2,
          }],
        },
      },
    });

    const ports: ServicePortRef[] = [{ name: 'web', port: this.webPort }];
    const podLabels = { 'app.kubernetes.io/name': 'prometheus', 'prometheus': this.name };
    this.pods = { name: fullName, namespace: props.namespace, podLabels };
    this.serviceObject = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: podLabels,
        ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString('web'), protocol: 'TCP' })),
        sessionAffinity: 'ClientIP',
      },
    });
    this.service = { name: fullName, namespace: props.namespace, ports };

    this.node.addValidation({
      validate: () => {
        const root = this.node.root;
        return prometheusSelectionErrors(this.apiObject.toJson() as ObjectJson, objectsOfKind(root, 'ServiceMonitor'), objectsOfKind(root, 'PrometheusRule'),
          namespaceLabels(root), objectsOfKind(root, 'PodMonitor'));
      },
    });
    this.node.addValidation({ validate: () => ruleMetricErrors(objectsOfKind(this.node.root, 'PrometheusRule'), providedMetrics(this.node.root)) });
    // ServiceScrapes check their own ServiceMonitor; this covers ServiceMonitors written as raw L1 objects.
    this.node.addValidation({
      validate: () => {
        const root = this.node.root;
        // (cdk8s makes every ApiObject `instanceof` every generated class, so compare kinds.)
        const raw = root.node.findAll()
          .filter((c): c is ApiObject => c instanceof ApiObject && c.kind === ServiceMonitor.GVK.kind && !(c.node.scope instanceof ServiceScrape));
        const services = servicesOf(root);
        return raw.flatMap((sm) => serviceMonitorErrors(sm.toJson() as ObjectJson, services));
      },
    });
  }

  /** The in-cluster URL of the Prometheus Service (what Grafana's datasource points at). */
  public get url(): string {
    const web = this.service.ports[0];
    return `http://${this.service.name}.${this.namespace.name}.svc:${web?.port ?? 9090}`;
  }
}
