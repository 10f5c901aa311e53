import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES } from '../lib/versions';
import { assertDnsLabel, assertIntegerInRange, assertPercentage, assertPinned, ValidationError, wholeSeconds } from '../lib/validation';
import { type INamespaceRef } from './namespace';
import { type IPodGroup } from './network-policy';
import { RESTRICTED_CONTAINER, restrictedPod } from './security';

/** Workload kinds a ChaosEngine can target (`spec.appinfo.appkind`, lower case as the CRD pattern requires). */
export enum AppKind {
  DEPLOYMENT = 'deployment',
  STATEFULSET = 'statefulset',
  DAEMONSET = 'daemonset',
}

/** Something chaos can be aimed at: a workload, found by namespace, kind and one label. */
export interface IChaosTarget {
  /** The workload's name. */
  readonly name: string;
  /** Where the workload runs. */
  readonly namespace: INamespaceRef;
  /** The workload kind. */
  readonly kind: AppKind;
  /** The label (key and value) that selects the workload's pods. */
  readonly selectorLabel: { readonly key: string; readonly value: string };
}

/** A named Service port. */
export interface ServicePortRef {
  readonly name: string;
  readonly port: number;
}

/** A Service that probes and load generators can address. */
export interface IServiceRef {
  readonly name: string;
  readonly namespace: INamespaceRef;
  readonly ports: readonly ServicePortRef[];
}

/**
 * A target probes and load tests can reach: the workload, the Service in front of it, and the pods behind that
 * Service (for the network policies of the probes and the load).
 */
export interface IServedTarget extends IChaosTarget {
  /** The Service probes and load tests address. */
  readonly endpoint: IServiceRef;
  /** The workload's pods. */
  readonly pods: IPodGroup;
  /** The port those pods listen on (what the Service forwards to; what a NetworkPolicy allows). */
  readonly containerPort: number;
}

/** The port of `service` to address: `port` if the Service exposes it, else its first port when none is given. */
export function servicePort(field: string, service: IServiceRef, port?: number): number {
  const chosen = port ?? service.ports[0]?.port;
  if (chosen === undefined || !service.ports.some((p) => p.port === chosen)) {
    throw new ValidationError(field, chosen,
      `Service '${service.namespace.name}/${service.name}' exposes ${service.ports.map((p) => p.port).join(', ') || 'no port'}`);
  }
  return chosen;
}

/** How the app Service is exposed. */
export enum ServiceType {
  CLUSTER_IP = 'ClusterIP',
  NODE_PORT = 'NodePort',
  /** External load balancer (on minikube, through `minikube tunnel`). */
  LOAD_BALANCER = 'LoadBalancer',
}

/** CPU and memory quantities of a container. */
export interface ResourceQuantities {
  readonly cpu: k8s.Quantity;
  readonly memory: k8s.Quantity;
}

/** Horizontal Pod Autoscaler settings (autoscaling/v2, CPU utilisation). */
export interface AutoscalingProps {
  /**
   * Fewest replicas.
   * @default 2
   */
  readonly minReplicas?: number;
  /**
   * Most replicas.
   * @default 10
   */
  readonly maxReplicas?: number;
  /**
   * Average CPU utilisation (percent of the request) the HPA aims for.
   * @default 50
   */
  readonly targetCpuUtilizationPercent?: number;
}

export interface TargetApplicationProps {
  /** The namespace the app runs in. */
  readonly namespace: INamespaceRef;
  /**
   * Name of the Deployment, Service and ServiceAccount.
   * @default 'app-sample'
   */
  readonly name?: string;
  /**
   * The container image, pinned. It must run as a non-root user and serve HTTP on `containerPort`.
   * @default IMAGES.nginxUnprivileged (nginx as uid 101 on 8080)
   */
  readonly image?: string;
  /**
   * The port the container listens on.
   * @default 8080
   */
  readonly containerPort?: number;
  /**
   * The port the Service exposes.
   * @default 80
   */
  readonly servicePort?: number;
  /**
   * How the Service is exposed.
   * @default ServiceType.CLUSTER_IP
   */
  readonly serviceType?: ServiceType;
  /**
   * Container resource requests.
   * @default - cpu 200m, memory 100M (the workshop's values)
   */
  readonly requests?: ResourceQuantities;
  /**
   * Container resource limits.
   * @default - cpu 500m, memory 200M (the workshop's values)
   */
  readonly limits?: ResourceQuantities;
  /**
   * Autoscaling; `false` for a fixed replica count (then set `replicas`).
   * @default - 2 to 10 replicas at 50 % CPU
   */
  readonly autoscaling?: AutoscalingProps | false;
  /**
   * A fixed replica count. Only allowed with `autoscaling: false`: a Deployment owned by an HPA sets no count.
   * @default - none when autoscaled, 2 otherwise
   */
  readonly replicas?: number;
  /**
   * Liveness probe period. The workshop's SLO fix shortens it from 5 s to 2 s.
   * @default Duration.seconds(5)
   */
  readonly livenessPeriod?: Duration;
  /**
   * Readiness probe period. With `failureThreshold: 1`, a pod that stops answering leaves the Service within
   * one period, which the steady-state hypotheses depend on.
   * @default Duration.seconds(1)
   */
  readonly readinessPeriod?: Duration;
}

/**
 * The application chaos is aimed at (the workshop's `app-sample`): a Deployment of an unprivileged nginx, its
 * Service and a HorizontalPodAutoscaler.
 *
 * Pods run as uid 101 with a read-only root filesystem (an emptyDir on /tmp holds nginx's pid and temp files),
 * no capabilities, no service-account token and the RuntimeDefault seccomp profile, so the namespace can enforce
 * the `restricted` Pod Security level. When the HPA owns the replica count, the Deployment sets none.
 */
export class TargetApplication extends Construct implements IServedTarget, IServiceRef {
  public readonly name: string;
  /** The app's own Service (this construct). */
  public readonly endpoint: IServiceRef = this;
  public readonly namespace: INamespaceRef;
  public readonly kind = AppKind.DEPLOYMENT;
  public readonly selectorLabel: { readonly key: string; readonly value: string };
  public readonly ports: readonly ServicePortRef[];
  /** The HPA's bounds, or undefined for a fixed count. */
  public readonly autoscaling?: Required<AutoscalingProps>;
  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;
  public readonly hpa?: k8s.KubeHorizontalPodAutoscalerV2;
  /** The app's pods, for network policies. */
  public readonly pods: IPodGroup;
  /** The port the container listens on (what the Service port forwards to). */
  public readonly containerPort: number;
  /** The Service type (LoadBalancer and NodePort accept connections from outside the cluster). */
  public readonly serviceType: ServiceType;

  public constructor(scope: Construct, id: string, props: TargetApplicationProps) {
    super(scope, id);
    this.name = assertDnsLabel('TargetApplication.name', props.name ?? 'app-sample');
    this.namespace = props.namespace;
    const containerPort = assertIntegerInRange('TargetApplication.containerPort', props.containerPort ?? 8080, 1, 65535);
    const servicePort = assertIntegerInRange('TargetApplication.servicePort', props.servicePort ?? 80, 1, 65535);
    this.ports = [{ name: 'http', port: servicePort }];
    this.selectorLabel = { key: 'app.kubernetes.io/name', value: this.name };
    this.containerPort = containerPort;
    this.serviceType = props.serviceType ?? ServiceType.CLUSTER_IP;
    this.pods = { name: this.name, namespace: this.namespace, podLabels: { [this.selectorLabel.key]: this.selectorLabel.value } };
    this.autoscaling = validateAutoscaling(props);
    const replicas = this.autoscaling ? undefined : assertIntegerInRange('TargetApplication.replicas', props.replicas ?? 2, 0, 1000);
    const livenessPeriod = wholeSeconds('TargetApplication.livenessPeriod', props.livenessPeriod ?? Duration.seconds(5));
    const readinessPeriod = wholeSeconds('TargetApplication.readinessPeriod', props.readinessPeriod ?? Duration.seconds(1));

    const labels = { 'app': this.name, 'app.kubernetes.io/name': this.name };
    const metadata = { name: this.name, namespace: this.namespace.name, labels };

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });

    const httpGet = { path: '/', port: k8s.IntOrString.fromString('http') };
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        replicas,
        selector: { matchLabels: { [this.selectorLabel.key]: this.selectorLabel.value } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: this.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(101),
            containers: [{
              name: 'nginx',
              image: assertPinned('TargetApplication.image', props.image ?? IMAGES.nginxUnprivileged),
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort, protocol: 'TCP' }],
              resources: {
                requests: quantities(props.requests ?? { cpu: k8s.Quantity.fromString('200m'), memory: k8s.Quantity.fromString('100M') }),
                limits: quantities(props.limits ?? { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('200M') }),
              },
              livenessProbe: { httpGet, initialDelaySeconds: 5, periodSeconds: livenessPeriod, timeoutSeconds: 1, failureThreshold: 1 },
              readinessProbe: { httpGet, periodSeconds: readinessPeriod, timeoutSeconds: 1, failureThreshold: 1, successThreshold: 1 },
              securityContext: RESTRICTED_CONTAINER,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
        },
      },
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: this.serviceType,
        selector: { [this.selectorLabel.key]: this.selectorLabel.value },
        ports: [{ name: 'http', port: servicePort, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    if (this.autoscaling) {
      this.hpa = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata: { name: `${this.name}-ha`, namespace: this.namespace.name, labels },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
          minReplicas: this.autoscaling.minReplicas,
          maxReplicas: this.autoscaling.maxReplicas,
          metrics: [{
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: this.autoscaling.targetCpuUtilizationPercent } },
          }],
        },
      });
    }
  }

  /** The label selector string Litmus expects in `appinfo.applabel` ("key=value"). */
  public get appLabel(): string {
    return `${this.selectorLabel.key}=${this.selectorLabel.value}`;
  }
}

function quantities(q: ResourceQuantities): Record<string, k8s.Quantity> {
  return { cpu: q.cpu, memory: q.memory };
}

function validateAutoscaling(props: TargetApplicationProps): Required<AutoscalingProps> | undefined {
  if (props.autoscaling === false) return undefined;
  if (props.replicas !== undefined) {
    throw new ValidationError('TargetApplication.replicas', props.replicas,
      'a Deployment owned by a HorizontalPodAutoscaler must not fix its replica count; remove replicas or set autoscaling: false');
  }
  const minReplicas = assertIntegerInRange('TargetApplication.autoscaling.minReplicas', props.autoscaling?.minReplicas ?? 2, 1, 1000);
  const maxReplicas = assertIntegerInRange('TargetApplication.autoscaling.maxReplicas', props.autoscaling?.maxReplicas ?? 10, 1, 1000);
  if (minReplicas > maxReplicas) {
    throw new ValidationError('TargetApplication.autoscaling.minReplicas', minReplicas,
      `must be less than or equal to maxReplicas (${maxReplicas})`);
  }
  const targetCpuUtilizationPercent = assertPercentage('TargetApplication.autoscaling.targetCpuUtilizationPercent',
    props.autoscaling?.targetCpuUtilizationPercent ?? 50);
  if (targetCpuUtilizationPercent === 0) {
    throw new ValidationError('TargetApplication.autoscaling.targetCpuUtilizationPercent', 0, 'must be from 1 to 100');
  }
  return { minReplicas, maxReplicas, targetCpuUtilizationPercent };
}
