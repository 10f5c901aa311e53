import { Testing } from 'cdk8s';
import { CRD_SOURCES } from '../../lib/versions';
import { PrometheusOperator } from '../../constructs/monitoring/operator';
import { IMAGES } from '../../lib/versions';
import { MonitoringStack } from '../../constructs/monitoring/stack';
import { find, fixture, ofKind, stackFixture, stackProps } from './fixture';

describe('MonitoringStack', () => {
  test('synthesizes the operator, Prometheus, Alertmanager, exporters, rules and Grafana', () => {
    // GIVEN / WHEN
    const { chart } = stackFixture();
    const manifest = Testing.synth(chart);
    // THEN
    expect(manifest).toMatchSnapshot();
    expect(find(manifest, 'Deployment', 'prometheus-operator', 'monitoring')).toBeDefined();
    expect(find(manifest, 'Prometheus', 'k8s', 'monitoring')).toBeDefined();
    expect(find(manifest, 'Alertmanager', 'main', 'monitoring')).toBeDefined();
    expect(find(manifest, 'DaemonSet', 'node-exporter', 'monitoring-node')).toBeDefined();
    expect(find(manifest, 'Deployment', 'kube-state-metrics', 'monitoring')).toBeDefined();
    expect(find(manifest, 'Deployment', 'chaos-exporter', 'litmus')).toBeDefined();
    expect(find(manifest, 'Deployment', 'grafana', 'monitoring')).toBeDefined();
    expect(ofKind(manifest, 'ServiceMonitor').map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      'litmus/chaos-exporter', 'monitoring-node/node-exporter', 'monitoring/apiserver', 'monitoring/kube-state-metrics', 'monitoring/kubelet',
    ]);
    expect(ofKind(manifest, 'PrometheusRule').map((o) => o.metadata.name).sort()).toEqual(['chaos-rules', 'node-rules']);
  });

  test('pins every image to a tag and never uses latest', () => {
    const manifest = Testing.synth(stackFixture().chart);
    const images: string[] = [];
    for (const o of manifest.filter((m) => m.metadata?.namespace !== 'testing')) {
      for (const c of o.spec?.template?.spec?.containers ?? []) images.push(c.image);
      if (o.spec?.image) images.push(o.spec.image);
      for (const a of o.spec?.template?.spec?.containers?.[0]?.args ?? []) {
        if (String(a).startsWith('--prometheus-config-reloader=')) images.push(String(a).split('=')[1]);
      }
    }
    expect(images).toHaveLength(8);
    for (const image of images) {
      expect(image).toMatch(/:[vV]?\d+\.\d+\.\d+$/);
      expect(image).not.toMatch(/:latest$/);
    }
    expect(images).toEqual(expect.arrayContaining([
      IMAGES.prometheusOperator, IMAGES.prometheus, IMAGES.alertmanager, IMAGES.grafana,
      IMAGES.nodeExporter, IMAGES.kubeStateMetrics, 'docker.io/litmuschaos/chaos-exporter:3.31.0',
      'quay.io/prometheus-operator/prometheus-config-reloader:v0.93.0',
    ]));
  });

  test('keeps node-exporter alone in a privileged namespace of its own, so monitoring can enforce restricted', () => {
    const manifest = Testing.synth(stackFixture().chart);
    const level = (ns: string) => find(manifest, 'Namespace', ns).metadata.labels['pod-security.kubernetes.io/enforce'];
    expect(level('monitoring')).toBe('restricted');
    expect(level('monitoring-node')).toBe('privileged');
    const inNodeNamespace = manifest.filter((o) => o.metadata?.namespace === 'monitoring-node').map((o) => `${o.kind}/${o.metadata.name}`);
    expect(inNodeNamespace.sort()).toEqual(['DaemonSet/node-exporter', 'Service/node-exporter', 'ServiceAccount/node-exporter', 'ServiceMonitor/node-exporter']);
    const f = fixture();
    expect(() => new MonitoringStack(f.chart, 'M', stackProps(f, { nodeExporterNamespace: f.monitoring }))).toThrow(
      "Invalid MonitoringStack.nodeExporterNamespace: 'monitoring'; must be a namespace of its own (not 'monitoring' or 'litmus'): "
      + 'it is the only one that must allow privileged pods.');
  });

  test('runs every pod except node-exporter under the restricted Pod Security rules', () => {
    const manifest = Testing.synth(stackFixture().chart);
    const workloads = [...ofKind(manifest, 'Deployment'), ...ofKind(manifest, 'DaemonSet')]
      .filter((o) => o.metadata.namespace !== 'testing');
    expect(workloads).toHaveLength(5);
    for (const w of workloads) {
      const pod = w.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      for (const c of pod.containers) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
        });
        expect(c.resources.limits.memory).toBeDefined();
      }
      const host = pod.hostNetwork === true || pod.hostPID === true || (pod.volumes ?? []).some((v: any) => v.hostPath !== undefined);
      expect(host).toBe(w.metadata.name === 'node-exporter');
    }
    // The CRs' pods: non-root with seccomp.
    for (const kind of ['Prometheus', 'Alertmanager']) {
      expect(ofKind(manifest, kind)[0].spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    }
  });

  test('gives every component its own ServiceAccount and read-only RBAC where it only reads', () => {
    const manifest = Testing.synth(stackFixture().chart);
    const readOnly = ['get', 'list', 'watch'];
    for (const name of ['prometheus-k8s-monitoring', 'kube-state-metrics-monitoring']) {
      for (const rule of find(manifest, 'ClusterRole', name).rules) {
        for (const verb of rule.verbs) expect(readOnly).toContain(verb);
      }
    }
    const exporterRole = find(manifest, 'Role', 'chaos-exporter', 'litmus');
    expect(exporterRole.rules).toEqual([
      { apiGroups: ['litmuschaos.io'], resources: ['chaosengines', 'chaosresults', 'chaosexperiments'], verbs: readOnly },
      { apiGroups: [''], resources: ['events'], verbs: readOnly },
    ]);
    expect(find(manifest, 'RoleBinding', 'chaos-exporter', 'litmus').subjects).toEqual([{ kind: 'ServiceAccount', name: 'chaos-exporter', namespace: 'litmus' }]);
    const operatorVerbs = find(manifest, 'ClusterRole', 'prometheus-operator-monitoring').rules.flatMap((r: any) => r.verbs);
    expect(operatorVerbs).not.toContain('*');
    const accounts = ofKind(manifest, 'ServiceAccount').map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(accounts).toEqual(expect.arrayContaining([
      'monitoring/prometheus-operator', 'monitoring/prometheus-k8s', 'monitoring/alertmanager-main', 'monitoring-node/node-exporter',
      'monitoring/kube-state-metrics', 'litmus/chaos-exporter', 'monitoring/grafana',
    ]));
  });

  test('the chaos-exporter serves port 8080 named tcp in the chaos namespace and is scraped there', () => {
    const manifest = Testing.synth(stackFixture().chart);
    const svc = find(manifest, 'Service', 'chaos-exporter', 'litmus');
    expect(svc.spec.ports).toEqual([{ name: 'tcp', port: 8080, targetPort: 'tcp', protocol: 'TCP' }]);
    const dep = find(manifest, 'Deployment', 'chaos-exporter', 'litmus');
    expect(dep.spec.template.spec.serviceAccountName).toBe('chaos-exporter');
    expect(dep.spec.template.spec.containers[0].env).toEqual([
      { name: 'WATCH_NAMESPACE', value: 'litmus' }, { name: 'TSDB_SCRAPE_INTERVAL', value: '10' },
    ]);
    const sm = find(manifest, 'ServiceMonitor', 'chaos-exporter', 'litmus');
    expect(sm.spec.selector).toEqual({ matchLabels: { app: 'chaos-exporter' } });
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['litmus'] });
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'tcp', interval: '10s' });
  });

  test('the Prometheus selects ServiceMonitors and rules by label in the monitoring, node-exporter and chaos namespaces and alerts to Alertmanager', () => {
    const manifest = Testing.synth(stackFixture().chart);
    const prom = find(manifest, 'Prometheus', 'k8s', 'monitoring').spec;
    expect(prom.serviceMonitorSelector).toEqual({ matchLabels: { prometheus: 'k8s' } });
    expect(prom.ruleSelector).toEqual({ matchLabels: { prometheus: 'k8s', role: 'alert-rules' } });
    expect(prom.serviceMonitorNamespaceSelector).toEqual({
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['monitoring', 'monitoring-node', 'litmus'] }],
    });
    expect(prom.version).toBe('v3.5.0');
    expect(prom.serviceAccountName).toBe('prometheus-k8s');
    expect(prom.resources.requests.memory).toBe('400Mi');
    expect(prom.alerting.alertmanagers).toEqual([{ name: 'alertmanager-main', namespace: 'monitoring', port: 'web', apiVersion: 'v2' }]);
    expect(find(manifest, 'Service', 'prometheus-k8s', 'monitoring').spec.ports[0]).toMatchObject({ name: 'web', port: 9090 });
  });

  test('the operator manages the kubelet Service that the kubelet ServiceMonitor scrapes, with cAdvisor', () => {
    const manifest = Testing.synth(stackFixture().chart);
    expect(find(manifest, 'Deployment', 'prometheus-operator').spec.template.spec.containers[0].args).toContain('--kubelet-service=kube-system/kubelet');
    const sm = find(manifest, 'ServiceMonitor', 'kubelet', 'monitoring');
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['kube-system'] });
    expect(sm.spec.endpoints.map((e: any) => e.path)).toEqual(['/metrics', '/metrics/cadvisor']);
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'https-metrics', scheme: 'https', bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' });
    const api = find(manifest, 'ServiceMonitor', 'apiserver', 'monitoring');
    expect(api.spec.namespaceSelector).toEqual({ matchNames: ['default'] });
    expect(api.spec.endpoints[0].tlsConfig).toEqual({ caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', serverName: 'kubernetes' });
    expect(PrometheusOperator.crdSource).toBe(CRD_SOURCES.prometheusOperator);
  });

  test('throws when the chaos and monitoring namespaces are the same', () => {
    const f = fixture();
    expect(() => new MonitoringStack(f.chart, 'Monitoring', stackProps(f, { chaosNamespace: f.monitoring })))
      .toThrow("Invalid MonitoringStack.chaosNamespace: 'monitoring'; must differ from the monitoring namespace 'monitoring'.");
  });
});
