/**
 * Regenerates the typed Istio networking bindings (lib/imports/istio-networking.istio.io.ts) with `cdk8s import`.
 *
 * Same approach as lib/imports/import.ts: the CRDs are read from a local file (default:
 * ../shared/reference/crds/networking.istio.io.yaml, the pinned Istio release re-serialized), the parts json2jsii
 * cannot handle are dropped, and `cdk8s import` writes the module. Only the `v1` version of each CRD is kept:
 * the bookinfo constructs and the Chaos Toolkit experiments use `networking.istio.io/v1` (served by Istio 1.22+);
 * generating v1alpha3 and v1beta1 too would triple the file for types nobody uses.
 *
 * Sanitizing: as in import.ts, `properties` declared on a non-object type are dropped (json2jsii refuses them). The
 * Istio CRDs of the reference file have none today, and their `oneOf` blocks and CEL rules (`x-kubernetes-validations`)
 * go through json2jsii as they are (checked: the generated file is byte-identical with and without the sanitizer);
 * the API server still enforces those rules, the bindings only type the fields.
 *
 * Usage: npx tsx lib/imports/import-istio.ts [CRD_FILE]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The CRD version whose schema is generated. */
const KEEP_VERSION = 'v1';
/** The CRDs that must be in the file (the bookinfo constructs use the first and the last). */
const REQUIRED = ['destinationrules.networking.istio.io', 'gateways.networking.istio.io', 'virtualservices.networking.istio.io'];

export function sanitize(node: Json): Json {
  if (Array.isArray(node)) return node.map(sanitize);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = sanitize(value);
  }
  if (out.properties !== undefined && typeof out.type === 'string' && out.type !== 'object') delete out.properties;
  return out;
}

/** Keeps only `KEEP_VERSION` of a CRD document (and marks it the storage version, as cdk8s import requires one). */
export function onlyVersion(doc: Json): Json {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  const spec = doc.spec;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec) || !Array.isArray(spec.versions)) return doc;
  const versions = spec.versions.filter((v) => v !== null && typeof v === 'object' && !Array.isArray(v) && v.name === KEEP_VERSION);
  if (versions.length !== 1) throw new Error(`CRD ${JSON.stringify((doc.metadata as { name?: string } | null)?.name)} has no version ${KEEP_VERSION}`);
  return { ...doc, spec: { ...spec, versions } };
}

function main(): void {
  const file = resolve(process.argv[2] ?? join(__dirname, '..', '..', '..', 'shared', 'reference', 'crds', 'networking.istio.io.yaml'));
  if (!existsSync(file)) throw new Error(`CRD file '${file}' not found; pass the path of networking.istio.io.yaml`);
  const docs: string[] = [];
  const names: string[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const json = doc.toJSON() as Json;
    if (json === null || typeof json !== 'object' || Array.isArray(json) || json.kind !== 'CustomResourceDefinition') continue;
    names.push(String((json.metadata as { name?: string } | null)?.name));
    docs.push(JSON.stringify(sanitize(onlyVersion(json))));
  }
  const missing = REQUIRED.filter((n) => !names.includes(n));
  if (missing.length > 0) throw new Error(`${file} lacks the CRDs ${missing.join(', ')}`);
  const work = mkdtempSync(join(tmpdir(), 'istio-import-'));
  try {
    const combined = join(work, 'istio.yaml');
    writeFileSync(combined, docs.join('\n---\n'));
    // From the scratch folder: `cdk8s import` records each import in the cdk8s.yaml of its working directory.
    execFileSync(join(__dirname, '..', '..', 'node_modules', '.bin', 'cdk8s'), ['import', '--no-check-upgrade', '--language', 'typescript',
      '--output', __dirname, `istio:=${combined}`], { stdio: 'inherit', cwd: work });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) main();
