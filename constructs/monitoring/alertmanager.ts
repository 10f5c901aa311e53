import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import {
  Alertmanager, AlertmanagerSpecResourcesLimits, AlertmanagerSpecResourcesRequests,
} from '../../lib/imports/monitoring-monitoring.coreos.com';
import { assertDnsLabel, assertIntegerInRange, assertPinned, durationMillis, ValidationError } from '../../lib/validation';
import { type INamespaceRef } from '../namespace';
import { type IPodGroup } from '../network-policy';
import { type IServiceRef, type ServicePortRef } from '../target-app';
import { type IAlertmanagerRef } from './prometheus';
import { componentLabels } from './security';
import { ALERTMANAGER_VERSION, IMAGES } from '../../lib/versions';
import { restrictedPod } from '../security';

/** Alert severities the stack's rules use. */
export enum Severity {
  WARNING = 'warning',
  CRITICAL = 'critical',
}

/** Options common to every receiver. */
export interface ReceiverOptions {
  /**
   * Only alerts of this severity go to the receiver (others go to the default, first, receiver).
   * @default - the receiver gets what the route tree gives it: everything for the first receiver, nothing otherwise
   */
  readonly severity?: Severity;
  /**
   * Also notify when an alert resolves.
   * @default true
   */
  readonly sendResolved?: boolean;
}

/**
 * Where Alertmanager sends notifications. The values passed here (a webhook or Slack URL) are credentials: they
 * come from deployment configuration (a Pulumi secret), are rendered into the Alertmanager configuration Secret
 * and never belong in the repository.
 */
export class AlertReceiver {
  /** An HTTP(S) webhook receiving Alertmanager's JSON payload. */
  public static webhook(name: string, url: string, options: ReceiverOptions = {}): AlertReceiver {
    assertUrl(`AlertReceiver '${name}' url`, url);
    return new AlertReceiver(name, options, { webhook_configs: [{ url, send_resolved: options.sendResolved ?? true }] }, [url]);
  }

  /** A Slack incoming webhook. */
  public static slack(name: string, apiUrl: string, channel: string, options: ReceiverOptions = {}): AlertReceiver {
    assertUrl(`AlertReceiver '${name}' apiUrl`, apiUrl);
    if (!/^[#@][^\s]+$/.test(channel)) {
      throw new ValidationError(`AlertReceiver '${name}' channel`, channel, "must be a Slack channel ('#name') or user ('@name')");
    }
    return new AlertReceiver(name, options, {
      slack_configs: [{ api_url: apiUrl, channel, send_resolved: options.sendResolved ?? true }],
    }, [apiUrl]);
  }

  /** A receiver that drops notifications (alerts stay visible in Alertmanager and Prometheus). */
  public static discard(name: string, options: Omit<ReceiverOptions, 'sendResolved'> = {}): AlertReceiver {
    return new AlertReceiver(name, options, {});
  }

  private constructor(
    public readonly name: string,
    public readonly options: ReceiverOptions,
    private readonly config: Record<string, unknown>,
    private readonly urls: readonly string[] = [],
  ) {
    assertDnsLabel('AlertReceiver.name', name);
  }

  /**
   * Where the receiver sends notifications, for network policies: the port of each URL (the host stays in the
   * configuration Secret; it may carry a credential). None for a discarding receiver.
   */
  public get destinationPorts(): readonly number[] {
    return this.urls.map((u) => {
      const url = new URL(u);
      return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    });
  }

  /** The receiver as it appears in alertmanager.yaml. */
  public render(): Record<string, unknown> {
    return { name: this.name, ...this.config };
  }
}

function assertUrl(field: string, url: string): void {
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    ok = false;
  }
  if (!ok) throw new ValidationError(field, '<redacted>', 'must be an absolute http(s) URL');
}

export interface AlertmanagerServerProps {
  /** The monitoring namespace. */
  readonly namespace: INamespaceRef;
  /**
   * Receivers, from deployment configuration. The first is the default route's receiver; receivers with a
   * `severity` also get the alerts of that severity.
   */
  readonly receivers: readonly AlertReceiver[];
  /**
   * Name of the Alertmanager CR.
   * @default 'main'
   */
  readonly name?: string;
  /**
   * Alertmanager image, pinned; its tag must be the CR's `version`.
   * @default IMAGES.alertmanager
   */
  readonly image?: string;
  /**
   * Number of Alertmanager pods (they gossip to deduplicate).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * How long to wait before re-sending a firing alert.
   * @default Duration.hours(4)
   */
  readonly repeatInterval?: Duration;
}

/**
 * An Alertmanager CR with its configuration Secret (`alertmanager.yaml` built from typed receivers), its own
 * ServiceAccount (no API access) and a Service (port `web`, 9093) that Prometheus sends alerts to.
 */
export class AlertmanagerServer extends Construct implements IAlertmanagerRef {
  public readonly name: string;
  public readonly service: IServiceRef;
  /** The rendered alertmanager.yaml (what `amtool check-config` checks). */
  public readonly configYaml: string;
  public readonly apiObject: Alertmanager;
  /** The Alertmanager pods (prometheus-operator labels them as the Service selects them). */
  public readonly pods: IPodGroup;
  /** The port the Alertmanager container serves its API on (prometheus-operator's `web`). */
  public readonly webPort = 9093;
  /** The port replicas gossip on (TCP and UDP), when there are several. */
  public readonly clusterPort = 9094;
  public readonly replicas: number;
  /** The receivers, for network policies (their destination ports). */
  public readonly receivers: readonly AlertReceiver[];

  public constructor(scope: Construct, id: string, props: AlertmanagerServerProps) {
    super(scope, id);
    this.name = assertDnsLabel('AlertmanagerServer.name', props.name ?? 'main');
    const ns = props.namespace.name;
    const fullName = `alertmanager-${this.name}`;
    if (props.receivers.length === 0) {
      throw new ValidationError('AlertmanagerServer.receivers', [], 'must list at least one receiver; the first is the default');
    }
    const names = props.receivers.map((r) => r.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) {
      throw new ValidationError('AlertmanagerServer.receivers', dup, 'must have unique names');
    }
    const image = assertPinned('AlertmanagerServer.image', props.image ?? IMAGES.alertmanager);
    if (!image.endsWith(`:${ALERTMANAGER_VERSION}`)) {
      throw new ValidationError('AlertmanagerServer.image', image, `must be pinned to the tag '${ALERTMANAGER_VERSION}' (the CR's version)`);
    }
    const replicas = assertIntegerInRange('AlertmanagerServer.replicas', props.replicas ?? 1, 1, 5);
    this.replicas = replicas;
    this.receivers = props.receivers;
    const repeatMinutes = durationMillis('AlertmanagerServer.repeatInterval', props.repeatInterval ?? Duration.hours(4)) / 60_000;
    if (!Number.isInteger(repeatMinutes) || repeatMinutes < 1) {
      throw new ValidationError('AlertmanagerServer.repeatInterval', props.repeatInterval, 'must be a whole number of minutes, at least 1');
    }

    const [first] = props.receivers;
    const routes = props.receivers.filter((r) => r.options.severity !== undefined).map((r) => ({
      receiver: r.name,
      matchers: [`severity="${r.options.severity}"`],
      continue: true,
    }));
    const config = {
      route: {
        receiver: first?.name,
        group_by: ['alertname', 'namespace'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: repeatMinutes % 60 === 0 ? `${repeatMinutes / 60}h` : `${repeatMinutes}m`,
        routes: routes.length > 0 ? routes : undefined,
      },
      // A critical alert silences the warnings of the same alert name and namespace.
      inhibit_rules: [{
        source_matchers: [`severity="${Severity.CRITICAL}"`],
        target_matchers: [`severity="${Severity.WARNING}"`],
        equal: ['alertname', 'namespace'],
      }],
      receivers: props.receivers.map((r) => r.render()),
    };
    this.configYaml = YAML.stringify(config);

    const labels = componentLabels('alertmanager', ALERTMANAGER_VERSION, 'alerting');
    const metadata = { name: fullName, namespace: ns, labels };
    const configSecret = `${fullName}-config`;
    new k8s.KubeSecret(this, 'ConfigSecret', {
      metadata: { name: configSecret, namespace: ns, labels },
      type: 'Opaque',
      stringData: { 'alertmanager.yaml': this.configYaml },
    });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    this.apiObject = new Alertmanager(this, 'Resource', {
      metadata: { name: this.name, namespace: ns, labels },
      spec: {
        version: ALERTMANAGER_VERSION,
        image,
        replicas,
        configSecret,
        serviceAccountName: fullName,
        automountServiceAccountToken: false,
        podMetadata: { labels },
        resources: {
          requests: { cpu: AlertmanagerSpecResourcesRequests.fromString('10m'), memory: AlertmanagerSpecResourcesRequests.fromString('64Mi') },
          limits: { memory: AlertmanagerSpecResourcesLimits.fromString('128Mi') },
        },
        securityContext: restrictedPod(1000, { gid: 2000 }),
      },
    });
    const ports: ServicePortRef[] = [{ name: 'web', port: this.webPort }];
    const podLabels = { 'app.kubernetes.io/name': 'alertmanager', 'alertmanager': this.name };
    this.pods = { name: fullName, namespace: props.namespace, podLabels };
    new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: podLabels,
        ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString('web'), protocol: 'TCP' })),
      },
    });
    this.service = { name: fullName, namespace: props.namespace, ports };
  }
}
