import { type App } from 'cdk8s';

/**
 * Runs every construct's deferred validations (node.addValidation) of an app and throws one error listing them
 * all, in the same form cdk8s uses at synth. Call it for every app before synthesizing any, so that an invalid
 * environment writes no YAML at all.
 */
export function validateApp(app: App): void {
  const errors = app.node.findAll().flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
}
