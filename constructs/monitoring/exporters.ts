import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { assertPinned, ValidationError } from '../../lib/validation';
import { type INamespaceRef, PodSecurityLevel } from '../namespace';
import { type IPodGroup } from '../network-policy';
import { type ServicePortRef } from '../target-app';
import { EXPORTER_METRICS, Exporter, type IMetricsSource, METRICS_SOURCE } from './metrics';
import { type IPrometheusRef, intervalSeconds, ServiceScrape } from './scrape';
import { RESTRICTED_CONTAINER, restrictedPod } from '../security';
import { componentLabels, resources } from './security';
import { IMAGES, KUBE_STATE_METRICS_VERSION, LITMUS_VERSION, NODE_EXPORTER_VERSION } from '../../lib/versions';
import { ClusterService, type IScrapeableService } from './wiring';

function servicePorts(ports: readonly ServicePortRef[]): k8s.ServicePort[] {
  return ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP' }));
}

export interface NodeExporterProps {
  /** The monitoring namespace; it must enforce the `privileged` Pod Security level (host access). */
  readonly namespace: INamespaceRef;
  /** The Prometheus that scrapes it. */
  readonly prometheus: IPrometheusRef;
  /**
   * node-exporter image, pinned.
   * @default IMAGES.nodeExporter
   */
  readonly image?: string;
  /**
   * Port node-exporter listens on, on every node (host network).
   * @default 9100
   */
  readonly port?: number;
}

/**
 * node-exporter on every node (DaemonSet, tolerating every taint), a headless Service and its ServiceMonitor.
 *
 * **The one documented exception to the pod security defaults:** to read the node's CPU, memory, network and
 * disk statistics it shares the host's network and PID namespaces and mounts `/proc`, `/sys` and `/` read-only
 * from the host. It still runs as nobody (65534), without privilege escalation or capabilities and with a
 * read-only root filesystem. The namespace must therefore enforce `privileged`; the constructor checks it.
 */
export class NodeExporter extends Construct implements IScrapeableService, IMetricsSource {
  public readonly [METRICS_SOURCE] = true as const;
  public readonly exporters = [Exporter.NODE_EXPORTER];
  public readonly name = 'node-exporter';
  public readonly namespace: INamespaceRef;
  public readonly labels: Readonly<Record<string, string>>;
  public readonly ports: readonly ServicePortRef[];
  public readonly daemonSet: k8s.KubeDaemonSet;
  public readonly scrape: ServiceScrape;

  public constructor(scope: Construct, id: string, props: NodeExporterProps) {
    super(scope, id);
    if (props.namespace.podSecurity !== PodSecurityLevel.PRIVILEGED) {
      throw new ValidationError('NodeExporter.namespace', `${props.namespace.name} (podSecurity ${props.namespace.podSecurity})`,
        "must be a namespace enforcing the 'privileged' Pod Security level: node-exporter needs hostNetwork, hostPID and hostPath mounts");
    }
    this.namespace = props.namespace;
    const port = props.port ?? 9100;
    this.labels = componentLabels(this.name, NODE_EXPORTER_VERSION, 'exporter');
    this.ports = [{ name: 'metrics', port }];
    const metadata = { name: this.name, namespace: this.namespace.name, labels: this.labels };
    const selector = { 'app.kubernetes.io/name': this.name };

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    const hostPath = (name: string, path: string): k8s.Volume => ({ name, hostPath: { path } });
    this.daemonSet = new k8s.KubeDaemonSet(this, 'Resource', {
      metadata,
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromString('10%') } },
        template: {
          metadata: { labels: this.labels },
          spec: {
            serviceAccountName: this.name,
            automountServiceAccountToken: false,
            hostNetwork: true,
            hostPid: true,
            dnsPolicy: 'ClusterFirstWithHostNet',
            priorityClassName: 'system-node-critical',
            tolerations: [{ operator: 'Exists' }],
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            securityContext: restrictedPod(65534),
            containers: [{
              name: 'node-exporter',
              image: assertPinned('NodeExporter.image', props.image ?? IMAGES.nodeExporter),
              imagePullPolicy: 'IfNotPresent',
              args: [
                `--web.listen-address=:${port}`,
                '--path.procfs=/host/proc',
                '--path.sysfs=/host/sys',
                '--path.rootfs=/host/root',
                '--path.udev.data=/host/root/run/udev/data',
                '--no-collector.wifi',
                '--no-collector.hwmon',
                '--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/k3s/containerd/.+|var/lib/docker/.+|var/lib/kubelet/pods/.+)($|/)',
                '--collector.netclass.ignored-devices=^(veth.*|[a-f0-9]{15})$',
                '--collector.netdev.device-exclude=^(veth.*|[a-f0-9]{15})$',
              ],
              ports: [{ name: 'metrics', containerPort: port, hostPort: port, protocol: 'TCP' }],
              resources: resources({ cpu: '50m', memory: '32Mi' }, { cpu: '250m', memory: '128Mi' }),
              securityContext: RESTRICTED_CONTAINER,
              volumeMounts: [
                { name: 'proc', mountPath: '/host/proc', readOnly: true },
                { name: 'sys', mountPath: '/host/sys', readOnly: true },
                { name: 'root', mountPath: '/host/root', readOnly: true, mountPropagation: 'HostToContainer' },
              ],
            }],
            volumes: [hostPath('proc', '/proc'), hostPath('sys', '/sys'), hostPath('root', '/')],
          },
        },
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata,
      spec: { clusterIp: 'None', selector, ports: servicePorts(this.ports) },
    });
    this.scrape = new ServiceScrape(this, 'Scrape', {
      service: this,
      prometheus: props.prometheus,
      selectorLabelKeys: ['app.kubernetes.io/name'],
      jobLabel: 'app.kubernetes.io/name',
      endpoints: [{ port: 'metrics' }],
    });
  }
}

/** Kubernetes resources kube-state-metrics reports on, with their API group; its RBAC is exactly these. */
const KSM_RESOURCES: readonly { readonly group: string; readonly resource: string }[] = [
  { group: 'apps', resource: 'deployments' },
  { group: 'apps', resource: 'replicasets' },
  { group: 'apps', resource: 'daemonsets' },
  { group: 'apps', resource: 'statefulsets' },
  { group: '', resource: 'pods' },
  { group: '', resource: 'nodes' },
  { group: '', resource: 'namespaces' },
  { group: '', resource: 'services' },
  { group: 'autoscaling', resource: 'horizontalpodautoscalers' },
];

export interface KubeStateMetricsProps {
  /** The monitoring namespace. */
  readonly namespace: INamespaceRef;
  /** The Prometheus that scrapes it. */
  readonly prometheus: IPrometheusRef;
  /**
   * kube-state-metrics image, pinned.
   * @default IMAGES.kubeStateMetrics
   */
  readonly image?: string;
}

/**
 * kube-state-metrics (Deployment, Service, ServiceMonitor) limited to the resources the stack's rules and
 * dashboards read (Deployments, ReplicaSets, DaemonSets, StatefulSets, Pods, Nodes, Namespaces, Services, HPAs),
 * with a read-only ClusterRole (`list`, `watch`) on exactly those.
 */
export class KubeStateMetrics extends Construct implements IScrapeableService, IMetricsSource {
  public readonly [METRICS_SOURCE] = true as const;
  public readonly exporters = [Exporter.KUBE_STATE_METRICS];
  public readonly name = 'kube-state-metrics';
  public readonly namespace: INamespaceRef;
  public readonly labels: Readonly<Record<string, string>>;
  public readonly ports: readonly ServicePortRef[] = [{ name: 'http-metrics', port: 8080 }, { name: 'telemetry', port: 8081 }];
  public readonly deployment: k8s.KubeDeployment;
  public readonly scrape: ServiceScrape;
  /** Its pods (they listen on the Service's port numbers). */
  public readonly pods: IPodGroup;

  public constructor(scope: Construct, id: string, props: KubeStateMetricsProps) {
    super(scope, id);
    this.namespace = props.namespace;
    const ns = props.namespace.name;
    this.labels = componentLabels(this.name, KUBE_STATE_METRICS_VERSION, 'exporter');
    const metadata = { name: this.name, namespace: ns, labels: this.labels };
    const selector = { 'app.kubernetes.io/name': this.name };
    this.pods = { name: this.name, namespace: props.namespace, podLabels: selector };

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    const groups = [...new Set(KSM_RESOURCES.map((r) => r.group))];
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: `${this.name}-${ns}`, labels: this.labels },
      rules: groups.map((g) => ({
        apiGroups: [g], resources: KSM_RESOURCES.filter((r) => r.group === g).map((r) => r.resource), verbs: ['list', 'watch'],
      })),
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: `${this.name}-${ns}`, labels: this.labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${this.name}-${ns}` },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: ns }],
    });
    const probe = (path: string, portName: string): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString(portName) }, initialDelaySeconds: 5, timeoutSeconds: 5,
    });
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: this.labels },
          spec: {
            serviceAccountName: this.name,
            // kube-state-metrics lists objects through the API server, so it needs its token.
            automountServiceAccountToken: true,
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            securityContext: restrictedPod(65534),
            containers: [{
              name: 'kube-state-metrics',
              image: assertPinned('KubeStateMetrics.image', props.image ?? IMAGES.kubeStateMetrics),
              imagePullPolicy: 'IfNotPresent',
              args: [
                '--port=8080',
                '--telemetry-port=8081',
                `--resources=${KSM_RESOURCES.map((r) => r.resource).join(',')}`,
              ],
              ports: this.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
              livenessProbe: probe('/livez', 'http-metrics'),
              readinessProbe: probe('/readyz', 'telemetry'),
              resources: resources({ cpu: '20m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
              securityContext: RESTRICTED_CONTAINER,
            }],
          },
        },
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata,
      spec: { type: 'ClusterIP', selector, ports: servicePorts(this.ports) },
    });
    this.scrape = new ServiceScrape(this, 'Scrape', {
      service: this,
      prometheus: props.prometheus,
      selectorLabelKeys: ['app.kubernetes.io/name'],
      jobLabel: 'app.kubernetes.io/name',
      // Its series describe other objects (namespace, pod labels); keep those instead of the target's.
      endpoints: [{ port: 'http-metrics', honorLabels: true }, { port: 'telemetry' }],
    });
  }
}

export interface ChaosExporterProps {
  /** The chaos namespace (where the Litmus operator, ChaosEngines and ChaosResults live). */
  readonly namespace: INamespaceRef;
  /** The Prometheus that scrapes it; it must watch the chaos namespace (its ServiceMonitor lives there). */
  readonly prometheus: IPrometheusRef;
  /**
   * chaos-exporter image, pinned to the Litmus release.
   * @default IMAGES.chaosExporter
   */
  readonly image?: string;
  /**
   * How often Prometheus scrapes the exporter; also the exporter's `TSDB_SCRAPE_INTERVAL`, after which it resets a
   * repeated verdict to 0.
   * @default Duration.seconds(10)
   */
  readonly scrapeInterval?: Duration;
}

/**
 * Litmus's chaos-exporter (Deployment, Service `chaos-exporter` on port 8080 named `tcp`, ServiceMonitor), in
 * the chaos namespace. It has its own ServiceAccount with a read-only Role there on chaosengines, chaosresults,
 * chaosexperiments and events, and watches only that namespace (`WATCH_NAMESPACE`).
 */
export class ChaosExporter extends Construct implements IScrapeableService, IMetricsSource {
  public readonly [METRICS_SOURCE] = true as const;
  public readonly exporters = [Exporter.CHAOS_EXPORTER];
  public readonly name = 'chaos-exporter';
  public readonly namespace: INamespaceRef;
  public readonly labels: Readonly<Record<string, string>>;
  public readonly ports: readonly ServicePortRef[] = [{ name: 'tcp', port: 8080 }];
  public readonly deployment: k8s.KubeDeployment;
  public readonly scrape: ServiceScrape;
  /** Its pods (they listen on the Service's port number). */
  public readonly pods: IPodGroup;

  public constructor(scope: Construct, id: string, props: ChaosExporterProps) {
    super(scope, id);
    this.namespace = props.namespace;
    const ns = props.namespace.name;
    const interval = intervalSeconds('ChaosExporter.scrapeInterval', props.scrapeInterval ?? Duration.seconds(10));
    this.labels = { app: this.name, ...componentLabels(this.name, LITMUS_VERSION, 'exporter'), 'app.kubernetes.io/part-of': 'litmus' };
    const metadata = { name: this.name, namespace: ns, labels: this.labels };
    const selector = { app: this.name };
    this.pods = { name: this.name, namespace: props.namespace, podLabels: selector };

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    new k8s.KubeRole(this, 'Role', {
      metadata,
      rules: [
        { apiGroups: ['litmuschaos.io'], resources: ['chaosengines', 'chaosresults', 'chaosexperiments'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: ns }],
    });
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: this.labels },
          spec: {
            serviceAccountName: this.name,
            // The exporter reads ChaosEngines and ChaosResults through the API server.
            automountServiceAccountToken: true,
            securityContext: restrictedPod(65534),
            containers: [{
              name: 'chaos-exporter',
              image: assertPinned('ChaosExporter.image', props.image ?? IMAGES.chaosExporter),
              imagePullPolicy: 'IfNotPresent',
              env: [
                { name: 'WATCH_NAMESPACE', value: ns },
                { name: 'TSDB_SCRAPE_INTERVAL', value: String(interval) },
              ],
              ports: [{ name: 'tcp', containerPort: 8080, protocol: 'TCP' }],
              readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('tcp') }, periodSeconds: 10 },
              resources: resources({ cpu: '20m', memory: '32Mi' }, { cpu: '100m', memory: '128Mi' }),
              securityContext: RESTRICTED_CONTAINER,
            }],
          },
        },
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata,
      spec: { type: 'ClusterIP', selector, ports: servicePorts(this.ports) },
    });
    this.scrape = new ServiceScrape(this, 'Scrape', {
      service: this,
      prometheus: props.prometheus,
      selectorLabelKeys: ['app'],
      jobLabel: 'app',
      endpoints: [{ port: 'tcp', interval: Duration.seconds(interval), honorLabels: true }],
    });
  }
}

export interface KubeletScrapeProps {
  /** The kubelet Service prometheus-operator maintains (`PrometheusOperator.kubeletService`). */
  readonly kubeletService: ClusterService;
  /** The Prometheus that scrapes it. */
  readonly prometheus: IPrometheusRef;
  /** Where the ServiceMonitor lives (a namespace the Prometheus watches). */
  readonly namespace: INamespaceRef;
}

/**
 * The kubelet's metrics and its embedded cAdvisor (`/metrics/cadvisor`: per-container CPU, memory and network,
 * for the app's pod panels), scraped over HTTPS with Prometheus's ServiceAccount token. Kubelet serving
 * certificates are usually self-signed, so their verification is skipped (the token is still sent only to node
 * addresses the API server reports).
 */
export class KubeletScrape extends Construct implements IMetricsSource {
  public readonly [METRICS_SOURCE] = true as const;
  public readonly exporters = [Exporter.KUBELET, Exporter.CADVISOR];
  public readonly scrape: ServiceScrape;
  /** The kubelet Service port scraped (metrics and cAdvisor). */
  public readonly portName = 'https-metrics';

  public constructor(scope: Construct, id: string, props: KubeletScrapeProps) {
    super(scope, id);
    const tls = { insecureSkipVerify: true };
    this.scrape = new ServiceScrape(this, 'Resource', {
      service: props.kubeletService,
      prometheus: props.prometheus,
      namespace: props.namespace,
      selectorLabelKeys: ['app.kubernetes.io/name'],
      jobLabel: 'app.kubernetes.io/name',
      endpoints: [
        { port: this.portName, clusterTls: tls, honorLabels: true },
        { port: this.portName, path: '/metrics/cadvisor', clusterTls: tls, honorLabels: true },
      ],
    });
  }
}

export interface ApiServerScrapeProps {
  /** The Prometheus that scrapes it. */
  readonly prometheus: IPrometheusRef;
  /** Where the ServiceMonitor lives (a namespace the Prometheus watches). */
  readonly namespace: INamespaceRef;
}

/**
 * The API server (`default/kubernetes`, port `https`), scraped with Prometheus's ServiceAccount token and the
 * cluster CA. Only the metrics of {@link EXPORTER_METRICS} are kept: the API server exposes tens of thousands
 * of series.
 */
export class ApiServerScrape extends Construct implements IMetricsSource {
  public readonly [METRICS_SOURCE] = true as const;
  public readonly exporters = [Exporter.API_SERVER];
  public readonly service: ClusterService;
  public readonly scrape: ServiceScrape;

  public constructor(scope: Construct, id: string, props: ApiServerScrapeProps) {
    super(scope, id);
    this.service = ClusterService.apiServer(this, 'Service');
    this.scrape = new ServiceScrape(this, 'Resource', {
      service: this.service,
      name: 'apiserver',
      prometheus: props.prometheus,
      namespace: props.namespace,
      jobLabel: 'component',
      endpoints: [{
        port: 'https',
        clusterTls: { serverName: 'kubernetes' },
        keepMetrics: `(${EXPORTER_METRICS[Exporter.API_SERVER].join('|')})`,
      }],
    });
  }
}
