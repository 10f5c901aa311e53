import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { GrafanaAdminCredentials } from '../../constructs/monitoring/grafana';
import { find, ofKind, stackFixture } from './fixture';

describe('Grafana', () => {
  test('takes the admin password from an existing Secret when none is given, and creates no Secret', () => {
    // GIVEN the cdk8s-only case: no password in config
    const { chart } = stackFixture({ grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret('grafana-admin') });
    // WHEN
    const manifest = Testing.synth(chart);
    // THEN
    expect(ofKind(manifest, 'Secret').map((s) => s.metadata.name)).toEqual(['alertmanager-main-config']);
    const env = find(manifest, 'Deployment', 'grafana', 'monitoring').spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([
      { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-user' } } },
      { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-password' } } },
      { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'false' },
    ]));
    expect(env.filter((e: any) => e.value !== undefined && /PASSWORD/.test(e.name))).toEqual([]);
  });

  test('creates the admin Secret from a password passed by deployment config', () => {
    const { chart } = stackFixture({ grafanaAdmin: GrafanaAdminCredentials.fromPassword('from-pulumi-secret-config') });
    const secret = find(Testing.synth(chart), 'Secret', 'grafana-admin', 'monitoring');
    expect(secret.stringData).toEqual({ 'admin-user': 'admin', 'admin-password': 'from-pulumi-secret-config' });
  });

  test('throws on a short or default password without echoing it', () => {
    expect(() => GrafanaAdminCredentials.fromPassword('admin')).toThrow(
      "Invalid GrafanaAdminCredentials.password: '<redacted>'; must be at least 12 characters without surrounding spaces");
    expect(() => GrafanaAdminCredentials.fromPassword('short')).toThrow(/<redacted>/);
  });

  test('runs non-root with a read-only root filesystem, writable emptyDirs and no API token', () => {
    const dep = find(Testing.synth(stackFixture().chart), 'Deployment', 'grafana', 'monitoring');
    const pod = dep.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 472 });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.containers[0].image).toBe('docker.io/grafana/grafana:12.4.0');
    expect(pod.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name)).toEqual(['data', 'tmp']);
  });

  test('provisions the Prometheus datasource and the chaos dashboard from ConfigMaps', () => {
    const manifest = Testing.synth(stackFixture().chart);
    const ds = YAML.parse(find(manifest, 'ConfigMap', 'grafana-datasources').data['prometheus.yaml']);
    expect(ds.datasources[0]).toMatchObject({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus-k8s.monitoring.svc:9090', isDefault: true });
    const providers = YAML.parse(find(manifest, 'ConfigMap', 'grafana-dashboard-providers').data['dashboards.yaml']);
    expect(providers.providers[0].options.path).toBe('/var/lib/grafana-dashboards');
    const dashboards = find(manifest, 'ConfigMap', 'grafana-dashboards').data;
    expect(Object.keys(dashboards)).toEqual(['node-pod-chaos-metrics.json']);
    expect(JSON.parse(dashboards['node-pod-chaos-metrics.json']).title).toBe('Node and Pod Chaos Metrics');
    const mounts = find(manifest, 'Deployment', 'grafana').spec.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/etc/grafana/provisioning/datasources', '/etc/grafana/provisioning/dashboards', '/var/lib/grafana-dashboards']));
    expect(find(manifest, 'Service', 'grafana', 'monitoring').spec.ports).toEqual([{ name: 'http', port: 3000, targetPort: 'http', protocol: 'TCP' }]);
  });
});
