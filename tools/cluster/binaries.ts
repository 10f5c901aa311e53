/**
 * Where the pinned control-plane binaries live, and building them on demand with tools/cluster/build.sh.
 * Versions come from tools/cluster/versions.env (the same file build.sh sources).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CLUSTER_LIB_DIR = __dirname;
export const BUILD_SCRIPT = join(__dirname, 'build.sh');
export const VERSIONS_FILE = join(__dirname, 'versions.env');

export type BinaryName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kubectl' | 'kwok';
export const BINARY_NAMES: readonly BinaryName[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kwok'];

export interface Versions {
  kubernetes: string;
  kubernetesStaging: string;
  etcd: string;
  kwok: string;
}

/** Parses the KEY=VALUE lines of versions.env (comments and blank lines ignored). */
export function parseVersionsEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`${VERSIONS_FILE}: cannot parse line: ${line}`);
    out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

export function readVersions(file: string = VERSIONS_FILE): Versions {
  const env = parseVersionsEnv(readFileSync(file, 'utf8'));
  const get = (key: string): string => {
    const v = env[key];
    if (v === undefined || v === '') throw new Error(`${file}: ${key} is not set`);
    return v;
  };
  return {
    kubernetes: get('KUBERNETES_VERSION'),
    kubernetesStaging: get('KUBERNETES_STAGING_VERSION'),
    etcd: get('ETCD_VERSION'),
    kwok: get('KWOK_VERSION'),
  };
}

export function cacheDir(): string {
  return process.env.CHAOS_STACK_CACHE ?? join(homedir(), '.cache', 'chaos-stack');
}

export function versionOf(name: BinaryName, versions: Versions): string {
  switch (name) {
    case 'etcd': return versions.etcd;
    case 'kwok': return versions.kwok;
    default: return versions.kubernetes;
  }
}

/** `<cache>/bin/<name>-<version>/<name>`, as build.sh writes it. */
export function binaryPath(name: BinaryName, versions: Versions = readVersions()): string {
  const version = versionOf(name, versions);
  return join(cacheDir(), 'bin', `${name}-${version}`, name);
}

export type BinaryPaths = Record<BinaryName, string>;

export function binaryPaths(versions: Versions = readVersions()): BinaryPaths {
  const out = {} as BinaryPaths;
  for (const n of BINARY_NAMES) out[n] = binaryPath(n, versions);
  return out;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binaries that are not built yet (empty when everything is there). */
export function missingBinaries(versions: Versions = readVersions()): BinaryName[] {
  return BINARY_NAMES.filter((n) => !isExecutable(binaryPath(n, versions)));
}

/** Runs build.sh when a binary is missing; its output goes to our stderr. Throws when the build fails. */
export function ensureBinaries(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): BinaryPaths {
  const versions = readVersions();
  const missing = missingBinaries(versions);
  if (missing.length > 0) {
    log(`cluster: building ${missing.join(', ')} with ${BUILD_SCRIPT} (the first build takes a while)`);
    const r = spawnSync('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.error) throw new Error(`cluster: could not run ${BUILD_SCRIPT}: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`cluster: ${BUILD_SCRIPT} failed with exit code ${String(r.status ?? r.signal)}`);
    const still = missingBinaries(versions);
    if (still.length > 0) throw new Error(`cluster: ${BUILD_SCRIPT} finished but ${still.join(', ')} is still missing`);
  }
  return binaryPaths(versions);
}
