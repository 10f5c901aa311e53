/**
 * The real-node mode of the local control plane (tools/node/up.sh runs it through the CLI), without starting it:
 * the simulated node, the certificates (read back with openssl), the API server's arguments, the lines the CLI
 * prints for bash, and the CLI's option errors.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { apiServerArgs, SIMULATED_NODE_TAINT, simulatedNode, stateEnvLines, type ClusterState } from '../../tools/cluster/control-plane';
import { createPki, hasOpenssl, type Pki } from '../../tools/cluster/pki';

const ROOT = resolve(__dirname, '..', '..');

describe('the simulated node (kwok)', () => {
  test('kwok mode: untainted, so workloads schedule on it; annotated for a kwok limited to its own nodes', () => {
    const n = simulatedNode('kwok-node-0') as { spec?: unknown; metadata: { annotations: Record<string, string> } };
    expect(n.spec).toBeUndefined();
    expect(n.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
  });

  test('real-node mode: tainted, so workloads land on the real kubelet', () => {
    const n = simulatedNode('kwok-node-0', true) as { spec: { taints: unknown[] } };
    expect(n.spec.taints).toEqual([SIMULATED_NODE_TAINT]);
  });
});

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

test('the kubelet and front-proxy certificates need openssl: without it createPki says so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-stack-pki-test-'));
  try {
    expect(() => createPki(dir, { useOpenssl: false, kubelet: { name: 'n', address: '10.88.0.1' } }))
      .toThrow('pki: the kubelet and front-proxy certificates need openssl (not on PATH, or useOpenssl: false)');
    expect(() => createPki(dir, { useOpenssl: false, frontProxy: true }))
      .toThrow('pki: the kubelet and front-proxy certificates need openssl (not on PATH, or useOpenssl: false)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A PKI as createPki returns it, without making files (apiServerArgs only reads the paths). */
function fakePki(extra: Partial<Pki> = {}): Pki {
  return {
    dir: '/p', saPublicKey: '/p/sa.pub', saPrivateKey: '/p/sa.key', caCert: '/p/ca.crt', caKey: '/p/ca.key',
    servingCert: '/p/apiserver.crt', servingKey: '/p/apiserver.key', adminToken: 't', tokenFile: '/p/tokens.csv', ...extra,
  };
}

describe('kube-apiserver arguments', () => {
  const common = { etcdUrl: 'http://127.0.0.1:2379', certDir: '/p/apiserver-certs' };
  const tail = [
    '--authorization-mode=Node,RBAC',
    '--token-auth-file=/p/tokens.csv',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--service-account-key-file=/p/sa.pub',
    '--service-account-signing-key-file=/p/sa.key',
    '--service-cluster-ip-range=10.96.0.0/16',
  ];

  test('kwok mode (127.0.0.1): no endpoint reconciler, no kubelet or aggregation flags', () => {
    expect(apiServerArgs({ ...common, address: '127.0.0.1', port: 40000, pki: fakePki() })).toEqual([
      '--etcd-servers=http://127.0.0.1:2379',
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      '--secure-port=40000',
      '--tls-cert-file=/p/apiserver.crt',
      '--tls-private-key-file=/p/apiserver.key',
      '--client-ca-file=/p/ca.crt',
      ...tail,
      '--endpoint-reconciler-type=none',
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=true',
      '--profiling=false',
      '--v=1',
    ]);
  });

  test('without openssl the API server makes its own serving certificate in its cert dir', () => {
    const args = apiServerArgs({ ...common, address: '127.0.0.1', port: 40000, pki: fakePki({ caCert: undefined, servingCert: undefined, servingKey: undefined }) });
    expect(args.filter((a) => /^--(tls|client-ca|cert-dir)/.test(a))).toEqual(['--cert-dir=/p/apiserver-certs']);
  });

  test('real node (10.88.0.1:6443): lease reconciler, the kubelet client certificate and CA, the aggregation layer', () => {
    const pki = fakePki({
      kubelet: {
        apiserverClient: { cert: '/p/apiserver-kubelet-client.crt', key: '/p/apiserver-kubelet-client.key' },
        client: { cert: '/p/kubelet.crt', key: '/p/kubelet.key' },
        serving: { cert: '/p/kubelet-serving.crt', key: '/p/kubelet-serving.key' },
        kubeProxy: { cert: '/p/kube-proxy.crt', key: '/p/kube-proxy.key' },
      },
      frontProxy: { caCert: '/p/front-proxy-ca.crt', caKey: '/p/front-proxy-ca.key', client: { cert: '/p/front-proxy-client.crt', key: '/p/front-proxy-client.key' } },
    });
    expect(apiServerArgs({ ...common, address: '10.88.0.1', port: 6443, pki })).toEqual([
      '--etcd-servers=http://127.0.0.1:2379',
      '--bind-address=10.88.0.1',
      '--advertise-address=10.88.0.1',
      '--secure-port=6443',
      '--tls-cert-file=/p/apiserver.crt',
      '--tls-private-key-file=/p/apiserver.key',
      '--client-ca-file=/p/ca.crt',
      '--kubelet-client-certificate=/p/apiserver-kubelet-client.crt',
      '--kubelet-client-key=/p/apiserver-kubelet-client.key',
      '--kubelet-certificate-authority=/p/ca.crt',
      '--kubelet-preferred-address-types=InternalIP',
      '--requestheader-client-ca-file=/p/front-proxy-ca.crt',
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      '--proxy-client-cert-file=/p/front-proxy-client.crt',
      '--proxy-client-key-file=/p/front-proxy-client.key',
      '--enable-aggregator-routing=true',
      ...tail,
      '--endpoint-reconciler-type=lease',
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=true',
      '--profiling=false',
      '--v=1',
    ]);
  });
});

describe('the KEY=value lines of `cluster up --env`', () => {
  const base: ClusterState = {
    dir: '/w/control-plane',
    mode: 'full',
    server: 'https://10.88.0.1:6443',
    kubeconfig: '/w/control-plane/kubeconfig',
    token: 'secret-token',
    caFile: '/w/control-plane/pki/ca.crt',
    components: [
      { name: 'etcd', pid: 11, binary: '/b/etcd', logFile: '/l' },
      { name: 'kube-apiserver', pid: 12, binary: '/b/kube-apiserver', logFile: '/l' },
    ],
    startedAt: '2026-01-01T00:00:00.000Z',
  };

  test('a real node with kwok: server, files, pids, the simulated node and the kubelet\'s certificates; never the token', () => {
    const lines = stateEnvLines({
      ...base,
      nodeName: 'kwok-node-0',
      kubelet: {
        nodeName: 'chaos-node-0',
        clientCert: '/w/control-plane/pki/kubelet.crt',
        clientKey: '/w/control-plane/pki/kubelet.key',
        servingCert: '/w/control-plane/pki/kubelet-serving.crt',
        servingKey: '/w/control-plane/pki/kubelet-serving.key',
        kubeProxyCert: '/w/control-plane/pki/kube-proxy.crt',
        kubeProxyKey: '/w/control-plane/pki/kube-proxy.key',
      },
    });
    expect(lines).toEqual([
      'DIR=/w/control-plane',
      'STATE_FILE=/w/control-plane/state.json',
      'SERVER=https://10.88.0.1:6443',
      'KUBECONFIG=/w/control-plane/kubeconfig',
      'CA_FILE=/w/control-plane/pki/ca.crt',
      'COMPONENTS=etcd:11,kube-apiserver:12',
      'SIMULATED_NODE=kwok-node-0',
      'KUBELET_NODE=chaos-node-0',
      'KUBELET_CERT=/w/control-plane/pki/kubelet.crt',
      'KUBELET_KEY=/w/control-plane/pki/kubelet.key',
      'KUBELET_SERVING_CERT=/w/control-plane/pki/kubelet-serving.crt',
      'KUBELET_SERVING_KEY=/w/control-plane/pki/kubelet-serving.key',
      'KUBE_PROXY_CERT=/w/control-plane/pki/kube-proxy.crt',
      'KUBE_PROXY_KEY=/w/control-plane/pki/kube-proxy.key',
    ]);
    expect(lines.join('\n')).not.toContain('secret-token');
  });

  test('a value bash would split or expand is refused, naming the key', () => {
    expect(() => stateEnvLines({ ...base, kubeconfig: '/my work/kubeconfig' }))
      .toThrow('cluster: KUBECONFIG has a character a shell line cannot carry as is: "/my work/kubeconfig"');
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
