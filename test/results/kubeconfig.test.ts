import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as YAML from 'yaml';
import { kubeconfigSource, withoutCredentials } from '../../lib/results/kube-api';

const TOKEN = 'tok-SECRET-123';
const doc = {
  apiVersion: 'v1', kind: 'Config', 'current-context': 'ci',
  clusters: [{ name: 'ci', cluster: { server: 'https://10.0.0.1:6443' } }],
  users: [{ name: 'ci', user: { token: TOKEN } }],
  contexts: [{ name: 'ci', context: { cluster: 'ci', user: 'ci' } }],
};
const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** The message of what `f` throws. */
function thrown(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('nothing was thrown');
}

describe('kubeconfigSource: contents or a path, told apart without echoing contents', () => {
  test('a kubeconfig on one line (JSON) is contents, not a path', () => {
    expect(kubeconfigSource(JSON.stringify(doc))).toEqual({ kind: 'contents', text: JSON.stringify(doc) });
  });

  test('a kubeconfig in YAML is contents, and so is one that starts with clusters', () => {
    expect(kubeconfigSource(YAML.stringify(doc)).kind).toBe('contents');
    expect(kubeconfigSource(YAML.stringify({ ...doc, apiVersion: undefined, kind: undefined })).kind).toBe('contents');
  });

  test('anything else is a path, read from its file', () => {
    const path = file('config', YAML.stringify(doc));
    expect(kubeconfigSource(path)).toEqual({ kind: 'file', path, text: YAML.stringify(doc) });
    expect(kubeconfigSource(undefined)).toEqual({ kind: 'default' });
  });

  test('a path that does not exist is named', () => {
    expect(thrown(() => kubeconfigSource('/nonexistent/kubeconfig.yaml'))).toBe("Invalid kubeconfig: '/nonexistent/kubeconfig.yaml'; "
      + 'must be the path of a kubeconfig file, or a kubeconfig itself (YAML or JSON with apiVersion and clusters).');
  });

  test('a value that is neither a kubeconfig nor a path is described, never shown', () => {
    for (const value of [JSON.stringify(doc).slice(0, -20), `token: ${TOKEN}\nserver: x`, TOKEN]) {
      const message = thrown(() => kubeconfigSource(value, '--kubeconfig'));
      expect(message).toBe('Invalid --kubeconfig: (a value that is neither a kubeconfig nor a path, not shown); must be the path of a '
        + 'kubeconfig file, or a kubeconfig itself (YAML or JSON with apiVersion and clusters).');
      expect(message).not.toContain(TOKEN);
    }
  });

  test('an empty file, a file that is not a kubeconfig and a folder are named, their contents never shown', () => {
    const empty = file('empty.yaml', '');
    expect(thrown(() => kubeconfigSource(empty, '--kubeconfig'))).toBe(`Invalid --kubeconfig: '${empty}'; must be a kubeconfig file, and this file is empty.`);
    const blank = file('blank.yaml', '\n  \n');
    expect(thrown(() => kubeconfigSource(blank, '--kubeconfig'))).toBe(`Invalid --kubeconfig: '${blank}'; must be a kubeconfig file, and this file is empty.`);
    const broken = file('broken.yaml', `users:\n- name: ci\n  user: {token: ${TOKEN}\n`);
    const message = thrown(() => kubeconfigSource(broken, '--kubeconfig'));
    expect(message).toBe(`Invalid --kubeconfig: '${broken}'; must be a kubeconfig file (YAML or JSON with apiVersion and clusters), `
      + 'and this file does not parse as one.');
    expect(message).not.toContain(TOKEN);
    const other = file('other.yaml', 'just: some yaml\n');
    expect(thrown(() => kubeconfigSource(other))).toBe(`Invalid kubeconfig: '${other}'; must be a kubeconfig file (YAML or JSON with apiVersion `
      + 'and clusters), and this file does not parse as one.');
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    expect(thrown(() => kubeconfigSource(folder))).toBe(`Invalid kubeconfig: '${folder}'; must be a kubeconfig file, and this is a folder.`);
  });
});

describe('withoutCredentials: the safety net under every client error', () => {
  test('blanks the kubeconfig\'s credentials (and the kubeconfig itself) out of an error\'s message and body', () => {
    const err = Object.assign(new Error(`exec plugin failed: token ${TOKEN} rejected`), { body: `{"message":"bad token ${TOKEN}"}` });
    const out = withoutCredentials(err, JSON.stringify(doc)) as Error & { body: string };
    expect(out.message).toBe('exec plugin failed: token (redacted) rejected');
    expect(out.body).toBe('{"message":"bad token (redacted)"}');
    expect(out.stack).not.toContain(TOKEN);
    expect((withoutCredentials(new Error(`echo ${JSON.stringify(doc)}`), JSON.stringify(doc)) as Error).message).toBe('echo (redacted)');
    // An error without credentials is left as it is.
    const plain = new Error('connect ECONNREFUSED 127.0.0.1:6443');
    expect(withoutCredentials(plain, JSON.stringify(doc))).toBe(plain);
  });
});
