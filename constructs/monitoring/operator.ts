import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CRD_SOURCES, type CrdSource } from '../../lib/versions';
import { assertPinned } from '../../lib/validation';
import { type INamespaceRef } from '../namespace';
import { type IPodGroup } from '../network-policy';
import { type IServiceRef, type ServicePortRef } from '../target-app';
import { RESTRICTED_CONTAINER, restrictedPod } from '../security';
import { componentLabels, resources } from './security';
import { IMAGES, PROMETHEUS_OPERATOR_VERSION } from '../../lib/versions';
import { ClusterService, KUBE_NAMESPACES } from './wiring';

export interface PrometheusOperatorProps {
  /** The monitoring namespace the operator runs in. */
  readonly namespace: INamespaceRef;
  /**
   * prometheus-operator image, pinned.
   * @default IMAGES.prometheusOperator
   */
  readonly image?: string;
  /**
   * prometheus-config-reloader image the operator adds to Prometheus and Alertmanager pods, pinned.
   * @default IMAGES.prometheusConfigReloader
   */
  readonly configReloaderImage?: string;
}

/** The monitoring.coreos.com resources whose controllers run in the operator (its own CRDs and their subresources). */
const OPERATOR_RESOURCES = [
  'alertmanagers', 'alertmanagerconfigs', 'prometheuses', 'prometheusagents', 'thanosrulers',
  'servicemonitors', 'podmonitors', 'probes', 'prometheusrules', 'scrapeconfigs',
];

/**
 * prometheus-operator (pinned to the release whose CRDs lib/imports is typed against): ServiceAccount, a
 * ClusterRole with explicit verbs (upstream grants `*` on its own resources, StatefulSets, ConfigMaps and
 * Secrets; here they are the verbs the controllers use), binding, Deployment and Service.
 *
 * Its CRDs are not part of this construct: `crdSource` says where the pinned release publishes them, and a
 * deployment step installs them before any Prometheus, Alertmanager, ServiceMonitor or PrometheusRule.
 *
 * The operator also maintains the `kube-system/kubelet` Service (and its endpoints) that the kubelet scrape
 * selects; `kubeletService` is that Service, for the wiring checks.
 */
export class PrometheusOperator extends Construct {
  /** Where the operator's CRDs come from (pinned release URL, CRD names, local file names). */
  public static readonly crdSource: CrdSource = CRD_SOURCES.prometheusOperator;

  public readonly name = 'prometheus-operator';
  public readonly deployment: k8s.KubeDeployment;
  /** The operator's own Service (port `http`, 8080, its metrics). */
  public readonly service: IServiceRef;
  /** The kubelet Service the operator keeps up to date in kube-system (flag `--kubelet-service`). */
  public readonly kubeletService: ClusterService;
  /** The operator's pods. */
  public readonly pods: IPodGroup;

  public constructor(scope: Construct, id: string, props: PrometheusOperatorProps) {
    super(scope, id);
    const ns = props.namespace.name;
    const labels = componentLabels(this.name, PROMETHEUS_OPERATOR_VERSION, 'controller');
    const selector = { 'app.kubernetes.io/name': this.name };
    const metadata = { name: this.name, namespace: ns, labels };
    this.pods = { name: this.name, namespace: props.namespace, podLabels: selector };

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    const clusterRoleName = `prometheus-operator-${ns}`;
    const rw = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: clusterRoleName, labels },
      rules: [
        { apiGroups: ['monitoring.coreos.com'], resources: OPERATOR_RESOURCES, verbs: ['get', 'list', 'watch'] },
        {
          apiGroups: ['monitoring.coreos.com'],
          resources: [...OPERATOR_RESOURCES.map((r) => `${r}/status`), ...OPERATOR_RESOURCES.map((r) => `${r}/finalizers`)],
          verbs: ['get', 'update', 'patch'],
        },
        { apiGroups: ['apps'], resources: ['statefulsets'], verbs: rw },
        { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: rw },
        { apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] },
        { apiGroups: [''], resources: ['services', 'services/finalizers', 'endpoints'], verbs: ['get', 'create', 'update', 'delete'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'create', 'update', 'delete'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: clusterRoleName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: ns }],
    });

    const kubeletNs = KUBE_NAMESPACES.kubeSystem;
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: this.name,
            // The operator talks to the API server, so it needs its token (the ServiceAccount itself does not mount it).
            automountServiceAccountToken: true,
            securityContext: restrictedPod(65534),
            containers: [{
              name: 'prometheus-operator',
              image: assertPinned('PrometheusOperator.image', props.image ?? IMAGES.prometheusOperator),
              imagePullPolicy: 'IfNotPresent',
              args: [
                `--kubelet-service=${kubeletNs.name}/kubelet`,
                `--prometheus-config-reloader=${assertPinned('PrometheusOperator.configReloaderImage', props.configReloaderImage ?? IMAGES.prometheusConfigReloader)}`,
                '--web.listen-address=:8080',
              ],
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              resources: resources({ cpu: '50m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
              securityContext: RESTRICTED_CONTAINER,
            }],
          },
        },
      },
    });
    const ports: ServicePortRef[] = [{ name: 'http', port: 8080 }];
    new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector,
        ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP' })),
      },
    });
    this.service = { name: this.name, namespace: props.namespace, ports };
    this.kubeletService = new ClusterService(this, 'KubeletService', {
      name: 'kubelet',
      namespace: kubeletNs,
      labels: { 'app.kubernetes.io/managed-by': 'prometheus-operator', 'app.kubernetes.io/name': 'kubelet', 'k8s-app': 'kubelet' },
      ports: [{ name: 'https-metrics', port: 10250 }, { name: 'http-metrics', port: 10255 }, { name: 'cadvisor', port: 4194 }],
      managedBy: 'prometheus-operator (--kubelet-service)',
    });
  }
}
