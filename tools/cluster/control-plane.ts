/**
 * A real Kubernetes control plane on 127.0.0.1 without a cluster: etcd, kube-apiserver (RBAC on),
 * kube-controller-manager, kube-scheduler and kwok (one simulated node, pods made Running/Ready),
 * every process started from the pinned binaries that tools/cluster/build.sh builds.
 *
 * Used by `npm run cluster -- up|down|status` (tools/cluster/cli.ts), by `npm run verify` (tools/cluster/verify.ts,
 * API server only) and by the tests. Everything listens on loopback, on ports picked free at start.
 * The real node of tools/node (up.sh, through the CLI) runs it in real-node mode: the API server on the bridge
 * address 10.88.0.1, with the kubelet's certificates and the aggregation layer (see ControlPlaneOptions).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { ensureBinaries, type BinaryName, type BinaryPaths } from './binaries';
import { KubeClient, probe, statusMessage } from './kube-client';
import { createPki, hasOpenssl, type KubeletPki, type Pki } from './pki';

/** `full`: the whole control plane with a simulated node; `apiserver`: etcd and kube-apiserver only (enough for dry-runs). */
export type ControlPlaneMode = 'full' | 'apiserver';

export interface ControlPlaneOptions {
  /** Working folder: keys, etcd data, logs, kubeconfig and state.json go here. Emptied at start. */
  readonly dir: string;
  /** @default 'full' */
  readonly mode?: ControlPlaneMode;
  /** Name of the simulated node (full mode, with kwok). @default 'kwok-node-0' */
  readonly nodeName?: string;
  /**
   * Address the API server binds to and advertises. A bridge address (10.88.0.1 of tools/node) is the real-node
   * mode: pods of a real kubelet reach the API server there, the endpoint reconciler runs (`lease`) so the
   * `kubernetes` Service has that endpoint, kwok manages only nodes annotated `kwok.x-k8s.io/node=fake` (never a
   * real kubelet's node), and the simulated node is tainted so workloads land on the real node.
   * @default '127.0.0.1' (kwok mode: no endpoint reconciler, kwok manages every node, the simulated node untainted)
   */
  readonly address?: string;
  /**
   * The API server's port. tools/node passes 6443, kubeadm's: pods reach the API server through the `kubernetes`
   * Service (443) DNATed to this port, which is what a NetworkPolicy sees, and the project's policies allow 443 and 6443.
   * @default a free port, picked at start
   */
  readonly apiPort?: number;
  /**
   * Name of a real kubelet's node (tools/node; needs openssl and an `address` off loopback): the CA signs the
   * kubelet's client certificate (system:node:<name> in system:nodes), its serving certificate (IP:<address>,
   * DNS:<name>), kube-proxy's (system:kube-proxy) and the API server's kubelet client certificate, and the API server
   * gets `--kubelet-client-certificate/-key`, `--kubelet-certificate-authority` (the CA) and
   * `--kubelet-preferred-address-types=InternalIP` (logs, exec, port-forward and metrics reach the kubelet).
   * @default none (no kubelet certificates, the API server's kubelet flags unset)
   */
  readonly kubeletNodeName?: string;
  /**
   * The aggregation layer (for metrics-server): a front-proxy CA and client certificate, `--requestheader-*`,
   * `--proxy-client-cert-file/-key-file` and `--enable-aggregator-routing`. Needs openssl.
   * @default false
   */
  readonly aggregator?: boolean;
  /**
   * Run kwok and create its simulated node (full mode).
   * @default true
   */
  readonly kwok?: boolean;
  /**
   * kube-controller-manager's `--use-service-account-credentials`: each controller calls the API server with its own
   * service account (the bootstrap RBAC roles, as in a kubeadm cluster) instead of the admin kubeconfig.
   * @default true off loopback (real-node mode), false on 127.0.0.1 (kwok mode: the controllers use the admin token)
   */
  readonly serviceAccountCredentials?: boolean;
  /** How long each component may take to become ready. @default 120_000 */
  readonly readyTimeoutMs?: number;
  /** Let the processes outlive this Node.js process (the `up` command). @default false */
  readonly detached?: boolean;
  /** Sign the serving certificate with a throwaway CA made by openssl. @default whether openssl is on PATH */
  readonly useOpenssl?: boolean;
  /** Binaries to use. @default built on demand with build.sh */
  readonly binaries?: BinaryPaths;
  /** @default a line on stderr */
  readonly log?: (line: string) => void;
}

/** Files of a real kubelet's node (ControlPlaneOptions.kubeletNodeName), in the state file. */
export interface KubeletFiles {
  /** The kubelet's node name. */
  nodeName: string;
  clientCert: string;
  clientKey: string;
  servingCert: string;
  servingKey: string;
  kubeProxyCert: string;
  kubeProxyKey: string;
}

export interface ComponentState {
  name: BinaryName;
  pid: number;
  binary: string;
  logFile: string;
  /** The component's health endpoint (or none for kwok, whose readiness is its node's Ready condition). */
  healthUrl?: string;
}

export interface ClusterState {
  dir: string;
  mode: ControlPlaneMode;
  server: string;
  kubeconfig: string;
  /** Admin bearer token (group system:masters). */
  token: string;
  /** PEM file of the CA of the serving certificate. */
  caFile: string;
  nodeName?: string;
  /** The certificates of a real kubelet's node and of kube-proxy (ControlPlaneOptions.kubeletNodeName). */
  kubelet?: KubeletFiles;
  components: ComponentState[];
  startedAt: string;
}

/** What apiServerArgs needs besides the PKI. */
export interface ApiServerArgsInput {
  readonly etcdUrl: string;
  readonly address: string;
  readonly port: number;
  readonly pki: Pki;
  /** Folder where the API server makes its own serving certificate when openssl made none. */
  readonly certDir: string;
}

/**
 * kube-apiserver's arguments. On 127.0.0.1 (kwok mode) no endpoint reconciler; off loopback the `lease` reconciler,
 * plus the kubelet client flags when the PKI has kubelet certificates and the aggregation layer's when it has a
 * front-proxy CA.
 */
export function apiServerArgs(i: ApiServerArgsInput): string[] {
  const { pki, address } = i;
  const realNode = address !== '127.0.0.1';
  const tls = pki.servingCert !== undefined && pki.servingKey !== undefined && pki.caCert !== undefined
    ? [`--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`, `--client-ca-file=${pki.caCert}`]
    : [`--cert-dir=${i.certDir}`];
  const kubelet = pki.kubelet !== undefined && pki.caCert !== undefined
    ? [
      `--kubelet-client-certificate=${pki.kubelet.apiserverClient.cert}`,
      `--kubelet-client-key=${pki.kubelet.apiserverClient.key}`,
      `--kubelet-certificate-authority=${pki.caCert}`,
      '--kubelet-preferred-address-types=InternalIP',
    ]
    : [];
  const aggregator = pki.frontProxy === undefined
    ? []
    : [
      `--requestheader-client-ca-file=${pki.frontProxy.caCert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.frontProxy.client.cert}`,
      `--proxy-client-key-file=${pki.frontProxy.client.key}`,
      '--enable-aggregator-routing=true',
    ];
  return [
    `--etcd-servers=${i.etcdUrl}`,
    `--bind-address=${address}`,
    `--advertise-address=${address}`,
    `--secure-port=${i.port}`,
    ...tls,
    ...kubelet,
    ...aggregator,
    '--authorization-mode=Node,RBAC',
    `--token-auth-file=${pki.tokenFile}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.saPublicKey}`,
    `--service-account-signing-key-file=${pki.saPrivateKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    // Endpoints may not point at loopback, so on 127.0.0.1 the kubernetes Service gets none (nothing in-cluster
    // calls it there); on a bridge address real pods call it, so the reconciler publishes that address.
    `--endpoint-reconciler-type=${realNode ? 'lease' : 'none'}`,
    '--enable-admission-plugins=NodeRestriction',
    '--allow-privileged=true',
    '--profiling=false',
    '--v=1',
  ];
}

function kubeletFiles(nodeName: string, k: KubeletPki): KubeletFiles {
  return {
    nodeName,
    clientCert: k.client.cert,
    clientKey: k.client.key,
    servingCert: k.serving.cert,
    servingKey: k.serving.key,
    kubeProxyCert: k.kubeProxy.cert,
    kubeProxyKey: k.kubeProxy.key,
  };
}

/** A component that failed to start or become ready; the message names it and carries the tail of its log. */
export class ComponentError extends Error {
  constructor(readonly component: string, message: string, readonly logTail: string) {
    super(`${component}: ${message}${logTail === '' ? '' : `\n--- last lines of the ${component} log ---\n${logTail}`}`);
    this.name = 'ComponentError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function tailOf(file: string, lines = 25): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Picks `count` distinct free TCP ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const srv = createServer();
      servers.push(srv);
      ports.push(
        await new Promise<number>((res, rej) => {
          srv.once('error', rej);
          srv.listen(0, '127.0.0.1', () => {
            const a = srv.address();
            if (a !== null && typeof a === 'object') res(a.port);
            else rej(new Error('no port'));
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** Whether `pid` is a live process running `binary` (checked through /proc where it exists). */
export function isRunning(pid: number, binary?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const procDir = `/proc/${pid}`;
  if (!existsSync('/proc/self')) return true;
  try {
    const stat = readFileSync(`${procDir}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    if (binary === undefined) return true;
    const argv0 = readFileSync(`${procDir}/cmdline`, 'utf8').split('\0')[0];
    return argv0 === binary;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`, for each component still running; resolves when all are gone. */
export async function stopComponents(components: readonly ComponentState[], graceMs = 10_000): Promise<string[]> {
  const report: string[] = [];
  const alive = components.filter((c) => isRunning(c.pid, c.binary));
  for (const c of alive) {
    try {
      process.kill(c.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && alive.some((c) => isRunning(c.pid, c.binary))) await sleep(100);
  for (const c of alive) {
    if (isRunning(c.pid, c.binary)) {
      try {
        process.kill(c.pid, 'SIGKILL');
        report.push(`${c.name} (pid ${c.pid}) did not stop on SIGTERM within ${graceMs} ms: killed`);
      } catch {
        /* already gone */
      }
    } else {
      report.push(`${c.name} (pid ${c.pid}) stopped`);
    }
  }
  const killDeadline = Date.now() + 5_000;
  while (Date.now() < killDeadline && alive.some((c) => isRunning(c.pid, c.binary))) await sleep(50);
  const left = alive.filter((c) => isRunning(c.pid, c.binary));
  if (left.length > 0) throw new Error(`could not stop ${left.map((c) => `${c.name} (pid ${c.pid})`).join(', ')}`);
  return report;
}

export function kubeconfigYaml(server: string, caPem: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: chaos-stack-local',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${ca}`,
    'contexts:',
    '- name: chaos-stack-local',
    '  context:',
    '    cluster: chaos-stack-local',
    '    user: admin',
    '    namespace: default',
    'current-context: chaos-stack-local',
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    '',
  ].join('\n');
}

/** The taint of the simulated node when a real node is present (real-node mode). */
export const SIMULATED_NODE_TAINT = { key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' } as const;

/**
 * The simulated node that kwok manages. Untainted (workloads schedule on it as on a real node) unless `tainted`:
 * beside a real node it only takes pods that tolerate SIMULATED_NODE_TAINT.
 */
export function simulatedNode(name: string, tainted = false): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    ...(tainted ? { spec: { taints: [{ ...SIMULATED_NODE_TAINT }] } } : {}),
    metadata: {
      name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': name,
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'fake', kubeProxyVersion: 'fake' },
    },
  };
}

export class ControlPlane {
  readonly dir: string;
  readonly mode: ControlPlaneMode;
  readonly nodeName: string;
  private readonly readyTimeoutMs: number;
  private readonly log: (line: string) => void;
  private readonly components: ComponentState[] = [];
  private readonly children = new Map<number, ChildProcess>();
  private exited = new Map<number, string>();
  private stateValue?: ClusterState;
  private kube?: KubeClient;
  private exitHook?: () => void;
  private stopping = false;

  constructor(private readonly opts: ControlPlaneOptions) {
    this.dir = resolve(opts.dir);
    this.mode = opts.mode ?? 'full';
    this.nodeName = opts.nodeName ?? 'kwok-node-0';
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
    this.log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
  }

  get state(): ClusterState {
    if (!this.stateValue) throw new Error('control plane not started');
    return this.stateValue;
  }

  /** An API client with the admin token. */
  client(): KubeClient {
    if (!this.kube) {
      const s = this.state;
      this.kube = new KubeClient({ server: s.server, token: s.token, ca: readFileSync(s.caFile, 'utf8') });
    }
    return this.kube;
  }

  get statePath(): string {
    return join(this.dir, 'state.json');
  }

  /** Starts every component and waits until each is ready; on any failure stops what it started and throws. */
  async start(): Promise<ClusterState> {
    const t0 = Date.now();
    const bins = this.opts.binaries ?? ensureBinaries(this.log);
    // Last resort when this process exits without stop(): no component may outlive a non-detached control plane.
    if (!this.opts.detached) {
      this.exitHook = () => this.killNow();
      process.on('exit', this.exitHook);
    }
    try {
      await this.startAll(bins);
    } catch (e) {
      this.log('cluster: start failed, stopping what was started');
      await this.stop().catch((err: unknown) => this.log(`cluster: stop after failure: ${String(err)}`));
      throw e;
    }
    this.log(`cluster: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${this.mode}), API server ${this.state.server}`);
    return this.state;
  }

  private async startAll(bins: BinaryPaths): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    const address = this.opts.address ?? '127.0.0.1';
    const realNode = address !== '127.0.0.1';
    const kubeletNode = this.opts.kubeletNodeName;
    if (kubeletNode !== undefined && !realNode) throw new Error('cluster: a real kubelet (kubeletNodeName) needs an address off loopback');
    const withKwok = this.mode === 'full' && (this.opts.kwok ?? true);
    const pki: Pki = createPki(join(this.dir, 'pki'), {
      useOpenssl: this.opts.useOpenssl ?? hasOpenssl(),
      extraSans: realNode ? [`IP:${address}`] : [],
      ...(kubeletNode === undefined ? {} : { kubelet: { name: kubeletNode, address } }),
      frontProxy: this.opts.aggregator ?? false,
    });
    const [etcdClient, etcdPeer, freeApiPort, kcmPort, schedPort] = await freePorts(5);
    const apiPort = this.opts.apiPort ?? freeApiPort;
    const server = `https://${address}:${apiPort}`;
    const kubeconfig = join(this.dir, 'kubeconfig');
    this.stateValue = {
      dir: this.dir,
      mode: this.mode,
      server,
      kubeconfig,
      token: pki.adminToken,
      caFile: pki.caCert ?? join(this.dir, 'pki', 'apiserver-certs', 'apiserver.crt'),
      components: this.components,
      startedAt: new Date().toISOString(),
      ...(withKwok ? { nodeName: this.nodeName } : {}),
      ...(kubeletNode !== undefined && pki.kubelet !== undefined ? { kubelet: kubeletFiles(kubeletNode, pki.kubelet) } : {}),
    };

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    await this.launch('etcd', bins.etcd, [
      '--name=default',
      `--data-dir=${join(this.dir, 'etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--log-level=warn',
      '--quota-backend-bytes=2147483648',
      '--unsafe-no-fsync=true',
    ], `${etcdUrl}/health`, (r) => r.status === 200 && r.body.includes('"health":"true"'));

    await this.launch(
      'kube-apiserver',
      bins['kube-apiserver'],
      apiServerArgs({ etcdUrl, address, port: apiPort, pki, certDir: join(this.dir, 'pki', 'apiserver-certs') }),
      `${server}/readyz`,
      (r) => r.status === 200,
      pki.adminToken,
    );

    const caPem = readFileSync(this.state.caFile, 'utf8');
    writeFileSync(kubeconfig, kubeconfigYaml(server, caPem, pki.adminToken), { mode: 0o600 });
    this.saveState();
    if (this.mode === 'apiserver') return;

    const delegated = [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`];
    await this.launch('kube-controller-manager', bins['kube-controller-manager'], [
      ...delegated,
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      `--cert-dir=${join(this.dir, 'pki', 'kube-controller-manager')}`,
      `--service-account-private-key-file=${pki.saPrivateKey}`,
      `--root-ca-file=${this.state.caFile}`,
      ...((this.opts.serviceAccountCredentials ?? realNode) ? ['--use-service-account-credentials=true'] : []),
      '--service-cluster-ip-range=10.96.0.0/16',
      '--leader-elect=false',
      '--profiling=false',
      '--v=1',
    ], `https://127.0.0.1:${kcmPort}/healthz`, (r) => r.status === 200);

    await this.launch('kube-scheduler', bins['kube-scheduler'], [
      ...delegated,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
      `--cert-dir=${join(this.dir, 'pki', 'kube-scheduler')}`,
      '--leader-elect=false',
      '--profiling=false',
      '--v=1',
    ], `https://127.0.0.1:${schedPort}/healthz`, (r) => r.status === 200);
    if (!withKwok) return;

    // kwok: an empty configuration file keeps it from reading ~/.kwok/kwok.yaml; it then uses its default
    // node and pod stages. With no --server-address and no --node-port it opens no port at all.
    const kwokConfig = join(this.dir, 'kwok.yaml');
    writeFileSync(kwokConfig, 'apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokConfiguration\noptions: {}\n');
    await this.launch('kwok', bins.kwok, [
      `--kubeconfig=${kubeconfig}`,
      `--config=${kwokConfig}`,
      ...(realNode
        ? ['--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake']
        : ['--manage-all-nodes=true']),
      '--node-ip=127.0.0.1',
      '--node-lease-duration-seconds=40',
    ]);
    await this.createNodeAndWaitReady();
  }

  private async launch(
    name: BinaryName,
    binary: string,
    args: string[],
    healthUrl?: string,
    healthy?: (r: { status: number; body: string }) => boolean,
    token?: string,
  ): Promise<void> {
    if (this.stopping) throw new Error(`cluster: not starting ${name}: the control plane is being stopped`);
    const logFile = join(this.dir, 'logs', `${name}.log`);
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(binary, args, {
        cwd: this.dir,
        detached: true,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, KUBECONFIG: '' },
      });
    } finally {
      closeSync(fd);
    }
    const spawnError = await new Promise<Error | undefined>((res) => {
      child.once('spawn', () => res(undefined));
      child.once('error', (e) => res(e));
    });
    if (spawnError || child.pid === undefined) {
      throw new ComponentError(name, `could not start ${binary}: ${spawnError?.message ?? 'no pid'}`, tailOf(logFile));
    }
    const pid = child.pid;
    child.once('exit', (code, signal) => this.exited.set(pid, signal === null ? `exit code ${String(code)}` : `signal ${signal}`));
    if (this.opts.detached) child.unref();
    else this.children.set(pid, child);
    this.components.push({ name, pid, binary, logFile, ...(healthUrl === undefined ? {} : { healthUrl }) });
    this.saveState();
    this.log(`cluster: started ${name} (pid ${pid})`);
    if (healthUrl === undefined || healthy === undefined) return;

    const deadline = Date.now() + this.readyTimeoutMs;
    let last = '';
    for (;;) {
      await this.assertAlive(name, pid, logFile);
      const r = await probe(healthUrl, token);
      if (healthy(r)) return;
      last = r.status === 0 ? r.body : `HTTP ${r.status} ${r.body.slice(0, 300)}`;
      if (Date.now() > deadline) {
        throw new ComponentError(name, `not ready within ${this.readyTimeoutMs / 1000} s at ${healthUrl} (last answer: ${last.trim()})`, tailOf(logFile));
      }
      await sleep(250);
    }
  }

  private async assertAlive(name: string, pid: number, logFile: string): Promise<void> {
    if (this.exited.has(pid) || !isRunning(pid)) {
      await sleep(200); // let the exit event deliver the exit code
      const how = this.exited.get(pid);
      throw new ComponentError(name, `exited during start-up (${how ?? 'gone'})`, tailOf(logFile));
    }
  }

  private async createNodeAndWaitReady(): Promise<void> {
    const kube = this.client();
    const created = await kube.request('POST', '/api/v1/nodes', simulatedNode(this.nodeName, (this.opts.address ?? '127.0.0.1') !== '127.0.0.1'));
    if (created.status !== 201 && created.status !== 409) {
      throw new ComponentError('kwok', `could not create node ${this.nodeName}: ${statusMessage(created)}`, '');
    }
    const kwok = this.components.find((c) => c.name === 'kwok');
    const deadline = Date.now() + this.readyTimeoutMs;
    for (;;) {
      if (kwok) await this.assertAlive('kwok', kwok.pid, kwok.logFile);
      const r = await kube.get(`/api/v1/nodes/${this.nodeName}`);
      const conds = (r.json as { status?: { conditions?: { type: string; status: string }[] } } | undefined)?.status?.conditions ?? [];
      if (conds.some((c) => c.type === 'Ready' && c.status === 'True')) {
        this.log(`cluster: node ${this.nodeName} is Ready`);
        return;
      }
      if (Date.now() > deadline) {
        throw new ComponentError('kwok', `node ${this.nodeName} not Ready within ${this.readyTimeoutMs / 1000} s`, kwok ? tailOf(kwok.logFile) : '');
      }
      await sleep(250);
    }
  }

  private saveState(): void {
    if (this.stateValue) writeFileSync(this.statePath, `${JSON.stringify(this.stateValue, null, 2)}\n`, { mode: 0o600 });
  }

  /** Stops every component in reverse start order (SIGTERM, then SIGKILL) and removes the state file. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.kube?.close();
    this.kube = undefined;
    const order = [...this.components].reverse();
    // Everything above etcd first, so the API server can still reach its storage while it shuts down.
    const upper = order.filter((c) => c.name !== 'etcd');
    const etcd = order.filter((c) => c.name === 'etcd');
    await stopComponents(upper);
    await stopComponents(etcd);
    this.components.length = 0;
    this.children.clear();
    rmSync(this.statePath, { force: true });
    if (this.exitHook) {
      process.removeListener('exit', this.exitHook);
      this.exitHook = undefined;
    }
  }

  /** Synchronous SIGKILL of whatever is left: for process exit paths. */
  killNow(): void {
    for (const c of this.components) {
      if (isRunning(c.pid, c.binary)) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
  }
}

/**
 * Stops the control plane on SIGINT/SIGTERM (then exits 130/143). Returns a function that removes the handlers.
 */
export function stopOnSignals(cp: ControlPlane, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`cluster: ${signal} received, stopping the control plane`);
    cp.stop().then(
      () => process.exit(signal === 'SIGINT' ? 130 : 143),
      (e: unknown) => {
        log(`cluster: stop failed: ${String(e)}`);
        cp.killNow();
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}

/**
 * The state as `KEY=value` lines for a shell (tools/node/up.sh reads them with `IFS='=' read -r`): the server, the
 * admin kubeconfig, the CA, the component pids and, with a real kubelet, its certificates. The admin token is not
 * printed: it stays in the kubeconfig and state.json (both mode 0600).
 */
export function stateEnvLines(s: ClusterState): string[] {
  const pairs: [string, string][] = [
    ['DIR', s.dir],
    ['STATE_FILE', join(s.dir, 'state.json')],
    ['SERVER', s.server],
    ['KUBECONFIG', s.kubeconfig],
    ['CA_FILE', s.caFile],
    ['COMPONENTS', s.components.map((c) => `${c.name}:${c.pid}`).join(',')],
  ];
  if (s.nodeName !== undefined) pairs.push(['SIMULATED_NODE', s.nodeName]);
  if (s.kubelet !== undefined) {
    const k = s.kubelet;
    pairs.push(
      ['KUBELET_NODE', k.nodeName],
      ['KUBELET_CERT', k.clientCert],
      ['KUBELET_KEY', k.clientKey],
      ['KUBELET_SERVING_CERT', k.servingCert],
      ['KUBELET_SERVING_KEY', k.servingKey],
      ['KUBE_PROXY_CERT', k.kubeProxyCert],
      ['KUBE_PROXY_KEY', k.kubeProxyKey],
    );
  }
  for (const [key, value] of pairs) {
    if (/[\s'"$`\\]/.test(value)) throw new Error(`cluster: ${key} has a character a shell line cannot carry as is: ${JSON.stringify(value)}`);
  }
  return pairs.map(([key, value]) => `${key}=${value}`);
}

export function readState(file: string): ClusterState | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
}
