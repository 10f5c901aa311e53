import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { type ExternalSecret, SecretContent } from '../../lib/stack';
import { assertDnsLabel, assertPinned, ValidationError } from '../../lib/validation';
import { type INamespaceRef } from '../namespace';
import { type IPodGroup } from '../network-policy';
import { type IServiceRef, type ServicePortRef } from '../target-app';
import { type Dashboard } from './dashboard';
import { metricNames } from './metrics';
import { type IPrometheusRef } from './scrape';
import { RESTRICTED_CONTAINER, restrictedPod } from '../security';
import { componentLabels, resources } from './security';
import { GRAFANA_VERSION, IMAGES } from '../../lib/versions';
import { objectsOfKind, providedMetrics } from './wiring';

/** Keys of the Grafana admin Secret. */
export interface AdminSecretKeys {
  /**
   * Key holding the admin user name.
   * @default 'admin-user'
   */
  readonly userKey?: string;
  /**
   * Key holding the admin password.
   * @default 'admin-password'
   */
  readonly passwordKey?: string;
}

/**
 * Where Grafana's admin credentials come from. There is no default password: either deployment configuration
 * passes one (a Pulumi secret) and the construct creates the Secret, or an existing Secret is referenced that the
 * operator creates before deploying (e.g. `kubectl -n monitoring create secret generic grafana-admin
 * --from-literal=admin-user=admin --from-literal=admin-password="$(openssl rand -base64 24)"`).
 */
export class GrafanaAdminCredentials {
  /** Creates the Secret `grafana-admin` from a password given by deployment configuration (at least 12 characters). */
  public static fromPassword(password: string, user = 'admin'): GrafanaAdminCredentials {
    if (typeof password !== 'string' || password.length < 12 || password.trim() !== password || /^admin$/i.test(password)) {
      throw new ValidationError('GrafanaAdminCredentials.password', '<redacted>',
        'must be at least 12 characters without surrounding spaces; pass it from deployment config (e.g. pulumi config set --secret)');
    }
    assertDnsLabel('GrafanaAdminCredentials.user', user);
    return new GrafanaAdminCredentials('grafana-admin', 'admin-user', 'admin-password', { user, password });
  }

  /** References a Secret that exists in the monitoring namespace (created outside this repository). */
  public static fromExistingSecret(secretName: string, keys: AdminSecretKeys = {}): GrafanaAdminCredentials {
    assertDnsLabel('GrafanaAdminCredentials.secretName', secretName);
    return new GrafanaAdminCredentials(secretName, keys.userKey ?? 'admin-user', keys.passwordKey ?? 'admin-password', undefined);
  }

  private constructor(
    public readonly secretName: string,
    public readonly userKey: string,
    public readonly passwordKey: string,
    /** The values to create the Secret from; undefined when the Secret exists already. */
    private readonly values: { readonly user: string; readonly password: string } | undefined,
  ) {}

  /** Whether the construct creates the Secret (true) or expects it to exist (false). */
  public get createsSecret(): boolean {
    return this.values !== undefined;
  }

  /** @internal */
  public _secretData(): Record<string, string> | undefined {
    return this.values === undefined ? undefined : { [this.userKey]: this.values.user, [this.passwordKey]: this.values.password };
  }
}

export interface GrafanaProps {
  /** The monitoring namespace. */
  readonly namespace: INamespaceRef;
  /** The Prometheus the datasource queries; the datasource URL is derived from its Service. */
  readonly prometheus: IPrometheusRef;
  /** Admin credentials (no default password exists). */
  readonly adminCredentials: GrafanaAdminCredentials;
  /**
   * Dashboards to provision (read-only, in the folder `Chaos`). The first one is the home dashboard.
   * @default []
   */
  readonly dashboards?: readonly Dashboard[];
  /**
   * Grafana image, pinned.
   * @default IMAGES.grafana
   */
  readonly image?: string;
}

/** uid of the provisioned Prometheus datasource (dashboards refer to it). */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';

const DASHBOARD_DIR = '/var/lib/grafana-dashboards';

/** Key of the admin Secret holding the key Grafana encrypts datasource secrets with (optional). */
export const GRAFANA_SECRET_KEY_KEY = 'secret-key';

/**
 * Grafana (Deployment, Service `grafana` on port 3000 named `http`) with a provisioned Prometheus datasource and
 * file-provisioned dashboards from a ConfigMap. It runs as uid 472 with a read-only root filesystem (emptyDirs
 * hold its database, plugins and temp files), no API token, sign-up and anonymous access off, and no calls home.
 *
 * Deferred checks: the datasource URL is the Prometheus Service's; every panel queries the provisioned
 * datasource; and every metric a dashboard query reads is provided by an exporter of the app (see metrics.ts) or
 * recorded by one of its PrometheusRules.
 */
export class Grafana extends Construct {
  public readonly name = 'grafana';
  public readonly service: IServiceRef;
  /** The datasource URL (the Prometheus Service's). */
  public readonly datasourceUrl: string;
  public readonly dashboards: readonly Dashboard[];
  public readonly deployment: k8s.KubeDeployment;
  /** The admin Secret, when it is referenced rather than created here: the deployment must create it first. */
  public readonly externalSecrets: readonly ExternalSecret[];
  /** Grafana's pods. */
  public readonly pods: IPodGroup;
  private readonly datasources: k8s.KubeConfigMap;

  public constructor(scope: Construct, id: string, props: GrafanaProps) {
    super(scope, id);
    const ns = props.namespace.name;
    this.dashboards = props.dashboards ?? [];
    const uids = this.dashboards.map((d) => d.uid);
    const dup = uids.find((u, i) => uids.indexOf(u) !== i);
    if (dup !== undefined) throw new ValidationError('Grafana.dashboards', dup, 'must have unique uids');
    const labels = componentLabels(this.name, GRAFANA_VERSION, 'dashboards');
    const metadata = { name: this.name, namespace: ns, labels };
    const selector = { 'app.kubernetes.io/name': this.name };
    this.pods = { name: this.name, namespace: props.namespace, podLabels: selector };
    this.datasourceUrl = serviceUrl(props.prometheus.service, 'web');

    const admin = props.adminCredentials;
    const secretData = admin._secretData();
    if (secretData !== undefined) {
      new k8s.KubeSecret(this, 'AdminSecret', { metadata: { name: admin.secretName, namespace: ns, labels }, type: 'Opaque', stringData: secretData });
    }
    this.externalSecrets = secretData !== undefined ? [] : [{
      namespace: ns,
      name: admin.secretName,
      purpose: "Grafana's admin credentials",
      keys: [
        { key: admin.userKey, holds: SecretContent.GRAFANA_ADMIN_USER, optional: false },
        { key: admin.passwordKey, holds: SecretContent.GRAFANA_ADMIN_PASSWORD, optional: false },
        { key: GRAFANA_SECRET_KEY_KEY, holds: SecretContent.GRAFANA_SECRET_KEY, optional: true },
      ],
    }];
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });

    this.datasources = new k8s.KubeConfigMap(this, 'Datasources', {
      metadata: { name: 'grafana-datasources', namespace: ns, labels },
      data: {
        'prometheus.yaml': YAML.stringify({
          apiVersion: 1,
          datasources: [{
            name: 'Prometheus', uid: PROMETHEUS_DATASOURCE_UID, type: 'prometheus', access: 'proxy',
            url: this.datasourceUrl, isDefault: true, editable: false, jsonData: { httpMethod: 'POST' },
          }],
        }),
      },
    });
    new k8s.KubeConfigMap(this, 'DashboardProviders', {
      metadata: { name: 'grafana-dashboard-providers', namespace: ns, labels },
      data: {
        'dashboards.yaml': YAML.stringify({
          apiVersion: 1,
          providers: [{
            name: 'chaos', folder: 'Chaos', type: 'file', disableDeletion: true, allowUiUpdates: false, updateIntervalSeconds: 30,
            options: { path: DASHBOARD_DIR },
          }],
        }),
      },
    });
    new k8s.KubeConfigMap(this, 'Dashboards', {
      metadata: { name: 'grafana-dashboards', namespace: ns, labels },
      data: Object.fromEntries(this.dashboards.map((d) => [`${d.uid}.json`, JSON.stringify(d.toJson(), undefined, 1)])),
    });

    const secretEnv = (name: string, key: string, optional?: boolean): k8s.EnvVar => ({
      name, valueFrom: { secretKeyRef: { name: admin.secretName, key, optional } },
    });
    const env: k8s.EnvVar[] = [
      secretEnv('GF_SECURITY_ADMIN_USER', admin.userKey),
      secretEnv('GF_SECURITY_ADMIN_PASSWORD', admin.passwordKey),
      // Key that encrypts datasource secrets in Grafana's database; without it Grafana uses a public default.
      secretEnv('GF_SECURITY_SECRET_KEY', GRAFANA_SECRET_KEY_KEY, true),
      { name: 'GF_PATHS_DATA', value: '/var/lib/grafana' },
      { name: 'GF_PATHS_PLUGINS', value: '/var/lib/grafana/plugins' },
      { name: 'GF_LOG_MODE', value: 'console' },
      { name: 'GF_USERS_ALLOW_SIGN_UP', value: 'false' },
      { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'false' },
      { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
      { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
      { name: 'GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES', value: 'false' },
      { name: 'GF_PLUGINS_PREINSTALL_DISABLED', value: 'true' },
      ...(this.dashboards[0] === undefined ? [] : [{ name: 'GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH', value: `${DASHBOARD_DIR}/${this.dashboards[0].uid}.json` }]),
    ];
    const health: k8s.Probe = { httpGet: { path: '/api/health', port: k8s.IntOrString.fromString('http') }, periodSeconds: 10, timeoutSeconds: 5 };
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        replicas: 1,
        // One pod owns the SQLite database on its emptyDir: replace it rather than run two.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: this.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(472),
            containers: [{
              name: 'grafana',
              image: assertPinned('Grafana.image', props.image ?? IMAGES.grafana),
              imagePullPolicy: 'IfNotPresent',
              env,
              ports: [{ name: 'http', containerPort: 3000, protocol: 'TCP' }],
              readinessProbe: health,
              livenessProbe: { ...health, initialDelaySeconds: 60, failureThreshold: 6 },
              resources: resources({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }),
              securityContext: RESTRICTED_CONTAINER,
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/grafana' },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources', readOnly: true },
                { name: 'dashboard-providers', mountPath: '/etc/grafana/provisioning/dashboards', readOnly: true },
                { name: 'dashboards', mountPath: DASHBOARD_DIR, readOnly: true },
              ],
            }],
            volumes: [
              { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              { name: 'datasources', configMap: { name: 'grafana-datasources' } },
              { name: 'dashboard-providers', configMap: { name: 'grafana-dashboard-providers' } },
              { name: 'dashboards', configMap: { name: 'grafana-dashboards' } },
            ],
          },
        },
      },
    });
    const ports: ServicePortRef[] = [{ name: 'http', port: 3000 }];
    new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP', selector,
        ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' })),
      },
    });
    this.service = { name: this.name, namespace: props.namespace, ports };

    this.node.addValidation({ validate: () => this.datasourceErrors(props.prometheus) });
    this.node.addValidation({ validate: () => this.dashboardErrors() });
  }

  /** Rule: the provisioned datasource URL is the URL of the Prometheus Service, as synthesized. */
  private datasourceErrors(prometheus: IPrometheusRef): string[] {
    const svc = objectsOfKind(this.node.root, 'Service').find((s) => s.metadata?.name === prometheus.service.name
      && s.metadata?.namespace === prometheus.service.namespace.name);
    const where = `Grafana datasource '${PROMETHEUS_DATASOURCE_UID}'`;
    const data = (this.datasources.toJson() as { data?: Record<string, string> }).data ?? {};
    const parsed = YAML.parse(data['prometheus.yaml'] ?? '') as { datasources?: { url?: string }[] } | null;
    const url = parsed?.datasources?.[0]?.url;
    if (svc === undefined) {
      return [`${where} points at ${String(url)}, but the app has no Service ${prometheus.service.namespace.name}/${prometheus.service.name}`];
    }
    const web = ((svc.spec?.ports ?? []) as { name?: string; port?: number }[]).find((p) => p.name === 'web');
    if (web?.port === undefined) {
      return [`${where}: Service ${prometheus.service.namespace.name}/${prometheus.service.name} has no port named 'web'`];
    }
    const expected = `http://${prometheus.service.name}.${prometheus.service.namespace.name}.svc:${web.port}`;
    return url === expected ? [] : [`${where} URL is ${String(url)}, but the Prometheus Service is at ${expected}`];
  }

  /** Rules: panels query the provisioned datasource, and only metrics some exporter or recording rule of the app provides. */
  private dashboardErrors(): string[] {
    const { exporters, metrics: provided } = providedMetrics(this.node.root);
    const errors: string[] = [];
    for (const d of this.dashboards) {
      if (d.datasourceUid !== PROMETHEUS_DATASOURCE_UID) {
        errors.push(`Dashboard '${d.title}' queries datasource '${d.datasourceUid}', but Grafana provisions only '${PROMETHEUS_DATASOURCE_UID}'`);
      }
      for (const q of d.queries) {
        for (const m of metricNames(q.expr)) {
          if (!provided.has(m)) {
            errors.push(`Dashboard '${d.title}' panel '${q.panel}' queries metric '${m}', which no exporter or recording rule of the stack`
              + ` provides (exporters: ${exporters.length > 0 ? exporters.join(', ') : 'none'})`);
          }
        }
      }
    }
    return errors;
  }
}

/** `http://<service>.<namespace>.svc:<port>` for the named port of a Service reference. */
export function serviceUrl(service: IServiceRef, portName: string): string {
  const port = service.ports.find((p) => p.name === portName);
  if (port === undefined) {
    throw new ValidationError(`Service ${service.namespace.name}/${service.name} port`, portName,
      `must be one of its ports (${service.ports.map((p) => p.name).join(', ')})`);
  }
  return `http://${service.name}.${service.namespace.name}.svc:${port.port}`;
}
