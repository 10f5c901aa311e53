import { Testing } from 'cdk8s';
import { NodeExporter } from '../../constructs/monitoring/exporters';
import { PrometheusServer } from '../../constructs/monitoring/prometheus';
import { find, fixture } from './fixture';

describe('NodeExporter', () => {
  test('shares the host network and PID namespaces and mounts the host read-only (the documented exception)', () => {
    const { chart, monitoring, monitoringNode } = fixture();
    const prometheus = new PrometheusServer(chart, 'Prometheus', { namespace: monitoring, watchNamespaces: [monitoring, monitoringNode] });
    new NodeExporter(chart, 'NodeExporter', { namespace: monitoringNode, prometheus });
    const ds = find(Testing.synth(chart), 'DaemonSet', 'node-exporter', 'monitoring-node');
    const pod = ds.spec.template.spec;
    expect(pod).toMatchObject({ hostNetwork: true, hostPID: true, tolerations: [{ operator: 'Exists' }] });
    expect(pod.volumes.map((v: any) => v.hostPath.path)).toEqual(['/proc', '/sys', '/']);
    expect(pod.containers[0].volumeMounts.every((m: any) => m.readOnly === true)).toBe(true);
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
  });

  test('throws in a namespace that is not privileged', () => {
    const { chart, monitoring, testing } = fixture();
    const prometheus = new PrometheusServer(chart, 'Prometheus', { namespace: monitoring });
    expect(() => new NodeExporter(chart, 'NodeExporter', { namespace: testing, prometheus })).toThrow(
      "Invalid NodeExporter.namespace: 'testing (podSecurity restricted)'; must be a namespace enforcing the 'privileged' Pod Security level");
  });
});

describe('PrometheusServer', () => {
  test('throws when it does not watch its own namespace', () => {
    const { chart, monitoring, chaos } = fixture();
    expect(() => new PrometheusServer(chart, 'Prometheus', { namespace: monitoring, watchNamespaces: [chaos] })).toThrow(
      "Invalid PrometheusServer.watchNamespaces: [\"litmus\"]; must include the Prometheus's own namespace 'monitoring'");
  });

  test('throws on an unpinned image', () => {
    const { chart, monitoring } = fixture();
    expect(() => new PrometheusServer(chart, 'Prometheus', { namespace: monitoring, image: 'quay.io/prometheus/prometheus:v3.4.0' }))
      .toThrow("Invalid PrometheusServer.image: 'quay.io/prometheus/prometheus:v3.4.0'; must be pinned to the tag 'v3.5.0' (the CR's version).");
  });
});
