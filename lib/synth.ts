import { join } from 'node:path';
import { type App, Yaml } from 'cdk8s';
import { type StackLayer } from './stack';

/**
 * Runs every construct's deferred validations (node.addValidation) of an app and throws one error listing them
 * all, in the same form cdk8s uses at synth. Call it for every app before synthesizing any, so that an invalid
 * environment writes no YAML at all.
 */
export function validateApp(app: App): void {
  const errors = app.node.findAll().flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
}

/** A file to write: its path (relative to an output folder) and its text. */
export interface SynthFile {
  readonly path: string;
  readonly content: string;
}

/** One YAML file per layer, `<dir>/<NNNN>-<name>.k8s.yaml`, numbered in apply order. */
export function layerFiles(layers: readonly StackLayer[], dir = ''): SynthFile[] {
  return layers.map((l, i) => ({
    path: join(dir, `${String(i).padStart(4, '0')}-${l.name}.k8s.yaml`),
    content: Yaml.stringify(...(l.chart.toJson() as unknown[])),
  }));
}
