import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { ChaosNamespace, PodSecurityLevel } from '../constructs/namespace';
import { TargetApplication } from '../constructs/target-app';
import { type StackLayer } from '../lib/stack';
import { chartObjects, layerFiles, validateApp } from '../lib/synth';
import { CRD_SOURCES, type CrdSource } from '../lib/versions';

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

/**
 * Every object of a stack's layers, in apply order, as the cdk8s entry renders them: every app's deferred
 * validations once, then each layer through `chartObjects` (what `chart.toJson()` gives, test/stacks/chaos-stack.test.ts
 * checks it; toJson resolves and validates the whole app again for every chart it renders).
 */
export function stackObjects(stack: { readonly layers: readonly StackLayer[] }): any[] {
  for (const app of new Set(stack.layers.map((l) => App.of(l.chart)))) validateApp(app);
  return stack.layers.flatMap((l) => chartObjects(l.chart));
}

/** Writes a stack's layer files into `dir` as the cdk8s entry does (`<NNNN>-<layer>.k8s.yaml`); returns their paths. */
export function writeStack(stack: { readonly layers: readonly StackLayer[] }, dir: string): string[] {
  return layerFiles(stack.layers).map((f) => {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
    return path;
  });
}

/**
 * The CRD sets whose kinds appear among `objs`, found by scanning apiVersions: the tests' independent check of what a
 * stack declares in `crdSources` (Litmus for litmuschaos.io, its scheduler's for ChaosSchedule, prometheus-operator's
 * for monitoring.coreos.com, Istio's for networking.istio.io).
 */
export function crdSourcesUsedBy(objs: readonly { readonly apiVersion?: string; readonly kind?: string }[]): CrdSource[] {
  const needed = new Set<CrdSource>();
  for (const o of objs) {
    const group = (o.apiVersion ?? '').includes('/') ? (o.apiVersion ?? '').split('/')[0] : '';
    if (group === 'litmuschaos.io') needed.add(o.kind === 'ChaosSchedule' ? CRD_SOURCES.litmusScheduler : CRD_SOURCES.litmus);
    if (group === 'monitoring.coreos.com') needed.add(CRD_SOURCES.prometheusOperator);
    if (group === 'networking.istio.io') needed.add(CRD_SOURCES.istioNetworking);
  }
  // Keep the declaration order of CRD_SOURCES, so the install is stable whatever the object order.
  return Object.values(CRD_SOURCES).filter((s) => needed.has(s));
}

/** The strict schema validator of the reference material beside the repository (`../shared/tools`). */
export const SCHEMA_VALIDATOR = resolve(__dirname, '..', '..', 'shared', 'tools', 'validate-manifests.mjs');

/**
 * Why the strict schema validator cannot run here, or undefined when it can. It needs `../shared` (the reference
 * material: Kubernetes and CRD schemas) and its own dependencies (ajv, yaml) in `../shared/tools/node_modules`;
 * without them the schema tests are skipped with this reason instead of failing with `Cannot find module 'ajv'`.
 */
export function schemaValidatorMissing(validator: string = SCHEMA_VALIDATOR): string | undefined {
  if (!existsSync(validator)) return `${validator} not found (the reference material ../shared is not beside the repository)`;
  const requireFromTools = createRequire(join(dirname(validator), 'package.json'));
  for (const dep of ['ajv', 'yaml']) {
    try {
      requireFromTools.resolve(dep);
    } catch {
      return `its dependency '${dep}' is not installed; install it with: npm --prefix ${dirname(validator)} ci`;
    }
  }
  return undefined;
}

export { App, Testing };
