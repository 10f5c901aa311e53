import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDeployArgs } from '../../stacks/deploy';
import { findPulumiCli, PULUMI_CLI_HELP } from '../../stacks/pulumi/automation';

describe('npm run deploy arguments', () => {
  test('reads the environment, the action, the run id and the JUnit file; the stack defaults to the environment', () => {
    expect(parseDeployArgs(['--env', 'staging'])).toEqual({ env: 'staging', stack: 'staging', action: 'up' });
    expect(parseDeployArgs(['--env=prod', '--stack', 'acme/prod', '--preview', '--run-id', 'r7', '--junit', 'out.xml']))
      .toEqual({ env: 'prod', stack: 'acme/prod', action: 'preview', runId: 'r7', junit: 'out.xml' });
    expect(parseDeployArgs(['--env', 'dev', '--destroy']).action).toBe('destroy');
  });

  test('rejects a missing or unknown environment, two actions, a bad run id and unknown flags', () => {
    expect(() => parseDeployArgs([])).toThrow(/^--env is required\nusage: npm run deploy/);
    expect(() => parseDeployArgs(['--env', 'qa'])).toThrow("Invalid --env: 'qa'; must be one of 'dev', 'staging', 'prod'.");
    expect(() => parseDeployArgs(['--env', 'dev', '--preview', '--destroy'])).toThrow(/^give at most one of --preview and --destroy/);
    expect(() => parseDeployArgs(['--env', 'dev', '--run-id', 'R_1'])).toThrow(/^Invalid --run-id: 'R_1'; must be a DNS-1123 label/);
    expect(() => parseDeployArgs(['--env', 'dev', '--yes'])).toThrow(/^unknown argument '--yes'/);
  });
});

describe('finding the Pulumi CLI', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'pulumi-cli-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('takes PULUMI_CLI, else `pulumi` on PATH', () => {
    const bin = join(dir, 'pulumi');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    expect(findPulumiCli({ PULUMI_CLI: bin })).toBe(bin);
    expect(findPulumiCli({ PATH: `/nonexistent:${dir}` })).toBe(bin);
  });

  test('says how to get one when there is none', () => {
    expect(() => findPulumiCli({ PATH: dir })).toThrow(`No Pulumi CLI found (PULUMI_CLI is not set and there is no \`pulumi\` on PATH): ${PULUMI_CLI_HELP}.`);
    expect(() => findPulumiCli({ PULUMI_CLI: join(dir, 'nope') })).toThrow(/^No Pulumi CLI found \(PULUMI_CLI=.*nope is not an executable file\)/);
  });
});
