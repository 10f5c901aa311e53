/** The parts of tools/cluster that need no binaries: versions.env, manifest sets, the summary line. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryPath, parseVersionsEnv, readVersions } from '../../tools/cluster/binaries';
import { ControlPlane, kubeconfigYaml } from '../../tools/cluster/control-plane';
import { collectSets, parseManifests, runVerify, summaryLine } from '../../tools/cluster/verify';

describe('versions.env', () => {
  test('pins one Kubernetes release with matching staging modules, etcd 3.5/3.6 and kwok', () => {
    const v = readVersions();
    const k8s = /^v1\.(\d+)\.(\d+)$/.exec(v.kubernetes);
    expect(k8s).not.toBeNull();
    expect(v.kubernetesStaging).toBe(`v0.${k8s?.[1]}.${k8s?.[2]}`);
    expect(v.etcd).toMatch(/^v3\.[56]\.\d+$/);
    expect(v.kwok).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  test('parses KEY=VALUE lines, comments and quotes', () => {
    expect(parseVersionsEnv('# c\n\nA=1\nexport B="two"\n')).toEqual({ A: '1', B: 'two' });
    expect(() => parseVersionsEnv('not a line')).toThrow(/cannot parse/);
  });

  test('binaries are cached per version under CHAOS_STACK_CACHE', () => {
    const old = process.env.CHAOS_STACK_CACHE;
    process.env.CHAOS_STACK_CACHE = '/cache';
    try {
      const v = readVersions();
      expect(binaryPath('kube-apiserver', v)).toBe(`/cache/bin/kube-apiserver-${v.kubernetes}/kube-apiserver`);
      expect(binaryPath('etcd', v)).toBe(`/cache/bin/etcd-${v.etcd}/etcd`);
    } finally {
      if (old === undefined) delete process.env.CHAOS_STACK_CACHE;
      else process.env.CHAOS_STACK_CACHE = old;
    }
  });
});

describe('verify input', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'verify-input-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

  test('a folder with subfolders gives one environment per subfolder', () => {
    for (const env of ['dev', 'prod']) {
      mkdirSync(join(dir, env));
      writeFileSync(join(dir, env, 'a.k8s.yaml'), `${cm('a')}---\n${cm('b')}`);
    }
    const sets = collectSets([dir]);
    expect(sets.map((s) => [s.env, s.objects.length])).toEqual([['dev', 2], ['prod', 2]]);
  });

  test('a folder without subfolders, or a file, is one set', () => {
    writeFileSync(join(dir, 'x.yaml'), cm('x'));
    expect(collectSets([dir]).map((s) => s.env)).toEqual([dir.split('/').pop()]);
    expect(collectSets([join(dir, 'x.yaml')]).map((s) => s.env)).toEqual(['x']);
  });

  test('an empty file or folder is nothing to verify, found before any control plane is built or started', async () => {
    // GIVEN
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, '');
    mkdirSync(join(dir, 'none'));
    const start = jest.spyOn(ControlPlane.prototype, 'start');
    const lines: string[] = [];
    try {
      // WHEN / THEN
      await expect(runVerify({ paths: [empty], err: (l) => lines.push(l), out: (l) => lines.push(l) }))
        .rejects.toThrow(`verify: nothing to verify: ${empty} holds no Kubernetes object`);
      await expect(runVerify({ paths: [join(dir, 'none')], err: (l) => lines.push(l) }))
        .rejects.toThrow(`verify: nothing to verify: ${join(dir, 'none')} holds no Kubernetes object`);
      expect(() => collectSets([empty, join(dir, 'none')])).toThrow(`verify: nothing to verify: ${empty}, ${join(dir, 'none')} hold no Kubernetes object`);
      expect(start).not.toHaveBeenCalled();
      expect(lines).toEqual([]);
    } finally {
      start.mockRestore();
    }
  });

  test('an environment without objects among others is nothing to verify, naming it', () => {
    for (const env of ['dev', 'prod']) mkdirSync(join(dir, env));
    writeFileSync(join(dir, 'dev', 'a.k8s.yaml'), cm('a'));
    expect(() => collectSets([dir])).toThrow(`verify: nothing to verify in prod: no Kubernetes object (of ${dir})`);
  });

  test('empty documents are skipped and Lists are flattened', () => {
    const objs = parseManifests(`---\n---\napiVersion: v1\nkind: List\nitems:\n- ${cm('a').replace(/\n(?!$)/g, '\n  ')}`, 't');
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/a']);
    expect(() => parseManifests('kind: X\n', 't')).toThrow(/no apiVersion/);
  });

  test('summary line', () => {
    expect(summaryLine([
      { env: 'dev', checked: 3, accepted: 3, rejected: 0, rejections: [] },
      { env: 'prod', checked: 2, accepted: 1, rejected: 1, rejections: ['x'] },
    ])).toBe('verify: dev 3 checked, 3 accepted, 0 rejected; prod 2 checked, 1 accepted, 1 rejected; total 5 checked, 4 accepted, 1 rejected');
  });

  test('kubeconfig embeds the CA and the token', () => {
    const y = kubeconfigYaml('https://127.0.0.1:6443', 'PEM', 'tok');
    expect(y).toContain('server: https://127.0.0.1:6443');
    expect(y).toContain(`certificate-authority-data: ${Buffer.from('PEM').toString('base64')}`);
    expect(y).toContain('token: tok');
  });
});
