import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Yaml } from 'cdk8s';
import { SCHEMA_VALIDATOR, schemaValidatorMissing } from '../util';

/** The shared strict manifest validator, when it and its dependencies are there (they are beside the repo in CI). */
const VALIDATOR = SCHEMA_VALIDATOR;

/** Whether the validator can run; when not, warns once saying why and how to install it. */
export function validatorAvailable(): boolean {
  const missing = schemaValidatorMissing();
  if (missing !== undefined) console.warn(`skipping strict schema checks: ${missing}`);
  return missing === undefined;
}

/** Runs the validator over the objects for Kubernetes 1.27.0 and 1.33.0; returns its last lines. */
export function validateObjects(objects: unknown[]): { code: number; output: string }[] {
  const dir = mkdtempSync(join(tmpdir(), 'ctk-validate-'));
  writeFileSync(join(dir, 'objects.k8s.yaml'), Yaml.stringify(...objects));
  return ['1.27.0', '1.33.0'].map((v) => {
    const r = spawnSync(process.execPath, [VALIDATOR, '--k8s', v, dir], { encoding: 'utf8' });
    return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}`.trim() };
  });
}

/** The reference folder beside the repository (shared/reference), if present. */
export const REFERENCE = resolve(__dirname, '..', '..', '..', 'shared', 'reference');
