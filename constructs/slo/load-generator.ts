import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { assertDnsLabel, assertIntegerInRange, assertPinned, ValidationError, wholeSeconds } from '../../lib/validation';
import { Exporter, type IMetricsSource, METRICS_SOURCE } from '../monitoring/metrics';
import { type INamespaceRef } from '../namespace';
import { type IPodGroup } from '../network-policy';
import { type IServiceRef, servicePort } from '../target-app';
import { IMAGES } from '../../lib/versions';
import { RESTRICTED_CONTAINER, restrictedPod } from '../security';

/** Where the load generator pushes its metrics (a Prometheus remote-write receiver). */
export interface IRemoteWriteTarget {
  /** Base URL of the Prometheus the SLO is measured with, e.g. http://prometheus.monitoring.svc:9090. */
  readonly url: string;
  /** Whether that Prometheus accepts remote writes; `false` is rejected (the load's metrics would be lost). */
  readonly remoteWriteReceiver?: boolean;
}

export interface LoadGeneratorProps {
  /** The Service the load is sent to. */
  readonly target: IServiceRef;
  /** Namespace the load Job runs in. */
  readonly namespace: INamespaceRef;
  /** Prometheus whose remote-write receiver stores k6's metrics. */
  readonly prometheus: IRemoteWriteTarget;
  /** Name of the Job and ConfigMap; also the `testid` label on every k6 series. */
  readonly name: string;
  /**
   * Concurrent virtual users.
   * @default 200 (the workshop's load test)
   */
  readonly virtualUsers?: number;
  /**
   * How long the load runs; make it cover the experiment.
   * @default Duration.seconds(60)
   */
  readonly duration?: Duration;
  /**
   * The Service port; must be one the Service exposes.
   * @default - the Service's first port
   */
  readonly port?: number;
  /**
   * Path requested with GET.
   * @default '/'
   */
  readonly path?: string;
  /**
   * k6 image, pinned.
   * @default IMAGES.k6
   */
  readonly image?: string;
}

/**
 * A k6 load test that runs beside an experiment: a Job sending GET requests from N virtual users to a Service for
 * the experiment's duration, pushing its metrics (`k6_http_reqs_total`, `k6_http_req_duration_p95`, …, labelled
 * `testid=<name>`) to Prometheus through remote write, where an SLO's probe and alert read them.
 */
export class LoadGenerator extends Construct implements IMetricsSource {
  public readonly [METRICS_SOURCE] = true as const;
  public readonly exporters: readonly Exporter[] = [Exporter.K6];
  public readonly name: string;
  public readonly testId: string;
  public readonly durationSeconds: number;
  public readonly virtualUsers: number;
  public readonly url: string;
  /** Every load generator's pods (one group per namespace), for network policies. */
  public readonly pods: IPodGroup;
  /** The Service the load goes to, and its port. */
  public readonly target: { readonly service: IServiceRef; readonly port: number };

  public constructor(scope: Construct, id: string, props: LoadGeneratorProps) {
    super(scope, id);
    this.name = assertDnsLabel('LoadGenerator.name', props.name);
    this.testId = this.name;
    this.virtualUsers = assertIntegerInRange('LoadGenerator.virtualUsers', props.virtualUsers ?? 200, 1, 5000);
    this.durationSeconds = wholeSeconds('LoadGenerator.duration', props.duration ?? Duration.seconds(60));
    const port = servicePort('LoadGenerator.port', props.target, props.port);
    const path = props.path ?? '/';
    if (!path.startsWith('/')) throw new ValidationError('LoadGenerator.path', path, "must start with '/'");
    if (props.prometheus.remoteWriteReceiver === false) {
      throw new ValidationError('LoadGenerator.prometheus', props.prometheus.url,
        'must accept remote writes (enable its remote-write receiver), or the load\'s metrics are lost');
    }
    let prometheus: URL;
    try {
      prometheus = new URL(props.prometheus.url);
    } catch {
      throw new ValidationError('LoadGenerator.prometheus.url', props.prometheus.url, 'must be an absolute http:// or https:// URL');
    }
    this.url = `http://${props.target.name}.${props.target.namespace.name}.svc.cluster.local:${port}${path}`;
    const image = assertPinned('LoadGenerator.image', props.image ?? IMAGES.k6);
    const groupLabels = { 'app.kubernetes.io/name': 'k6', 'app.kubernetes.io/part-of': 'chaos-stack' };
    this.pods = { name: 'k6-load', namespace: props.namespace, podLabels: groupLabels };
    this.target = { service: props.target, port };
    const metadata = {
      name: this.name, namespace: props.namespace.name,
      labels: { ...groupLabels, 'chaos-stack/load-test': this.testId },
    };
    new k8s.KubeConfigMap(this, 'Script', {
      metadata,
      data: {
        // Our own k6 script: constant virtual users, one GET per iteration; the SLO is judged in Prometheus.
        'load.js': [
          "import http from 'k6/http';",
          'export const options = { vus: Number(__ENV.VUS), duration: __ENV.DURATION, discardResponseBodies: true };',
          'export default function () { http.get(__ENV.TARGET_URL, { timeout: __ENV.REQUEST_TIMEOUT }); }',
          '',
        ].join('\n'),
      },
    });
    new k8s.KubeJob(this, 'Resource', {
      // The load must run beside the chaos: a deployment tool must not wait for the Job to finish first.
      metadata: { ...metadata, annotations: { 'pulumi.com/skipAwait': 'true' } },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: this.durationSeconds + 120,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels: metadata.labels },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: restrictedPod(12345, { fsGroup: false }),
            containers: [{
              name: 'k6',
              image,
              imagePullPolicy: 'IfNotPresent',
              args: ['run', '--quiet', '--out', 'experimental-prometheus-rw', '--tag', `testid=${this.testId}`, '/scripts/load.js'],
              env: [
                { name: 'TARGET_URL', value: this.url },
                { name: 'VUS', value: String(this.virtualUsers) },
                { name: 'DURATION', value: `${this.durationSeconds}s` },
                { name: 'REQUEST_TIMEOUT', value: '5s' },
                { name: 'K6_PROMETHEUS_RW_SERVER_URL', value: new URL('/api/v1/write', prometheus).toString() },
                { name: 'K6_PROMETHEUS_RW_TREND_STATS', value: 'p(95),p(99)' },
                { name: 'K6_PROMETHEUS_RW_PUSH_INTERVAL', value: '5s' },
              ],
              resources: {
                requests: { cpu: k8s.Quantity.fromString('250m'), memory: k8s.Quantity.fromString('128Mi') },
                limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('512Mi') },
              },
              securityContext: RESTRICTED_CONTAINER,
              volumeMounts: [{ name: 'script', mountPath: '/scripts', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [
              { name: 'script', configMap: { name: this.name } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ],
          },
        },
      },
    });
  }
}
