import { type App, Chart, Testing } from 'cdk8s';
import { ChaosNamespace, PodSecurityLevel } from '../../constructs/namespace';
import { TargetApplication } from '../../constructs/target-app';
import { AlertReceiver } from '../../constructs/monitoring/alertmanager';
import { GrafanaAdminCredentials } from '../../constructs/monitoring/grafana';
import { MonitoringStack, type MonitoringStackProps } from '../../constructs/monitoring/stack';

/** A synthesized object, as the tests read it. */
export type Obj = any;

/** Finds exactly one object by kind and name (and namespace); throws listing what exists otherwise. */
export function find(manifest: readonly Obj[], kind: string, name: string, namespace?: string): Obj {
  const hits = manifest.filter((o) => o.kind === kind && o.metadata?.name === name
    && (namespace === undefined || o.metadata?.namespace === namespace));
  if (hits.length !== 1) {
    const have = manifest.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`).join(', ');
    throw new Error(`expected one ${kind} '${name}'${namespace ? ` in '${namespace}'` : ''}, found ${hits.length}; have: ${have}`);
  }
  return hits[0];
}

export function ofKind(manifest: readonly Obj[], kind: string): Obj[] {
  return manifest.filter((o) => o.kind === kind);
}

export interface Fixture {
  readonly app: App;
  readonly chart: Chart;
  readonly monitoring: ChaosNamespace;
  /** node-exporter's own, privileged namespace. */
  readonly monitoringNode: ChaosNamespace;
  readonly chaos: ChaosNamespace;
  readonly testing: ChaosNamespace;
  readonly target: TargetApplication;
}

/** A fresh app with the namespaces (monitoring restricted, node-exporter's own privileged) and the target app. */
export function fixture(app: App = Testing.app()): Fixture {
  const chart = new Chart(app, 'test');
  const testing = new ChaosNamespace(chart, 'TestingNamespace', { name: 'testing' });
  const chaos = new ChaosNamespace(chart, 'ChaosNamespace', { name: 'litmus', podSecurity: PodSecurityLevel.PRIVILEGED });
  const monitoring = new ChaosNamespace(chart, 'MonitoringNamespace', { name: 'monitoring' });
  const monitoringNode = new ChaosNamespace(chart, 'MonitoringNodeNamespace', { name: 'monitoring-node', podSecurity: PodSecurityLevel.PRIVILEGED });
  const target = new TargetApplication(chart, 'App', { namespace: testing });
  return { app, chart, monitoring, monitoringNode, chaos, testing, target };
}

/** The props of a complete MonitoringStack over the fixture; a test-only webhook URL, no real credentials. */
export function stackProps(f: Fixture, overrides: Partial<MonitoringStackProps> = {}): MonitoringStackProps {
  return {
    monitoringNamespace: f.monitoring,
    nodeExporterNamespace: f.monitoringNode,
    chaosNamespace: f.chaos,
    app: { service: f.target, deploymentName: f.target.name },
    grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret('grafana-admin'),
    alertReceivers: [AlertReceiver.webhook('chaos-team', 'https://hooks.example.invalid/alerts')],
    ...overrides,
  };
}

/** The fixture plus a MonitoringStack. */
export function stackFixture(overrides: Partial<MonitoringStackProps> = {}, app?: App): Fixture & { stack: MonitoringStack } {
  const f = fixture(app);
  const stack = new MonitoringStack(f.chart, 'Monitoring', stackProps(f, overrides));
  return { ...f, stack };
}
