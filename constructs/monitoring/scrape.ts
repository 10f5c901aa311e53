import { type Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ServiceMonitor, type ServiceMonitorSpecEndpoints, ServiceMonitorSpecEndpointsMetricRelabelingsAction, ServiceMonitorSpecEndpointsScheme,
} from '../../lib/imports/monitoring-monitoring.coreos.com';
import { assertDnsLabel, durationMillis, ValidationError } from '../../lib/validation';
import { type INamespaceRef } from '../namespace';
import { type IServiceRef } from '../target-app';
import { type IScrapeableService, type ObjectJson, serviceMonitorErrors, servicesOf } from './wiring';

/** What scrape objects need to know about the Prometheus that is to pick them up. */
export interface IPrometheusRef {
  /** The Prometheus CR's name. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: INamespaceRef;
  /** Labels a ServiceMonitor must carry to be selected. */
  readonly serviceMonitorLabels: Readonly<Record<string, string>>;
  /** Labels a PrometheusRule must carry to be selected. */
  readonly ruleLabels: Readonly<Record<string, string>>;
  /** The Service in front of Prometheus (port `web`): what Grafana queries. */
  readonly service: IServiceRef;
}

/** Path of the ServiceAccount token and CA inside a pod, for scraping the kubelet and API server. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How Prometheus authenticates to an HTTPS endpoint of the cluster (kubelet, API server). */
export interface ClusterTls {
  /**
   * Server name to verify the certificate against.
   * @default - the target's address
   */
  readonly serverName?: string;
  /**
   * Skip certificate verification. Kubelet serving certificates are often self-signed; only the kubelet
   * scrape sets this.
   * @default false
   */
  readonly insecureSkipVerify?: boolean;
}

/** One endpoint of a scrape: a named Service port and how to scrape it. */
export interface ScrapeEndpoint {
  /** Name of the Service port (not a number: the wiring check verifies the Service has it). */
  readonly port: string;
  /**
   * HTTP path.
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * Scrape interval.
   * @default - the Prometheus's scrapeInterval
   */
  readonly interval?: Duration;
  /**
   * Scrape over HTTPS with the pod's ServiceAccount CA and token (cluster components).
   * @default - plain HTTP, no credentials
   */
  readonly clusterTls?: ClusterTls;
  /**
   * Keep the target's own labels on conflict (exporters that report other objects' labels).
   * @default false
   */
  readonly honorLabels?: boolean;
  /**
   * Metric name regex to keep; others are dropped at scrape.
   * @default - keep every metric
   */
  readonly keepMetrics?: string;
}

export interface ServiceScrapeProps {
  /** The Service to scrape. */
  readonly service: IScrapeableService;
  /** The Prometheus that is to select this scrape; its ServiceMonitor labels are added. */
  readonly prometheus: IPrometheusRef;
  /** The endpoints to scrape (at least one). */
  readonly endpoints: readonly ScrapeEndpoint[];
  /**
   * The ServiceMonitor's name.
   * @default - the Service's name
   */
  readonly name?: string;
  /**
   * Where the ServiceMonitor object lives.
   * @default - the Service's namespace
   */
  readonly namespace?: INamespaceRef;
  /**
   * Which of the Service's labels the selector matches on.
   * @default - all of them
   */
  readonly selectorLabelKeys?: readonly string[];
  /**
   * Service label whose value becomes the `job` label.
   * @default - the Service's name
   */
  readonly jobLabel?: string;
}

/**
 * A ServiceMonitor derived from a Service reference: its selector comes from the Service's labels, its
 * namespace selector from the Service's namespace, and it carries the labels the Prometheus selects. A deferred
 * check verifies, against every Service of the app, that the selector matches a Service in a watched namespace
 * and that each endpoint's port exists on it.
 */
export class ServiceScrape extends Construct {
  public readonly name: string;
  public readonly namespace: INamespaceRef;
  public readonly apiObject: ServiceMonitor;

  public constructor(scope: Construct, id: string, props: ServiceScrapeProps) {
    super(scope, id);
    this.name = assertDnsLabel('ServiceScrape.name', props.name ?? props.service.name);
    this.namespace = props.namespace ?? props.service.namespace;
    if (props.endpoints.length === 0) {
      throw new ValidationError('ServiceScrape.endpoints', [], 'must list at least one endpoint (a named port of the Service)');
    }
    const keys = props.selectorLabelKeys ?? Object.keys(props.service.labels);
    const matchLabels: Record<string, string> = {};
    for (const k of keys) {
      const v = props.service.labels[k];
      if (v === undefined) {
        throw new ValidationError('ServiceScrape.selectorLabelKeys', k,
          `must be labels of Service ${props.service.namespace.name}/${props.service.name} (${Object.keys(props.service.labels).join(', ')})`);
      }
      matchLabels[k] = v;
    }
    if (Object.keys(matchLabels).length === 0) {
      throw new ValidationError('ServiceScrape.selectorLabelKeys', keys, 'must select on at least one label; an empty selector scrapes every Service');
    }
    this.apiObject = new ServiceMonitor(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace.name,
        labels: { 'app.kubernetes.io/name': props.service.name, ...props.prometheus.serviceMonitorLabels },
      },
      spec: {
        jobLabel: props.jobLabel,
        selector: { matchLabels },
        namespaceSelector: { matchNames: [props.service.namespace.name] },
        endpoints: props.endpoints.map((e, i) => renderEndpoint(e, i)),
      },
    });
    this.node.addValidation({ validate: () => serviceMonitorErrors(this.apiObject.toJson() as ObjectJson, servicesOf(this.node.root)) });
  }
}

function renderEndpoint(e: ScrapeEndpoint, i: number): ServiceMonitorSpecEndpoints {
  const interval = e.interval === undefined ? undefined : `${intervalSeconds(`ServiceScrape.endpoints[${i}].interval`, e.interval)}s`;
  const tls = e.clusterTls;
  return {
    port: e.port,
    path: e.path ?? '/metrics',
    interval,
    honorLabels: e.honorLabels,
    scheme: tls ? ServiceMonitorSpecEndpointsScheme.HTTPS : ServiceMonitorSpecEndpointsScheme.HTTP,
    bearerTokenFile: tls ? `${SERVICE_ACCOUNT_DIR}/token` : undefined,
    tlsConfig: tls ? {
      caFile: `${SERVICE_ACCOUNT_DIR}/ca.crt`,
      serverName: tls.serverName,
      insecureSkipVerify: tls.insecureSkipVerify,
    } : undefined,
    metricRelabelings: e.keepMetrics === undefined ? undefined : [{
      sourceLabels: ['__name__'], regex: e.keepMetrics, action: ServiceMonitorSpecEndpointsMetricRelabelingsAction.KEEP,
    }],
  };
}

/** Whole seconds of a scrape interval (at least 1 s). */
export function intervalSeconds(field: string, d: Duration): number {
  const ms = durationMillis(field, d);
  if (!Number.isInteger(ms) || ms < 1000 || ms % 1000 !== 0) {
    throw new ValidationError(field, d, 'must be a whole number of seconds, at least 1 s');
  }
  return ms / 1000;
}
