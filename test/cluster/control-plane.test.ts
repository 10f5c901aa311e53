/**
 * End-to-end tests of the local control plane with the real binaries (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, kwok). They build nothing: when the binaries are absent the suite is
 * skipped with a message (`.ci/run` runs tools/cluster/build.sh first, so CI always runs it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { binaryPaths, missingBinaries } from '../../tools/cluster/binaries';
import { isRunning, readState, type ClusterState } from '../../tools/cluster/control-plane';
import { runVerify } from '../../tools/cluster/verify';

const ROOT = resolve(__dirname, '..', '..');
const missing = missingBinaries();
const built = missing.length === 0;
if (!built) {
  console.warn(`test/cluster: SKIPPED, the control-plane binaries are not built (missing: ${missing.join(', ')}); run: bash tools/cluster/build.sh`);
}
const describeIfBuilt = built ? describe : describe.skip;

/** The addresses on which the given processes listen (TCP, from /proc: socket inodes of their fds matched to LISTEN rows). */
function listeningAddresses(pids: number[]): string[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        /* fd closed meanwhile */
      }
    }
  }
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const row of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      const [local, , state] = [cols[1], cols[2], cols[3]];
      if (state === '0A' && inodes.has(cols[9])) out.push(local);
    }
  }
  return out;
}

/** 0100007F:1F90 (little-endian IPv4) or the IPv6 form: whether the address is in 127.0.0.0/8 or ::1. */
function isLoopback(hexAddr: string): boolean {
  const ip = hexAddr.split(':')[0];
  if (ip.length === 8) return ip.endsWith('7F');
  return ip === '00000000000000000000000001000000' || /^0000000000000000FFFF0000[0-9A-F]{6}7F$/.test(ip);
}

function cli(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'tools', 'cluster', 'cli.ts'), ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cmdline(s: ClusterState, name: string): string[] {
  const c = s.components.find((x) => x.name === name);
  return c === undefined ? [] : readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').split('\0');
}

describeIfBuilt('local control plane (real binaries)', () => {
  jest.setTimeout(300_000);

  test('cluster up: every component on loopback, node Ready, a Deployment becomes Available; down leaves no process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-stack-cluster-test-'));
    const env = { ...process.env, CHAOS_STACK_CLUSTER_DIR: dir };
    let state: ClusterState | undefined;
    try {
      const up = cli(['up'], env);
      expect(`${up.stdout}${up.stderr}`).toContain('cluster: up in');
      expect(up.status).toBe(0);
      state = readState(join(dir, 'state.json'));
      expect(state).toBeDefined();
      const s = state as ClusterState;
      expect(s.components.map((c) => c.name)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
      for (const c of s.components) expect(isRunning(c.pid, c.binary)).toBe(true);
      // kwok mode: the controllers use the admin kubeconfig (no --use-service-account-credentials), no kubelet flags.
      expect(cmdline(s, 'kube-controller-manager').filter((a) => a.startsWith('--use-service-account'))).toEqual([]);
      expect(cmdline(s, 'kube-apiserver').filter((a) => /^--(kubelet|requestheader|proxy-client)/.test(a))).toEqual([]);

      const listening = listeningAddresses(s.components.map((c) => c.pid));
      expect(listening.length).toBeGreaterThanOrEqual(4);
      expect(listening.filter((a) => !isLoopback(a))).toEqual([]);

      const status = cli(['status'], env);
      expect(status.status).toBe(0);
      expect(status.stdout).toMatch(/kube-apiserver\s+pid \d+\s+running healthy/);

      const kubectl = binaryPaths().kubectl;
      const kc = ['--kubeconfig', s.kubeconfig];
      const nodes = spawnSync(kubectl, [...kc, 'get', 'nodes', '--no-headers'], { encoding: 'utf8' });
      expect(nodes.stdout).toMatch(/^kwok-node-0\s+Ready/m);
      const manifest = readFileSync(join(__dirname, 'fixtures', 'bad-selector.yaml'), 'utf8').split(/^---$/m).slice(0, 2).join('---\n');
      const applied = spawnSync(kubectl, [...kc, 'apply', '-f', '-'], { input: manifest, encoding: 'utf8' });
      expect(applied.stderr).toBe('');
      const wait = spawnSync(kubectl, [...kc, '-n', 'verify-fixture', 'wait', '--for=condition=Available', 'deployment/good', '--timeout=120s'], {
        encoding: 'utf8',
      });
      expect(`${wait.stdout}${wait.stderr}`).toContain('condition met');
      const pods = spawnSync(kubectl, [...kc, '-n', 'verify-fixture', 'get', 'pods', '-o', 'wide', '--no-headers'], { encoding: 'utf8' });
      expect(pods.stdout).toMatch(/Running.*kwok-node-0/);
    } finally {
      const down = cli(['down'], env);
      expect(down.status).toBe(0);
      expect(down.stdout).toContain('cluster: down');
      rmSync(dir, { recursive: true, force: true });
    }
    for (const c of state?.components ?? []) expect(isRunning(c.pid)).toBe(false);
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
  });

  test('real-node mode (on 127.0.0.2, a loopback address that is not 127.0.0.1): up --env prints the lines bash reads; '
    + 'the kubelet certificate logs in as its node; down stops it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-stack-cluster-test-'));
    const cpDir = join(dir, 'control-plane');
    let state: ClusterState | undefined;
    try {
      const up = cli(['up', '--dir', cpDir, '--address', '127.0.0.2', '--node', 'test-node-0', '--aggregator', '--no-kwok', '--no-crds', '--env'], process.env);
      expect(up.stderr).toContain('cluster: up in');
      expect(up.status).toBe(0);
      const lines = up.stdout.trimEnd().split('\n');
      expect(lines.map((l) => l.split('=')[0])).toEqual([
        'DIR', 'STATE_FILE', 'SERVER', 'KUBECONFIG', 'CA_FILE', 'COMPONENTS',
        'KUBELET_NODE', 'KUBELET_CERT', 'KUBELET_KEY', 'KUBELET_SERVING_CERT', 'KUBELET_SERVING_KEY', 'KUBE_PROXY_CERT', 'KUBE_PROXY_KEY',
      ]);
      const env = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      expect(env.SERVER).toMatch(/^https:\/\/127\.0\.0\.2:\d+$/);
      expect(env.KUBELET_CERT).toBe(join(cpDir, 'pki', 'kubelet.crt'));
      state = readState(env.STATE_FILE);
      const s = state as ClusterState;
      expect(s.components.map((c) => c.name)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
      expect(env.COMPONENTS).toBe(s.components.map((c) => `${c.name}:${c.pid}`).join(','));
      expect(cmdline(s, 'kube-controller-manager')).toContain('--use-service-account-credentials=true');
      expect(cmdline(s, 'kube-apiserver')).toContain('--kubelet-preferred-address-types=InternalIP');
      expect(cmdline(s, 'kube-apiserver')).toContain('--enable-aggregator-routing=true');

      const kubectl = binaryPaths().kubectl;
      const asCert = (cert: string, key: string): string => spawnSync(kubectl, [
        '--server', env.SERVER, '--certificate-authority', env.CA_FILE, '--client-certificate', cert, '--client-key', key, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}',
      ], { encoding: 'utf8' }).stdout;
      expect(asCert(env.KUBELET_CERT, env.KUBELET_KEY)).toBe('system:node:test-node-0 ["system:nodes","system:authenticated"]');
      expect(asCert(env.KUBE_PROXY_CERT, env.KUBE_PROXY_KEY)).toBe('system:kube-proxy ["system:authenticated"]');
      // The aggregation layer's CA is published for extension API servers (metrics-server reads it there).
      const cm = spawnSync(kubectl, ['--kubeconfig', env.KUBECONFIG, '-n', 'kube-system', 'get', 'configmap', 'extension-apiserver-authentication',
        '-o', 'jsonpath={.data.requestheader-allowed-names}'], { encoding: 'utf8' });
      expect(cm.stdout).toBe('["front-proxy-client"]');
    } finally {
      const down = cli(['down', '--dir', cpDir], process.env);
      expect(down.status).toBe(0);
      expect(down.stdout).toContain('cluster: down');
      rmSync(dir, { recursive: true, force: true });
    }
    for (const c of state?.components ?? []) expect(isRunning(c.pid)).toBe(false);
  });

  test('verify rejects a Deployment whose selector does not match its template labels, with the API server message', async () => {
    const lines: string[] = [];
    const pids: number[] = [];
    const emptyCrds = mkdtempSync(join(tmpdir(), 'chaos-stack-no-crds-'));
    try {
      const result = await runVerify({
        paths: [join(__dirname, 'fixtures', 'bad-selector.yaml')],
        crdsDir: emptyCrds,
        out: (l) => lines.push(l),
        err: (l) => {
          const m = /started \S+ \(pid (\d+)\)/.exec(l);
          if (m) pids.push(Number(m[1]));
        },
      });
      expect(result.exitCode).toBe(1);
      expect(result.results).toEqual([
        expect.objectContaining({ env: 'bad-selector', checked: 3, accepted: 2, rejected: 1 }),
      ]);
      const rejected = lines.filter((l) => l.startsWith('REJECTED'));
      expect(rejected).toHaveLength(1);
      // The API server's own words (kube-apiserver 1.33 quotes the field names in backticks).
      expect(rejected[0]).toMatch(/^REJECTED bad-selector Deployment verify-fixture\/bad-selector: Deployment.apps "bad-selector" is invalid: /);
      expect(rejected[0]).toMatch(/spec\.template\.metadata\.labels: Invalid value: .*`?selector`? does not match template `?labels`?/);
      expect(result.summary).toBe('verify: bad-selector 3 checked, 2 accepted, 1 rejected; total 3 checked, 2 accepted, 1 rejected');
    } finally {
      rmSync(emptyCrds, { recursive: true, force: true });
    }
    // runVerify tears its control plane down: none of the processes it started is left.
    expect(pids.length).toBe(2);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  });
});
