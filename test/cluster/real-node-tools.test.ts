/**
 * The real-node mode of the local control plane with the tools it runs, in the integration project: the
 * certificates createPki makes with openssl, read back with openssl, and the cluster CLI's option errors, the CLI
 * run as a process (through tsx). The parts without a process are in real-node.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPki, hasOpenssl, type Pki } from '../../tools/cluster/pki';

const ROOT = resolve(__dirname, '..', '..');

const withOpenssl = hasOpenssl();
if (!withOpenssl) console.warn('test/cluster/real-node: the certificate tests are SKIPPED, openssl is not on PATH');

/** What openssl reads in a certificate: subject, issuer, extended key usage and subjectAltNames, one string each. */
function certInfo(file: string): { subject: string; issuer: string; eku: string; sans: string } {
  const r = spawnSync('openssl', ['x509', '-in', file, '-noout', '-subject', '-issuer', '-ext', 'extendedKeyUsage,subjectAltName', '-nameopt', 'RFC2253'], {
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  const lines = r.stdout.split('\n');
  const after = (header: string): string => {
    const i = lines.findIndex((l) => l.startsWith(header));
    return i < 0 ? '' : lines[i + 1].trim();
  };
  return {
    subject: (lines.find((l) => l.startsWith('subject=')) ?? '').slice('subject='.length),
    issuer: (lines.find((l) => l.startsWith('issuer=')) ?? '').slice('issuer='.length),
    eku: after('X509v3 Extended Key Usage'),
    sans: after('X509v3 Subject Alternative Name'),
  };
}

function verifies(caFile: string, cert: string): boolean {
  return spawnSync('openssl', ['verify', '-CAfile', caFile, cert], { encoding: 'utf8' }).status === 0;
}

(withOpenssl ? describe : describe.skip)('the PKI of a real node (openssl)', () => {
  let dir: string;
  let pki: Pki;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'chaos-stack-pki-test-'));
    pki = createPki(join(dir, 'pki'), { extraSans: ['IP:10.88.0.1'], kubelet: { name: 'chaos-node-0', address: '10.88.0.1' }, frontProxy: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the API server serves the bridge address besides loopback and the kubernetes Service names', () => {
    expect(certInfo(pki.servingCert ?? '')).toEqual({
      subject: 'CN=kube-apiserver',
      issuer: 'CN=chaos-stack-local-ca',
      eku: 'TLS Web Server Authentication',
      sans: 'IP Address:127.0.0.1, DNS:localhost, IP Address:10.96.0.1, DNS:kubernetes, DNS:kubernetes.default, '
        + 'DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP Address:10.88.0.1',
    });
  });

  test('the kubelet, kube-proxy and the API server\'s kubelet client: the identities RBAC and the Node authorizer expect', () => {
    const k = pki.kubelet;
    expect(k).toBeDefined();
    if (k === undefined) return;
    const ca = 'CN=chaos-stack-local-ca';
    expect(certInfo(k.client.cert)).toEqual({ subject: 'CN=system:node:chaos-node-0,O=system:nodes', issuer: ca, eku: 'TLS Web Client Authentication', sans: '' });
    expect(certInfo(k.serving.cert)).toEqual({ subject: 'CN=chaos-node-0', issuer: ca, eku: 'TLS Web Server Authentication', sans: 'IP Address:10.88.0.1, DNS:chaos-node-0' });
    expect(certInfo(k.kubeProxy.cert)).toEqual({ subject: 'CN=system:kube-proxy', issuer: ca, eku: 'TLS Web Client Authentication', sans: '' });
    expect(certInfo(k.apiserverClient.cert)).toEqual({
      subject: 'CN=kube-apiserver-kubelet-client,O=system:masters', issuer: ca, eku: 'TLS Web Client Authentication', sans: '',
    });
    for (const c of [k.client, k.serving, k.kubeProxy, k.apiserverClient]) expect(verifies(pki.caCert ?? '', c.cert)).toBe(true);
  });

  test('the front-proxy client is signed by its own CA, not by the cluster CA (so it cannot log in as a client)', () => {
    const f = pki.frontProxy;
    expect(f).toBeDefined();
    if (f === undefined) return;
    expect(certInfo(f.client.cert)).toEqual({ subject: 'CN=front-proxy-client', issuer: 'CN=front-proxy-ca', eku: 'TLS Web Client Authentication', sans: '' });
    expect(verifies(f.caCert, f.client.cert)).toBe(true);
    expect(verifies(pki.caCert ?? '', f.client.cert)).toBe(false);
  });

  test('kwok mode makes none of them', () => {
    const plain = createPki(join(dir, 'plain'), { useOpenssl: true });
    expect(plain.kubelet).toBeUndefined();
    expect(plain.frontProxy).toBeUndefined();
    expect(['kubelet.crt', 'kube-proxy.crt', 'apiserver-kubelet-client.crt', 'front-proxy-ca.crt'].filter((f) => existsSync(join(dir, 'plain', f)))).toEqual([]);
    expect(certInfo(plain.servingCert ?? '').sans).toBe('IP Address:127.0.0.1, DNS:localhost, IP Address:10.96.0.1, DNS:kubernetes, '
      + 'DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local');
  });
});

describe('the cluster CLI\'s options (no control plane started)', () => {
  const cli = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'tools', 'cluster', 'cli.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const usage = 'usage: npm run cluster -- up [--dir DIR] [--crds DIR | --no-crds] [--address ADDR] [--port PORT] [--node NAME] [--aggregator] [--no-kwok] [--env]'
    + ' | down [--dir DIR] | status [--dir DIR]';

  test('an unknown option of up is refused with the usage, exit 2', () => {
    expect(cli(['up', '--dir', '/nonexistent', '--nodes', 'x'])).toEqual({ status: 2, stdout: '', stderr: `cluster: unknown option --nodes (${usage})\n` });
  });

  test('a port that is not a port is refused', () => {
    expect(cli(['up', '--port', '70000'])).toEqual({ status: 2, stdout: '', stderr: 'cluster: --port takes a TCP port (1-65535), not 70000\n' });
  });

  test('down and status of an empty --dir: not running, exit 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-stack-cli-test-'));
    try {
      expect(cli(['down', '--dir', dir])).toEqual({ status: 0, stdout: `cluster: not running (no ${join(dir, 'state.json')})\n`, stderr: '' });
      expect(cli(['status', `--dir=${dir}`])).toEqual({ status: 0, stdout: 'cluster: not running\n', stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
