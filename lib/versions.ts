/**
 * Every pinned third-party version and image of the stack, in one place. Bumping Litmus or an image is a
 * one-line change here, reviewed through the manifest snapshots.
 */
import { assertPinned, ValidationError } from './validation';

/** The LitmusChaos release the stack targets (operator, runner, experiments, exporter, scheduler). */
export const LITMUS_VERSION = '3.31.0';

/** prometheus-operator release whose CRDs the monitoring constructs are typed against. */
export const PROMETHEUS_OPERATOR_VERSION = 'v0.93.0';

/** Prometheus server version the Prometheus CR runs (the 3.5 long-term-support line). */
export const PROMETHEUS_VERSION = 'v3.5.0';

/** Alertmanager version the Alertmanager CR runs. */
export const ALERTMANAGER_VERSION = 'v0.28.1';

/** Grafana version. */
export const GRAFANA_VERSION = '12.4.0';

/** node-exporter version. */
export const NODE_EXPORTER_VERSION = 'v1.9.1';

/** kube-state-metrics version. */
export const KUBE_STATE_METRICS_VERSION = 'v2.16.0';

/**
 * Istio release of the bookinfo sample images and of the networking CRDs (istio/istio
 * samples/bookinfo/platform/kube/bookinfo.yaml at 1.20.1); its tags move with Istio releases, so they are pinned here.
 */
export const ISTIO_VERSION = '1.20.1';

const bookinfo = 'docker.io/istio/examples-bookinfo';

/** Every container image of the stack, each pinned to a tag (never `:latest`). */
export const IMAGES = {
  chaosOperator: `docker.io/litmuschaos/chaos-operator:${LITMUS_VERSION}`,
  chaosRunner: `docker.io/litmuschaos/chaos-runner:${LITMUS_VERSION}`,
  goRunner: `docker.io/litmuschaos/go-runner:${LITMUS_VERSION}`,
  chaosExporter: `docker.io/litmuschaos/chaos-exporter:${LITMUS_VERSION}`,
  /** nginx built to run as an unprivileged user (uid 101) listening on 8080. */
  nginxUnprivileged: 'docker.io/nginxinc/nginx-unprivileged:1.29.3-alpine',
  /** kubectl for the CronJob that re-arms a ChaosEngine. */
  kubectl: 'registry.k8s.io/kubectl:v1.33.5',
  prometheusOperator: `quay.io/prometheus-operator/prometheus-operator:${PROMETHEUS_OPERATOR_VERSION}`,
  prometheusConfigReloader: `quay.io/prometheus-operator/prometheus-config-reloader:${PROMETHEUS_OPERATOR_VERSION}`,
  prometheus: `quay.io/prometheus/prometheus:${PROMETHEUS_VERSION}`,
  alertmanager: `quay.io/prometheus/alertmanager:${ALERTMANAGER_VERSION}`,
  grafana: `docker.io/grafana/grafana:${GRAFANA_VERSION}`,
  nodeExporter: `quay.io/prometheus/node-exporter:${NODE_EXPORTER_VERSION}`,
  kubeStateMetrics: `registry.k8s.io/kube-state-metrics/kube-state-metrics:${KUBE_STATE_METRICS_VERSION}`,
  /** k6, the load generator of SLO-aware experiments. */
  k6: 'docker.io/grafana/k6:1.7.1',
  /**
   * The Chaos Toolkit runner's default image: CPython 3.11 (the version requirements.txt was frozen with), pinned to
   * a patch release; the Job installs the pinned requirements into it (see ChaosToolkitRunner).
   */
  chaosToolkitPython: 'docker.io/library/python:3.11.14-slim-bookworm',
  bookinfoProductpageV1: `${bookinfo}-productpage-v1:${ISTIO_VERSION}`,
  bookinfoDetailsV1: `${bookinfo}-details-v1:${ISTIO_VERSION}`,
  bookinfoReviewsV1: `${bookinfo}-reviews-v1:${ISTIO_VERSION}`,
  bookinfoReviewsV2: `${bookinfo}-reviews-v2:${ISTIO_VERSION}`,
  bookinfoReviewsV3: `${bookinfo}-reviews-v3:${ISTIO_VERSION}`,
  bookinfoRatingsV1: `${bookinfo}-ratings-v1:${ISTIO_VERSION}`,
  /** ratings v2 reads its stars from MongoDB (`MONGO_DB_URL`). */
  bookinfoRatingsV2: `${bookinfo}-ratings-v2:${ISTIO_VERSION}`,
  /** MongoDB seeded with bookinfo's ratings (samples/bookinfo/platform/kube/bookinfo-db.yaml). */
  bookinfoMongodb: `${bookinfo}-mongodb:${ISTIO_VERSION}`,
} as const;

/** The name of a pinned image of the stack. */
export type ImageName = keyof typeof IMAGES;

/**
 * Replacement images by name, e.g. `{ nginxUnprivileged: 'registry.example/nginx:1.29.3' }` for a mirror or a
 * local build. One typed map, threaded from ChaosStackProps to every construct that sets an image; each
 * replacement must be pinned like the defaults.
 */
export type ImageOverrides = Readonly<Partial<Record<ImageName, string>>>;

/** The image to run for `name`: the override when one is given (checked: known name, pinned), else the pin. */
export function imageOf(name: ImageName, overrides: ImageOverrides = {}): string {
  const image = overrides[name];
  return image === undefined ? IMAGES[name] : assertPinned(`images.${name}`, image);
}

/** Rejects a map (e.g. from plain config) naming an image the stack does not have; returns it typed. */
export function assertImageOverrides(overrides: Readonly<Record<string, string | undefined>>): ImageOverrides {
  for (const [name, image] of Object.entries(overrides)) {
    if (!(name in IMAGES)) throw new ValidationError(`images.${name}`, image ?? '', `is not an image of the stack; known: ${Object.keys(IMAGES).join(', ')}`);
    if (image !== undefined) assertPinned(`images.${name}`, image);
  }
  return overrides as ImageOverrides;
}

/** Where a third-party CRD set comes from: the pinned upstream release, and the CRD names it must establish. */
export interface CrdSource {
  /** Pinned upstream URL of the release manifest that contains the CRDs. */
  readonly url: string;
  /** The CRDs (metadata.name) a deployment step must install and wait for before applying our objects. */
  readonly crds: readonly string[];
  /** File names of the same CRDs in a local folder (for tests, CI and air-gapped installs). */
  readonly localFiles: readonly string[];
  /**
   * The pinned content of each CRD (by metadata.name): sha256 of the CustomResourceDefinition document's canonical
   * JSON (object keys sorted recursively, no whitespace; lib/crd-integrity.ts `crdDigest`). Every CRD loaded from
   * the URL or a local folder is checked against it before it is installed or imported.
   *
   * It covers the CRD's content, not a file's bytes: the release manifests bundle other objects (Litmus ships its
   * operator with its CRDs) and the same release may be re-serialized (`../shared/reference/crds`), so only a
   * content hash pins the CRD itself, whatever file carries it. The values were computed from the re-serialized
   * copies of the pinned releases in `../shared/reference/crds` (the upstream URLs are not reachable from the
   * machine that pinned them); `test/pulumi/crds.test.ts` recomputes them from that folder.
   */
  readonly sha256: Readonly<Record<string, string>>;
}

/**
 * The third-party CRDs the stack needs, installed before any object of theirs. They are not copied into this
 * repository: a deployment step fetches the pinned URL (or reads a local folder) and applies only the
 * CustomResourceDefinition documents.
 */
export const CRD_SOURCES: Readonly<Record<'litmus' | 'litmusScheduler' | 'prometheusOperator' | 'istioNetworking', CrdSource>> = {
  litmus: {
    url: `https://litmuschaos.github.io/litmus/litmus-operator-v${LITMUS_VERSION}.yaml`,
    crds: ['chaosengines.litmuschaos.io', 'chaosexperiments.litmuschaos.io', 'chaosresults.litmuschaos.io'],
    localFiles: ['chaosengines.litmuschaos.io.yaml', 'chaosexperiments.litmuschaos.io.yaml', 'chaosresults.litmuschaos.io.yaml'],
    sha256: {
      'chaosengines.litmuschaos.io': 'b84ce26188a933a1768a745d884552f6a72adcbddd42914b4555b011af8910c2',
      'chaosexperiments.litmuschaos.io': '9c069d50b6612224aeff17ed36c28fae8625fe3f30529bd2815e23409255aa31',
      'chaosresults.litmuschaos.io': '40319b73252aa1006bb25d0d43091d56e7917971365c1b97c6a6c3eedeb14980',
    },
  },
  litmusScheduler: {
    url: `https://litmuschaos.github.io/litmus/chaos-scheduler-v${LITMUS_VERSION}.yaml`,
    crds: ['chaosschedules.litmuschaos.io'],
    localFiles: ['chaosschedules.litmuschaos.io.yaml'],
    sha256: {
      'chaosschedules.litmuschaos.io': 'fc5fb4efb438ab96686bce0c60b8a5a8ba72a8fa0ebf2af38d3c3a2a9b5711f4',
    },
  },
  prometheusOperator: {
    url: `https://github.com/prometheus-operator/prometheus-operator/releases/download/${PROMETHEUS_OPERATOR_VERSION}/stripped-down-crds.yaml`,
    crds: [
      'prometheuses.monitoring.coreos.com',
      'alertmanagers.monitoring.coreos.com',
      'servicemonitors.monitoring.coreos.com',
      'podmonitors.monitoring.coreos.com',
      'prometheusrules.monitoring.coreos.com',
    ],
    localFiles: [
      'monitoring.coreos.com_prometheuses.yaml',
      'monitoring.coreos.com_alertmanagers.yaml',
      'monitoring.coreos.com_servicemonitors.yaml',
      'monitoring.coreos.com_podmonitors.yaml',
      'monitoring.coreos.com_prometheusrules.yaml',
    ],
    sha256: {
      'prometheuses.monitoring.coreos.com': 'a42a4cfb16656636769d94b9ac3174c221b5816304bd5ba18e3cdb6afd55ce4e',
      'alertmanagers.monitoring.coreos.com': '8d9d11a383d187fe813666467e89f5ecd3ad2a71894736739692acf031365b11',
      'servicemonitors.monitoring.coreos.com': 'cd84f531cb5e6346814966533528e173a40697d6dd96ed98f0335238a216d605',
      'podmonitors.monitoring.coreos.com': '4b2cefbd768dadf6d5ffcbed28723b3165989393f1eec72ad74710e52dd0e99c',
      'prometheusrules.monitoring.coreos.com': '8d3c56147aa3164eb21a90423a3abbf3cb530ff64fe8bca75a79d28fe059a9e7',
    },
  },
  istioNetworking: {
    url: `https://raw.githubusercontent.com/istio/istio/${ISTIO_VERSION}/manifests/charts/base/crds/crd-all.gen.yaml`,
    crds: ['destinationrules.networking.istio.io', 'gateways.networking.istio.io', 'virtualservices.networking.istio.io'],
    localFiles: ['networking.istio.io.yaml'],
    sha256: {
      'destinationrules.networking.istio.io': '4bab4c0143015bfc0f4d1c55501e578053abb3eae61b55d2ebfbc59a6e718fc8',
      'gateways.networking.istio.io': 'db7df487bc8793524c74bc1ca0349967019413ea7b082d2a443e2eb624a8683c',
      'virtualservices.networking.istio.io': '5744a62815df567d5f902c0dc8ebab5d162eadb14efb66077b65953501fec305',
    },
  },
};

/** Argo Workflows, which runs the plan for environments with `runner: argo`. */
export const ARGO_WORKFLOWS_VERSION = 'v4.1.2';

/**
 * The Argo Workflows controller the `argo` runner needs: the user's to install (with its CRDs), like the Litmus
 * CRDs; the stack never installs it. The pinned release's install manifest.
 */
export const ARGO_WORKFLOWS_INSTALL = `https://github.com/argoproj/argo-workflows/releases/download/${ARGO_WORKFLOWS_VERSION}/install.yaml`;

/**
 * The Argo CRDs the workflow layer's objects need, with their full schemas (the release's `manifests/base/crds/full`;
 * the install manifest may carry them without a schema), pinned by content as CrdSource.sha256 pins (computed from
 * the copies in `../shared/reference/crds`, which the strict schema check and `npm run verify` read).
 */
export const ARGO_WORKFLOWS_CRDS = {
  baseUrl: `https://raw.githubusercontent.com/argoproj/argo-workflows/${ARGO_WORKFLOWS_VERSION}/manifests/base/crds/full/`,
  crds: ['workflows.argoproj.io', 'workflowtemplates.argoproj.io'],
  localFiles: ['argoproj.io_workflows.yaml', 'argoproj.io_workflowtemplates.yaml'],
  sha256: {
    'workflows.argoproj.io': 'b8995fc4f148f062ab702277ce96916b54078b3fef9d7a91ad7819caa6b6345a',
    'workflowtemplates.argoproj.io': 'f84bc55a8fefe8c8df6a51d3d99d440f91f65a40d29ca685718e2e56d75c3f27',
  } as Readonly<Record<string, string>>,
} as const;
