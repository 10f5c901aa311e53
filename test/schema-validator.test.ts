/** The strict schema tests skip, saying why and how to fix it, when ../shared or its validator's dependencies are missing. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCHEMA_VALIDATOR, schemaValidatorMissing } from './util';

describe('schemaValidatorMissing', () => {
  test('says how to install the validator\'s dependencies when ../shared/tools/node_modules is absent', () => {
    // GIVEN a copy of the tool without its node_modules
    const dir = mkdtempSync(join(tmpdir(), 'validator-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{"type":"module","dependencies":{"ajv":"8.17.1","yaml":"2.8.1"}}');
      writeFileSync(join(dir, 'validate-manifests.mjs'), '');
      // THEN
      expect(schemaValidatorMissing(join(dir, 'validate-manifests.mjs'))).toBe(
        `its dependency 'ajv' is not installed; install it with: npm --prefix ${dir} ci`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('says the reference material is not there when ../shared is absent', () => {
    expect(schemaValidatorMissing('/no/shared/tools/validate-manifests.mjs')).toBe(
      '/no/shared/tools/validate-manifests.mjs not found (the reference material ../shared is not beside the repository)');
  });

  (existsSync(join(SCHEMA_VALIDATOR, '..', 'node_modules', 'ajv')) ? test : test.skip)('finds the installed validator', () => {
    expect(schemaValidatorMissing()).toBeUndefined();
  });
});
