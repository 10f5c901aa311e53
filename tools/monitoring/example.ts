/**
 * An example monitoring setup over the workshop's namespaces and app, for the tools in this folder (dashboard
 * picture, hand synth). It uses an existing Grafana admin Secret and an in-cluster webhook: no credentials.
 */
import { type App, Chart } from 'cdk8s';
import { AlertReceiver } from '../../constructs/monitoring/alertmanager';
import { GrafanaAdminCredentials } from '../../constructs/monitoring/grafana';
import { MonitoringStack } from '../../constructs/monitoring/stack';
import { ChaosNamespace, PodSecurityLevel } from '../../constructs/namespace';
import { TargetApplication } from '../../constructs/target-app';

/** Adds the example namespaces, app and MonitoringStack to `app`, in one chart. */
export function exampleMonitoring(app: App, opts: { readonly grafanaPassword?: string } = {}): MonitoringStack {
  const chart = new Chart(app, 'monitoring-example');
  const testing = new ChaosNamespace(chart, 'TestingNamespace', { name: 'testing' });
  const chaos = new ChaosNamespace(chart, 'ChaosNamespace', { name: 'litmus', podSecurity: PodSecurityLevel.PRIVILEGED });
  const monitoring = new ChaosNamespace(chart, 'MonitoringNamespace', { name: 'monitoring' });
  const monitoringNode = new ChaosNamespace(chart, 'MonitoringNodeNamespace', { name: 'monitoring-node', podSecurity: PodSecurityLevel.PRIVILEGED });
  const target = new TargetApplication(chart, 'App', { namespace: testing });
  return new MonitoringStack(chart, 'Monitoring', {
    monitoringNamespace: monitoring,
    nodeExporterNamespace: monitoringNode,
    chaosNamespace: chaos,
    app: { service: target, deploymentName: target.name },
    grafanaAdmin: opts.grafanaPassword === undefined
      ? GrafanaAdminCredentials.fromExistingSecret('grafana-admin') : GrafanaAdminCredentials.fromPassword(opts.grafanaPassword),
    alertReceivers: [AlertReceiver.webhook('chaos-gate', 'http://chaos-gate.litmus.svc:8080/alerts')],
  });
}
