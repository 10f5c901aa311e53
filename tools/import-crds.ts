/**
 * Regenerates the typed CRD bindings in lib/imports/ with `cdk8s import`.
 *
 * The CRDs come from the pinned release URLs of lib/versions.ts `CRD_SOURCES` by default, so a clean clone can
 * regenerate its bindings; `npm run import -- DIR` reads them from a local folder instead (offline, e.g.
 * ../shared/reference/crds, which holds the same releases re-serialized), with the file names of `localFiles`.
 * A few upstream schemas declare `properties` on a non-object `additionalProperties` (Litmus 3.31.0 nodeSelector,
 * runnerLabels, experimentAnnotations); json2jsii refuses those, so they are dropped before generation. The schema
 * meaning is unchanged: the map values stay strings. Every CRD is checked against its pinned content hash
 * (lib/versions.ts `CrdSource.sha256`, lib/crd-integrity.ts) before anything is generated. For Istio only the `v1`
 * version of each CRD is generated: the bookinfo constructs and the Chaos Toolkit experiments use
 * `networking.istio.io/v1`, and v1alpha3/v1beta1 would triple the file for types nobody uses.
 *
 * Usage: npm run import [-- CRD_DIR]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { verifyCrd } from '../lib/crd-integrity';
import { CRD_SOURCES, type CrdSource } from '../lib/versions';

const REPO_ROOT = resolve(__dirname, '..');
const OUTPUT_DIR = join(REPO_ROOT, 'lib', 'imports');
/** Bound on each CRD download. */
const FETCH_TIMEOUT_MS = 30_000;

interface ModuleSource {
  /** The pinned CRD sets that make up the module. */
  readonly sources: readonly CrdSource[];
  /**
   * Generate only this version of each CRD.
   * @default - every version
   */
  readonly keepVersion?: string;
}

/** Module name → where its CRDs come from. */
const MODULES: Readonly<Record<string, ModuleSource>> = {
  litmus: { sources: [CRD_SOURCES.litmus, CRD_SOURCES.litmusScheduler] },
  monitoring: { sources: [CRD_SOURCES.prometheusOperator] },
  istio: { sources: [CRD_SOURCES.istioNetworking], keepVersion: 'v1' },
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Drops `properties` declared on a non-object type, which json2jsii refuses. */
export function sanitize(node: Json): Json {
  if (Array.isArray(node)) return node.map(sanitize);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = sanitize(value);
  if (out.properties !== undefined && typeof out.type === 'string' && out.type !== 'object') delete out.properties;
  return out;
}

/** Keeps only one version of a CRD document. */
export function onlyVersion(doc: JsonObject, version: string): JsonObject {
  const spec = doc.spec;
  if (!isObject(spec) || !Array.isArray(spec.versions)) return doc;
  const versions = spec.versions.filter((v) => isObject(v) && v.name === version);
  if (versions.length !== 1) throw new Error(`CRD ${JSON.stringify((doc.metadata as { name?: string } | null)?.name)} has no version ${version}`);
  return { ...doc, spec: { ...spec, versions } };
}

/** The YAML text of one CRD set: its pinned URL's, or its local files' from `dir`. */
async function sourceTexts(source: CrdSource, dir: string | undefined): Promise<{ origin: string; text: string }[]> {
  if (dir === undefined) {
    const res = await fetch(source.url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }).catch((err: unknown) => {
      throw new Error(`could not fetch ${source.url} (${err instanceof Error ? err.message : String(err)}); pass a local folder: npm run import -- DIR`);
    });
    if (!res.ok) throw new Error(`GET ${source.url} returned HTTP ${res.status}; pass a local folder: npm run import -- DIR`);
    return [{ origin: source.url, text: await res.text() }];
  }
  return source.localFiles.map((file) => {
    const path = join(dir, file);
    if (!existsSync(path)) throw new Error(`CRD file '${path}' not found; the folder must hold ${source.localFiles.join(', ')}`);
    return { origin: path, text: readFileSync(path, 'utf8') };
  });
}

async function main(): Promise<void> {
  const dir = process.argv[2] === undefined ? undefined : resolve(process.argv[2]);
  const work = mkdtempSync(join(tmpdir(), 'crd-import-'));
  try {
    for (const [module, m] of Object.entries(MODULES)) {
      const docs: string[] = [];
      const names: string[] = [];
      for (const source of m.sources) {
        for (const { origin, text } of await sourceTexts(source, dir)) {
          for (const doc of parseAllDocuments(text)) {
            const json = doc.toJSON() as Json;
            if (!isObject(json) || json.kind !== 'CustomResourceDefinition') continue;
            const name = String((json.metadata as { name?: string } | null)?.name);
            // Only the CRDs the source pins (a release manifest may carry others, and the operator itself).
            if (!source.crds.includes(name)) continue;
            // Only the pinned content (CrdSource.sha256), from the URL or a folder alike.
            verifyCrd(source, name, json, origin);
            names.push(name);
            docs.push(JSON.stringify(sanitize(m.keepVersion === undefined ? json : onlyVersion(json, m.keepVersion))));
          }
        }
      }
      const missing = m.sources.flatMap((s) => s.crds).filter((n) => !names.includes(n));
      if (missing.length > 0) throw new Error(`the CRDs of module ${module} lack ${missing.join(', ')}`);
      const combined = join(work, `${module}.yaml`);
      writeFileSync(combined, docs.join('\n---\n'));
      // Run from the scratch folder: `cdk8s import` records what it imported in the cdk8s.yaml of its working directory.
      execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'cdk8s'), ['import', '--no-check-upgrade', '--language', 'typescript',
        '--output', OUTPUT_DIR, `${module}:=${combined}`], { stdio: 'inherit', cwd: work });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`import: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
