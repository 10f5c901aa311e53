/**
 * Every synthesized monitoring object passes the shared strict schema check (Kubernetes 1.27.0 and 1.33.0 APIs,
 * prometheus-operator and Litmus CRDs, unknown fields rejected). Skipped, saying so, where the shared tool is
 * not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { SCHEMA_VALIDATOR, schemaValidatorMissing } from '../util';
import { stackFixture } from './fixture';

const VALIDATOR = SCHEMA_VALIDATOR;
const missing = schemaValidatorMissing();
if (missing !== undefined) console.warn(`skipping strict schema checks: ${missing}`);

(missing === undefined ? describe : describe.skip)(`validate-manifests${missing === undefined ? '' : ` (skipped: ${missing})`}`, () => {
  const outdir = mkdtempSync(join(tmpdir(), 'monitoring-manifests-'));
  const app = new App({ outdir });
  stackFixture({}, app);
  app.synth();

  test.each(['1.27.0', '1.33.0'])('every object is valid against Kubernetes %s', (version) => {
    expect(readdirSync(outdir).length).toBeGreaterThan(0);
    const r = spawnSync(process.execPath, [VALIDATOR, '--k8s', version, outdir], { encoding: 'utf8' });
    expect(r.stdout).toMatch(new RegExp(`validated (\\d+) objects from 1 files against Kubernetes ${version.replace(/\./g, '\\.')}: \\1 ok, 0 invalid, 0 unknown kinds`));
    expect(r.status).toBe(0);
  });
});
