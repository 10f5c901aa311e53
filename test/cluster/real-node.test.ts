/**
 * The real-node mode of the local control plane (tools/node/up.sh runs it through the CLI), without starting it
 * and without a process of its own: the simulated node, the API server's arguments, the lines the CLI prints for
 * bash. The certificates (made and read back with openssl) and the CLI's option errors (the CLI as a process) are in
 * real-node-tools.test.ts, in the integration project.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiServerArgs, SIMULATED_NODE_TAINT, simulatedNode, stateEnvLines, type ClusterState } from '../../tools/cluster/control-plane';
import { createPki, type Pki } from '../../tools/cluster/pki';

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
