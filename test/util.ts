import { App, Chart, Testing } from 'cdk8s';
import { ChaosNamespace, PodSecurityLevel } from '../constructs/namespace';
import { TargetApplication } from '../constructs/target-app';

/** A fresh app and chart per test (Testing.synth validates the whole app). */
export function makeChart(): Chart {
  return new Chart(Testing.app(), 'test');
}

export type Manifest = any[];

/** Finds one object by kind and name (and namespace if given); throws listing what exists when it is missing. */
export function find(manifest: Manifest, kind: string, name: string, namespace?: string): any {
  const hits = manifest.filter((o) => o.kind === kind && o.metadata?.name === name
    && (namespace === undefined || o.metadata?.namespace === namespace));
  if (hits.length !== 1) {
    const have = manifest.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`).join(', ');
    throw new Error(`expected one ${kind} '${name}'${namespace ? ` in '${namespace}'` : ''}, found ${hits.length}; have: ${have}`);
  }
  return hits[0];
}

export function ofKind(manifest: Manifest, kind: string): any[] {
  return manifest.filter((o) => o.kind === kind);
}

/** The standard fixture: the testing and litmus namespaces and the app. */
export function fixture(chart: Chart = makeChart()): { chart: Chart; app: TargetApplication; chaos: ChaosNamespace; testing: ChaosNamespace } {
  const testing = new ChaosNamespace(chart, 'Testing', { name: 'testing' });
  const chaos = new ChaosNamespace(chart, 'Chaos', { name: 'litmus', podSecurity: PodSecurityLevel.PRIVILEGED });
  const app = new TargetApplication(chart, 'App', { namespace: testing });
  return { chart, app, chaos, testing };
}

export { App, Testing };
