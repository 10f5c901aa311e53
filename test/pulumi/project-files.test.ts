import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_KEYS, parseStackConfig, PROJECT, SECRET_KEYS } from '../../stacks/pulumi/config';
import { stackFileConfig } from './stack-file';

const ROOT = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

describe('Pulumi.yaml', () => {
  const project = parse(read('Pulumi.yaml')) as { name: string; main: string; runtime: any; config: Record<string, { type: string; default?: unknown; secret?: boolean }> };

  test('names the project and points main at the thin entry, run through tsx', () => {
    expect(project.name).toBe(PROJECT);
    expect(existsSync(join(ROOT, project.main, 'index.ts'))).toBe(true);
    expect(project.runtime).toEqual({ name: 'nodejs', options: { typescript: false, nodeargs: '--import tsx' } });
  });

  test('declares only keys the config boundary reads, with the code\'s defaults, and the password as a secret without default', () => {
    const known: readonly string[] = [...CONFIG_KEYS, ...SECRET_KEYS];
    for (const key of Object.keys(project.config)) expect(known).toContain(key);
    expect(project.config.crdSource?.default).toBe('url');
    expect(project.config.pollIntervalSeconds?.default).toBe(5);
    expect(parseStackConfig({ environment: 'dev' }).deploy).toMatchObject({ crdSource: { kind: 'url' }, pollIntervalSeconds: 5 });
    expect(project.config.grafanaAdminPassword).toMatchObject({ type: 'string', secret: true });
    expect(project.config.grafanaAdminPassword?.default).toBeUndefined();
  });

  test('declares no optional key without a default (Pulumi would require it in every stack)', () => {
    const withoutDefault = Object.entries(project.config).filter(([, v]) => v.default === undefined).map(([k]) => k);
    expect(withoutDefault.sort()).toEqual(['environment', 'grafanaAdminPassword']);
  });
});

describe.each(['dev', 'staging', 'prod'])('Pulumi.%s.yaml', (env) => {
  const text = read(`Pulumi.${env}.yaml`);

  test('is valid config for its own environment, with a run id', () => {
    const config = parseStackConfig(stackFileConfig(text));
    expect(config.environment.environment).toBe(env);
    expect(config.environment.runId).toMatch(/^r\d+$/);
    expect(config.deploy.gateOnVerdict).toBe(env !== 'dev');
  });

  test('holds no secret (the password is set with pulumi config set --secret)', () => {
    const config = (parse(text) as { config: Record<string, unknown> }).config;
    expect(Object.keys(config).filter((k) => k.endsWith(':grafanaAdminPassword'))).toEqual([]);
    expect(JSON.stringify(config)).not.toContain('"secure"');
  });
});
