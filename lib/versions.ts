/**
 * Every pinned third-party version and image of the stack, in one place. Bumping Litmus or an image is a
 * one-line change here, reviewed through the manifest snapshots.
 */

/** The LitmusChaos release the stack targets (operator, runner, experiments, exporter, scheduler). */
export const LITMUS_VERSION = '3.31.0';

/** prometheus-operator release whose CRDs the monitoring constructs are typed against. */
export const PROMETHEUS_OPERATOR_VERSION = 'v0.93.0';

/** Container images, each pinned to a tag (never `:latest`). */
export const IMAGES = {
  chaosOperator: `docker.io/litmuschaos/chaos-operator:${LITMUS_VERSION}`,
  chaosRunner: `docker.io/litmuschaos/chaos-runner:${LITMUS_VERSION}`,
  goRunner: `docker.io/litmuschaos/go-runner:${LITMUS_VERSION}`,
  chaosExporter: `docker.io/litmuschaos/chaos-exporter:${LITMUS_VERSION}`,
  /** nginx built to run as an unprivileged user (uid 101) listening on 8080. */
  nginxUnprivileged: 'docker.io/nginxinc/nginx-unprivileged:1.29.3-alpine',
  /** kubectl for the CronJob that re-arms a ChaosEngine. */
  kubectl: 'registry.k8s.io/kubectl:v1.33.5',
} as const;

/** Where a third-party CRD set comes from: the pinned upstream release, and the CRD names it must establish. */
export interface CrdSource {
  /** Pinned upstream URL of the release manifest that contains the CRDs. */
  readonly url: string;
  /** The CRDs (metadata.name) a deployment step must install and wait for before applying our objects. */
  readonly crds: readonly string[];
  /** File names of the same CRDs in a local folder (for tests, CI and air-gapped installs). */
  readonly localFiles: readonly string[];
}

/**
 * The third-party CRDs the stack needs, installed before any object of theirs. They are not copied into this
 * repository: a deployment step fetches the pinned URL (or reads a local folder) and applies only the
 * CustomResourceDefinition documents.
 */
export const CRD_SOURCES: Readonly<Record<'litmus' | 'litmusScheduler' | 'prometheusOperator', CrdSource>> = {
  litmus: {
    url: `https://litmuschaos.github.io/litmus/litmus-operator-v${LITMUS_VERSION}.yaml`,
    crds: ['chaosengines.litmuschaos.io', 'chaosexperiments.litmuschaos.io', 'chaosresults.litmuschaos.io'],
    localFiles: ['chaosengines.litmuschaos.io.yaml', 'chaosexperiments.litmuschaos.io.yaml', 'chaosresults.litmuschaos.io.yaml'],
  },
  litmusScheduler: {
    url: `https://litmuschaos.github.io/litmus/chaos-scheduler-v${LITMUS_VERSION}.yaml`,
    crds: ['chaosschedules.litmuschaos.io'],
    localFiles: ['chaosschedules.litmuschaos.io.yaml'],
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
  },
};
