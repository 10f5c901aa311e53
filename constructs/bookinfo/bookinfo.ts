import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DestinationRule, VirtualService } from '../../lib/imports/istio-networking.istio.io';
import { assertDnsLabel, assertIntegerInRange, assertOneOf } from '../../lib/validation';
import { ChaosNamespace, PodSecurityLevel } from '../namespace';
import { IMAGES } from '../../lib/versions';

/** The port every bookinfo service listens on. */
export const BOOKINFO_PORT = 9080;

/** The reviews versions bookinfo ships: v1 shows no stars, v2 black stars, v3 red stars (v2 and v3 call ratings). */
export enum ReviewsVersion {
  V1 = 'v1',
  V2 = 'v2',
  V3 = 'v3',
}

/** The `apiVersion` of the Istio routing objects (served by Istio 1.22 and later). */
export const ISTIO_NETWORKING_API_VERSION = 'networking.istio.io/v1';

/**
 * What the Chaos Toolkit experiments aim at, derived from the deployed objects (never repeated as strings).
 */
export interface BookinfoTargets {
  /** The bookinfo namespace. */
  readonly namespace: string;
  /** The ratings-v2 Deployment, the one "terminate half the pods" acts on. */
  readonly ratingsV2: {
    readonly deployment: string;
    /** Label selector of all ratings pods (v1 and v2). */
    readonly podLabelSelector: string;
    /** Label selector of the ratings-v2 pods only. */
    readonly v2LabelSelector: string;
    /** Regular expression on pod names that keeps only ratings-v2 pods. */
    readonly namePattern: string;
    readonly replicas: number;
  };
  /** The reviews VirtualService and the route the latency fault is set on. */
  readonly reviews: {
    readonly virtualService: string;
    readonly host: string;
    readonly subset: ReviewsVersion;
  };
  /** The product page, the user-facing entry point. */
  readonly productpage: {
    readonly service: string;
    readonly port: number;
    /** In-cluster base URL of the product page. */
    readonly url: string;
  };
  /** `group/version` of the Istio routing API the objects are written in. */
  readonly istioApiVersion: string;
}

export interface BookinfoProps {
  /**
   * The namespace bookinfo runs in, created by this construct with the `istio-injection: enabled` label.
   * @default 'bookinfo'
   */
  readonly namespace?: string;
  /**
   * Pod Security level of the namespace. Baseline is enough with Istio CNI; sidecar injection through the
   * `istio-init` container needs NET_ADMIN and NET_RAW, which only `privileged` allows.
   * @default PodSecurityLevel.BASELINE
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Replicas of ratings-v2. At least 2, so that terminating half of the pods leaves one serving
   * (the talk's manifest ran one, and "half" killed it).
   * @default 2
   */
  readonly ratingsV2Replicas?: number;
  /**
   * The reviews version the reviews VirtualService routes all traffic to (the latency fault is set on that route).
   * @default ReviewsVersion.V3
   */
  readonly reviewsRoute?: ReviewsVersion;
}

interface Workload {
  readonly version: string;
  readonly image: string;
  readonly replicas?: number;
  readonly serviceAccount: string;
  readonly env?: k8s.EnvVar[];
  readonly volumes?: { readonly name: string; readonly mountPath: string }[];
  readonly annotations?: Record<string, string>;
  readonly port?: number;
}

/**
 * Istio's bookinfo sample as typed constructs: productpage, details, reviews v1/v2/v3, ratings v1 and ratings v2
 * with the MongoDB it reads, one ServiceAccount per service, Services on 9080, and the Istio routing objects the
 * Chaos Toolkit experiments need: a DestinationRule with version subsets per service and a reviews
 * VirtualService that sends all traffic to one version (v3 by default).
 *
 * Containers keep no service-account token, cannot escalate privileges and drop every capability; the images
 * choose their own user, as in the sample.
 */
export class Bookinfo extends Construct {
  public readonly namespace: ChaosNamespace;
  public readonly targets: BookinfoTargets;
  public readonly deployments: Readonly<Record<string, k8s.KubeDeployment>>;
  public readonly services: Readonly<Record<string, k8s.KubeService>>;
  public readonly destinationRules: readonly DestinationRule[];
  public readonly reviewsVirtualService: VirtualService;

  public constructor(scope: Construct, id: string, props: BookinfoProps = {}) {
    super(scope, id);
    const nsName = assertDnsLabel('Bookinfo.namespace', props.namespace ?? 'bookinfo');
    const ratingsV2Replicas = assertIntegerInRange('Bookinfo.ratingsV2Replicas', props.ratingsV2Replicas ?? 2, 2, 50);
    const reviewsRoute = assertOneOf('Bookinfo.reviewsRoute', props.reviewsRoute ?? ReviewsVersion.V3, Object.values(ReviewsVersion));
    this.namespace = new ChaosNamespace(this, 'Namespace', {
      name: nsName,
      podSecurity: props.podSecurity ?? PodSecurityLevel.BASELINE,
      labels: { 'istio-injection': 'enabled' },
    });
    const deployments: Record<string, k8s.KubeDeployment> = {};
    const services: Record<string, k8s.KubeService> = {};
    const tmp = [{ name: 'tmp', mountPath: '/tmp' }];
    const reviewsVolumes = [...tmp, { name: 'wlp-output', mountPath: '/opt/ibm/wlp/output' }];
    const reviewsEnv = [{ name: 'LOG_DIR', value: '/tmp/logs' }];

    const app = (name: string, workloads: readonly Workload[], port = BOOKINFO_PORT, portName = 'http'): void => {
      const accounts = [...new Set(workloads.map((w) => w.serviceAccount))];
      for (const account of accounts) {
        new k8s.KubeServiceAccount(this, `${name}-${account}`, {
          metadata: { name: account, namespace: nsName, labels: { account: name } },
          automountServiceAccountToken: false,
        });
      }
      services[name] = new k8s.KubeService(this, `${name}-service`, {
        metadata: { name, namespace: nsName, labels: { app: name, service: name } },
        spec: { ports: [{ port, name: portName, targetPort: k8s.IntOrString.fromNumber(port) }], selector: { app: name } },
      });
      for (const w of workloads) {
        const labels = { app: name, version: w.version };
        const deploymentName = `${name}-${w.version}`;
        deployments[deploymentName] = new k8s.KubeDeployment(this, deploymentName, {
          metadata: { name: deploymentName, namespace: nsName, labels },
          spec: {
            replicas: w.replicas ?? 1,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels, ...(w.annotations ? { annotations: w.annotations } : {}) },
              spec: {
                serviceAccountName: w.serviceAccount,
                automountServiceAccountToken: false,
                securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
                containers: [{
                  name,
                  image: w.image,
                  imagePullPolicy: 'IfNotPresent',
                  ports: [{ containerPort: port, name: portName }],
                  ...(w.env ? { env: w.env } : {}),
                  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                  ...(w.volumes ? { volumeMounts: w.volumes.map((v) => ({ name: v.name, mountPath: v.mountPath })) } : {}),
                }],
                ...(w.volumes ? { volumes: w.volumes.map((v) => ({ name: v.name, emptyDir: {} })) } : {}),
              },
            },
          },
        });
      }
    };

    // details and ratings get a /tmp emptyDir too: chaostoolkit-kubernetes 0.39.0 drain_nodes crashes
    // ('NoneType' object is not iterable) on a pod without any volume, which a pod that mounts no
    // service-account token is.
    app('details', [{ version: 'v1', image: IMAGES.bookinfoDetailsV1, serviceAccount: 'bookinfo-details', volumes: tmp }]);
    app('ratings', [
      { version: 'v1', image: IMAGES.bookinfoRatingsV1, serviceAccount: 'bookinfo-ratings', volumes: tmp },
      {
        version: 'v2', image: IMAGES.bookinfoRatingsV2, serviceAccount: 'bookinfo-ratings-v2', replicas: ratingsV2Replicas, volumes: tmp,
        env: [{ name: 'MONGO_DB_URL', value: `mongodb://mongodb.${nsName}.svc.cluster.local:27017/test` }],
      },
    ]);
    app('reviews', (['v1', 'v2', 'v3'] as const).map((v) => ({
      version: v, image: IMAGES[`bookinfoReviews${v.toUpperCase() as 'V1' | 'V2' | 'V3'}`], serviceAccount: 'bookinfo-reviews',
      env: reviewsEnv, volumes: reviewsVolumes,
    })));
    app('productpage', [{
      version: 'v1', image: IMAGES.bookinfoProductpageV1, serviceAccount: 'bookinfo-productpage', volumes: tmp,
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(BOOKINFO_PORT), 'prometheus.io/path': '/metrics' },
    }]);
    app('mongodb', [{
      version: 'v1', image: IMAGES.bookinfoMongodb, serviceAccount: 'bookinfo-mongodb', volumes: [{ name: 'data-db', mountPath: '/data/db' }],
    }], 27017, 'mongo');
    this.deployments = deployments;
    this.services = services;

    const subsets: Record<string, readonly string[]> = {
      productpage: ['v1'], details: ['v1'], reviews: ['v1', 'v2', 'v3'], ratings: ['v1', 'v2'],
    };
    this.destinationRules = Object.entries(subsets).map(([host, versions]) => new DestinationRule(this, `${host}-destination-rule`, {
      metadata: { name: host, namespace: nsName },
      spec: { host, subsets: versions.map((v) => ({ name: v, labels: { version: v } })) },
    }));
    this.reviewsVirtualService = new VirtualService(this, 'reviews-virtual-service', {
      metadata: { name: 'reviews', namespace: nsName },
      spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: reviewsRoute } }] }] },
    });

    this.targets = {
      namespace: nsName,
      ratingsV2: {
        deployment: 'ratings-v2',
        podLabelSelector: 'app=ratings',
        v2LabelSelector: 'app=ratings,version=v2',
        namePattern: '^ratings-v2-',
        replicas: ratingsV2Replicas,
      },
      reviews: { virtualService: 'reviews', host: 'reviews', subset: reviewsRoute },
      productpage: { service: 'productpage', port: BOOKINFO_PORT, url: `http://productpage.${nsName}.svc.cluster.local:${BOOKINFO_PORT}` },
      istioApiVersion: ISTIO_NETWORKING_API_VERSION,
    };
  }
}
