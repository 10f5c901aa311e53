/**
 * npm run verify [-- [--crds DIR] PATH...]
 *
 * Asks a real kube-apiserver whether it would accept every object: synthesizes dist/ (no PATH given), starts a
 * throwaway control plane (etcd + kube-apiserver, in a temporary folder, on free loopback ports), installs the
 * pinned third-party CRDs, creates the namespaces, then runs a server-side dry-run apply of every object.
 * Each environment (a subfolder of dist/, or a folder without subfolders, or a single file) is checked on its own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ControlPlane, stopOnSignals } from './control-plane';
import { type KubeClient, statusMessage } from './kube-client';
import { type BinaryPaths } from './binaries';

const REPO_ROOT = resolve(__dirname, '..', '..');

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface ManifestSet {
  env: string;
  objects: KubeObject[];
  /** Where each object came from, for messages. */
  sources: string[];
}

export interface EnvResult {
  env: string;
  checked: number;
  accepted: number;
  rejected: number;
  rejections: string[];
}

export interface VerifyOptions {
  /** Files or folders; when empty, `npx cdk8s synth` runs and dist/ is checked. */
  paths: string[];
  crdsDir?: string;
  out?: (line: string) => void;
  err?: (line: string) => void;
  binaries?: BinaryPaths;
  /** Also stop the control plane on SIGINT/SIGTERM (the CLI does). */
  handleSignals?: boolean;
}

export interface VerifyResult {
  exitCode: number;
  results: EnvResult[];
  summary: string;
}

const isYaml = (f: string): boolean => ['.yaml', '.yml', '.json'].includes(extname(f).toLowerCase());

function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFilesUnder(p));
    else if (e.isFile() && isYaml(e.name)) out.push(p);
  }
  return out;
}

/** Objects of a YAML stream, with `kind: *List` flattened. */
export function parseManifests(text: string, source: string): KubeObject[] {
  const objects: KubeObject[] = [];
  const push = (v: unknown): void => {
    if (v === null || v === undefined) return;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${source}: a document is not an object`);
    const o = v as Partial<KubeObject> & { items?: unknown };
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const item of o.items) push(item);
      return;
    }
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') throw new Error(`${source}: an object has no apiVersion or kind`);
    objects.push({ ...o, metadata: (o.metadata ?? {}) } as KubeObject);
  };
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0].message}`);
    push(doc.toJS());
  }
  return objects;
}

/**
 * Turns the given paths into environments: a folder with subfolders gives one per subfolder. Throws "nothing to
 * verify" when the paths hold no object at all, or when one of the environments holds none.
 */
export function collectSets(paths: string[]): ManifestSet[] {
  const sets: ManifestSet[] = [];
  const load = (env: string, files: string[]): void => {
    const set: ManifestSet = { env, objects: [], sources: [] };
    for (const f of files) {
      for (const o of parseManifests(readFileSync(f, 'utf8'), f)) {
        set.objects.push(o);
        set.sources.push(relative(process.cwd(), f));
      }
    }
    sets.push(set);
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`verify: ${p} does not exist`);
    if (statSync(p).isDirectory()) {
      const subdirs = readdirSync(p, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
      if (subdirs.length === 0) load(basename(resolve(p)), yamlFilesUnder(p));
      else for (const d of subdirs) load(d, yamlFilesUnder(join(p, d)));
    } else {
      load(basename(p, extname(p)), [p]);
    }
  }
  // Checked here, before any control plane (or its cold build) is started.
  const empty = sets.filter((s) => s.objects.length === 0).map((s) => s.env);
  if (sets.length === 0 || empty.length === sets.length) {
    throw new Error(`verify: nothing to verify: ${paths.join(', ')} hold${paths.length === 1 ? 's' : ''} no Kubernetes object`);
  }
  if (empty.length > 0) throw new Error(`verify: nothing to verify in ${empty.join(', ')}: no Kubernetes object (of ${paths.join(', ')})`);
  return sets;
}

interface ResourceInfo {
  plural: string;
  namespaced: boolean;
}

/** Maps apiVersion + kind to the resource's path through the API server's discovery documents. */
export class Discovery {
  private readonly cache = new Map<string, Map<string, ResourceInfo> | null>();

  constructor(private readonly kube: KubeClient) {}

  invalidate(): void {
    this.cache.clear();
  }

  private async group(apiVersion: string): Promise<Map<string, ResourceInfo> | null> {
    const hit = this.cache.get(apiVersion);
    if (hit !== undefined) return hit;
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const r = await this.kube.get(path);
    let kinds: Map<string, ResourceInfo> | null = null;
    if (r.status === 200) {
      kinds = new Map();
      const list = r.json as { resources?: { name: string; kind: string; namespaced: boolean }[] };
      for (const res of list.resources ?? []) if (!res.name.includes('/')) kinds.set(res.kind, { plural: res.name, namespaced: res.namespaced });
    } else if (r.status !== 404) {
      throw new Error(`discovery ${path}: ${statusMessage(r)}`);
    }
    this.cache.set(apiVersion, kinds);
    return kinds;
  }

  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    return (await this.group(apiVersion))?.get(kind);
  }

  /** The object's URL (collection-less: /…/<plural>/<name>) given its namespace. */
  static objectPath(apiVersion: string, info: ResourceInfo, name: string, namespace?: string): string {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = info.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
    return `${base}${ns}/${info.plural}/${encodeURIComponent(name)}`;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Server-side apply of one object, for real or as a dry run. Resolves to undefined when accepted, else the server's message. */
export async function applyObject(kube: KubeClient, discovery: Discovery, obj: KubeObject, dryRun: boolean): Promise<string | undefined> {
  const name = obj.metadata.name;
  if (typeof name !== 'string' || name === '') return 'metadata.name is missing (verify cannot apply objects that use generateName)';
  let info = await discovery.resolve(obj.apiVersion, obj.kind);
  if (!info && !obj.apiVersion.startsWith('v1') && obj.apiVersion.includes('.')) {
    // A CRD installed a moment ago may not be in discovery yet.
    for (let i = 0; i < 20 && !info; i++) {
      await sleep(250);
      discovery.invalidate();
      info = await discovery.resolve(obj.apiVersion, obj.kind);
    }
  }
  if (!info) return `no matches for kind "${obj.kind}" in version "${obj.apiVersion}" (is its CRD installed?)`;
  const namespace = info.namespaced ? obj.metadata.namespace ?? 'default' : undefined;
  const body: KubeObject = { ...obj, metadata: { ...obj.metadata, ...(namespace === undefined ? {} : { namespace }) } };
  if (namespace === undefined) delete body.metadata.namespace;
  const query = `?fieldManager=verify&force=true${dryRun ? '&dryRun=All' : ''}`;
  const r = await kube.request('PATCH', Discovery.objectPath(obj.apiVersion, info, name, namespace) + query, body, 'application/apply-patch+yaml');
  return r.status >= 200 && r.status < 300 ? undefined : statusMessage(r);
}

async function waitEstablished(kube: KubeClient, names: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const r = await kube.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      type Crd = { status?: { conditions?: { type: string; status: string; message?: string }[] } };
      const conds = (r.json as Crd | undefined)?.status?.conditions ?? [];
      if (conds.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established within ${timeoutMs / 1000} s: ${JSON.stringify(conds)}`);
      await sleep(200);
    }
  }
}

export function defaultCrdsDir(): string | undefined {
  const fromEnv = process.env.CHAOS_STACK_CRDS_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const shared = resolve(REPO_ROOT, '..', 'shared', 'reference', 'crds');
  return existsSync(shared) ? shared : undefined;
}

function describe(obj: KubeObject, namespaced: boolean): string {
  const name = obj.metadata.name ?? '<no name>';
  return namespaced ? `${obj.metadata.namespace ?? 'default'}/${name}` : name;
}

/** Bounded-concurrency map. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function verifySet(kube: KubeClient, discovery: Discovery, set: ManifestSet, out: (l: string) => void): Promise<EnvResult> {
  const result: EnvResult = { env: set.env, checked: 0, accepted: 0, rejected: 0, rejections: [] };
  const record = async (obj: KubeObject, message: string | undefined): Promise<void> => {
    result.checked++;
    if (message === undefined) {
      result.accepted++;
      return;
    }
    result.rejected++;
    const info = await discovery.resolve(obj.apiVersion, obj.kind).catch(() => undefined);
    const line = `REJECTED ${set.env} ${obj.kind} ${describe(obj, info?.namespaced ?? obj.metadata.namespace !== undefined)}: ${message}`;
    result.rejections.push(line);
    out(line);
  };

  // Namespaces and CRDs are applied for real, so that the namespaced objects and custom resources can be checked.
  const namespaces = set.objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Namespace');
  const crds = set.objects.filter((o) => o.kind === 'CustomResourceDefinition' && o.apiVersion.startsWith('apiextensions.k8s.io/'));
  const rest = set.objects.filter((o) => !namespaces.includes(o) && !crds.includes(o));

  for (const ns of namespaces) await record(ns, await applyObject(kube, discovery, ns, false));
  // Namespaces the objects use without declaring them are created too: their absence is the manifests' business
  // only when a real cluster lacks them, which verify cannot know. They are not counted.
  const used = new Set<string>(['default']);
  for (const o of rest) if (typeof o.metadata.namespace === 'string') used.add(o.metadata.namespace);
  for (const ns of namespaces) if (typeof ns.metadata.name === 'string') used.add(ns.metadata.name);
  for (const name of used) {
    // No controller-manager runs here, so create each namespace's default ServiceAccount as it would.
    await kube.request('POST', `/api/v1/namespaces/${name}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  }
  if (crds.length > 0) {
    for (const crd of crds) await record(crd, await applyObject(kube, discovery, crd, false));
    await waitEstablished(kube, crds.map((c) => c.metadata.name ?? '')).catch((e: unknown) => out(`verify: ${String(e)}`));
    discovery.invalidate();
  }
  const messages = await mapLimit(rest, 8, (o) => applyObject(kube, discovery, o, true).catch((e: unknown) => `verify could not apply it: ${String(e)}`));
  for (let i = 0; i < rest.length; i++) await record(rest[i], messages[i]);
  return result;
}

export function summaryLine(results: EnvResult[]): string {
  const sum = (k: 'checked' | 'accepted' | 'rejected'): number => results.reduce((a, r) => a + r[k], 0);
  const per = results.map((r) => `${r.env} ${r.checked} checked, ${r.accepted} accepted, ${r.rejected} rejected`);
  return `verify: ${[...per, `total ${sum('checked')} checked, ${sum('accepted')} accepted, ${sum('rejected')} rejected`].join('; ')}`;
}

/** Installs every CustomResourceDefinition found in the YAML files of `dir` and waits until each is Established. */
export async function installCrds(kube: KubeClient, discovery: Discovery, dir: string): Promise<string[]> {
  const crds = yamlFilesUnder(dir)
    .flatMap((f) => parseManifests(readFileSync(f, 'utf8'), f))
    .filter((o) => o.kind === 'CustomResourceDefinition');
  const failures: string[] = [];
  await mapLimit(crds, 4, async (crd) => {
    const msg = await applyObject(kube, discovery, crd, false);
    if (msg !== undefined) failures.push(`CRD ${crd.metadata.name ?? '?'}: ${msg}`);
  });
  if (failures.length > 0) throw new Error(`verify: could not install the CRDs from ${dir}:\n${failures.join('\n')}`);
  await waitEstablished(kube, crds.map((c) => c.metadata.name ?? ''));
  discovery.invalidate();
  return crds.map((c) => c.metadata.name ?? '');
}

export async function runVerify(opts: VerifyOptions): Promise<VerifyResult> {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = opts.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  let paths = opts.paths;
  if (paths.length === 0) {
    err('verify: npx cdk8s synth');
    const r = spawnSync('npx', ['--no-install', 'cdk8s', 'synth'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 2, 2],
      env: { ...process.env, CDK8S_CHECK_UPGRADE: process.env.CDK8S_CHECK_UPGRADE ?? 'false' },
    });
    if (r.status !== 0) throw new Error(`verify: npx cdk8s synth failed (exit ${String(r.status ?? r.signal)})`);
    paths = [join(REPO_ROOT, 'dist')];
  }
  const sets = collectSets(paths);

  const crdsDir = opts.crdsDir ?? defaultCrdsDir();
  const dir = mkdtempSync(join(tmpdir(), 'chaos-stack-verify-'));
  const cp = new ControlPlane({ dir, mode: 'apiserver', log: err, ...(opts.binaries ? { binaries: opts.binaries } : {}) });
  const removeHandlers = opts.handleSignals ? stopOnSignals(cp, err) : () => undefined;
  try {
    await cp.start();
    const kube = cp.client();
    const discovery = new Discovery(kube);
    if (crdsDir === undefined) {
      err('verify: no CRD folder (--crds DIR, CHAOS_STACK_CRDS_DIR or ../shared/reference/crds): custom resources will be rejected');
    } else {
      const names = await installCrds(kube, discovery, crdsDir);
      err(`verify: ${names.length} CRDs installed from ${crdsDir} and Established`);
    }
    const results: EnvResult[] = [];
    for (const set of sets) results.push(await verifySet(kube, discovery, set, out));
    const summary = summaryLine(results);
    out(summary);
    return { exitCode: results.some((r) => r.rejected > 0) ? 1 : 0, results, summary };
  } finally {
    await cp.stop();
    removeHandlers();
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv: string[]): { paths: string[]; crdsDir?: string } {
  const paths: string[] = [];
  let crdsDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--crds') {
      crdsDir = argv[++i];
      if (crdsDir === undefined) throw new Error('verify: --crds needs a folder');
    } else if (a.startsWith('--crds=')) {
      crdsDir = a.slice('--crds='.length);
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: npm run verify -- [--crds DIR] [PATH...]\n');
      process.exit(0);
    } else {
      paths.push(a);
    }
  }
  return crdsDir === undefined ? { paths } : { paths, crdsDir };
}

if (require.main === module) {
  const t0 = Date.now();
  Promise.resolve()
    .then(() => runVerify({ ...parseArgs(process.argv.slice(2)), handleSignals: true }))
    .then(
      (r) => {
        process.stderr.write(`verify: done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
        process.exit(r.exitCode);
      },
      (e: unknown) => {
        process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(2);
      },
    );
}
