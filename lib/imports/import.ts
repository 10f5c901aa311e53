/**
 * Regenerates the typed CRD bindings in lib/imports/ with `cdk8s import`.
 *
 * The CRDs are read from a local folder (default: ../shared/reference/crds, which holds the pinned upstream
 * releases re-serialized; see README "Where the CRDs come from"). A few upstream schemas declare `properties` on a
 * non-object `additionalProperties` (Litmus 3.31.0 nodeSelector, runnerLabels, experimentAnnotations); json2jsii
 * refuses those, so they are dropped before generation. The schema meaning is unchanged: the map values stay strings.
 * For Istio only the `v1` version of each CRD is generated: the bookinfo constructs and the Chaos Toolkit
 * experiments use `networking.istio.io/v1`, and v1alpha3/v1beta1 would triple the file for types nobody uses.
 *
 * Usage: npm run import [-- CRD_DIR]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

interface ModuleSource {
  /** CRD files (relative to the CRD folder) that make up the module. */
  readonly files: readonly string[];
  /**
   * Generate only this version of each CRD.
   * @default - every version
   */
  readonly keepVersion?: string;
  /**
   * CRDs (metadata.name) the files must hold.
   * @default - none checked
   */
  readonly required?: readonly string[];
}

/** Module name → where its CRDs come from. */
const MODULES: Readonly<Record<string, ModuleSource>> = {
  litmus: {
    files: [
      'chaosengines.litmuschaos.io.yaml',
      'chaosexperiments.litmuschaos.io.yaml',
      'chaosresults.litmuschaos.io.yaml',
      'chaosschedules.litmuschaos.io.yaml',
    ],
  },
  monitoring: {
    files: [
      'monitoring.coreos.com_prometheuses.yaml',
      'monitoring.coreos.com_alertmanagers.yaml',
      'monitoring.coreos.com_servicemonitors.yaml',
      'monitoring.coreos.com_podmonitors.yaml',
      'monitoring.coreos.com_prometheusrules.yaml',
    ],
  },
  istio: {
    files: ['networking.istio.io.yaml'],
    keepVersion: 'v1',
    required: ['destinationrules.networking.istio.io', 'gateways.networking.istio.io', 'virtualservices.networking.istio.io'],
  },
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

function main(): void {
  const crdDir = resolve(process.argv[2] ?? join(__dirname, '..', '..', '..', 'shared', 'reference', 'crds'));
  const work = mkdtempSync(join(tmpdir(), 'crd-import-'));
  try {
    for (const [module, source] of Object.entries(MODULES)) {
      const docs: string[] = [];
      const names: string[] = [];
      for (const file of source.files) {
        const path = join(crdDir, file);
        if (!existsSync(path)) throw new Error(`CRD file '${path}' not found; pass the folder that holds ${source.files.join(', ')}`);
        for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
          const json = doc.toJSON() as Json;
          if (!isObject(json) || json.kind !== 'CustomResourceDefinition') continue;
          names.push(String((json.metadata as { name?: string } | null)?.name));
          docs.push(JSON.stringify(sanitize(source.keepVersion === undefined ? json : onlyVersion(json, source.keepVersion))));
        }
      }
      const missing = (source.required ?? []).filter((n) => !names.includes(n));
      if (missing.length > 0) throw new Error(`${source.files.join(', ')} lack the CRDs ${missing.join(', ')}`);
      const combined = join(work, `${module}.yaml`);
      writeFileSync(combined, docs.join('\n---\n'));
      // Run from the scratch folder: `cdk8s import` records what it imported in the cdk8s.yaml of its working directory.
      execFileSync(join(__dirname, '..', '..', 'node_modules', '.bin', 'cdk8s'), ['import', '--no-check-upgrade', '--language', 'typescript',
        '--output', __dirname, `${module}:=${combined}`], { stdio: 'inherit', cwd: work });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) main();
