/**
 * Regenerates the typed CRD bindings in lib/imports/ with `cdk8s import`.
 *
 * The CRDs are read from a local folder (default: ../shared/reference/crds, which holds the pinned
 * upstream releases re-serialized; see README "Where the CRDs come from"). A few upstream schemas
 * declare `properties` on a non-object `additionalProperties` (Litmus 3.31.0 nodeSelector, runnerLabels,
 * experimentAnnotations); json2jsii refuses those, so they are dropped before generation. The schema
 * meaning is unchanged: the map values stay strings.
 *
 * Usage: npm run import [-- CRD_DIR]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Module name → CRD files (relative to the CRD folder) that make it up. */
const MODULES: Record<string, readonly string[]> = {
  litmus: [
    'chaosengines.litmuschaos.io.yaml',
    'chaosexperiments.litmuschaos.io.yaml',
    'chaosresults.litmuschaos.io.yaml',
    'chaosschedules.litmuschaos.io.yaml',
  ],
  monitoring: [
    'monitoring.coreos.com_prometheuses.yaml',
    'monitoring.coreos.com_alertmanagers.yaml',
    'monitoring.coreos.com_servicemonitors.yaml',
    'monitoring.coreos.com_podmonitors.yaml',
    'monitoring.coreos.com_prometheusrules.yaml',
  ],
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function sanitize(node: Json): Json {
  if (Array.isArray(node)) return node.map(sanitize);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) out[key] = sanitize(value);
  if (out.properties !== undefined && typeof out.type === 'string' && out.type !== 'object') delete out.properties;
  return out;
}

const crdDir = resolve(process.argv[2] ?? join(__dirname, '..', '..', '..', 'shared', 'reference', 'crds'));
const work = mkdtempSync(join(tmpdir(), 'crd-import-'));
for (const [module, files] of Object.entries(MODULES)) {
  const docs: string[] = [];
  for (const file of files) {
    const path = join(crdDir, file);
    if (!existsSync(path)) throw new Error(`CRD file '${path}' not found; pass the folder that holds ${files.join(', ')}`);
    for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
      docs.push(JSON.stringify(sanitize(doc.toJSON() as Json)));
    }
  }
  const combined = join(work, `${module}.yaml`);
  writeFileSync(combined, docs.join('\n---\n'));
  // Run from the scratch folder: `cdk8s import` records what it imported in the cdk8s.yaml of its working directory.
  execFileSync(join(__dirname, '..', '..', 'node_modules', '.bin', 'cdk8s'), ['import', '--no-check-upgrade', '--language', 'typescript',
    '--output', __dirname, `${module}:=${combined}`], { stdio: 'inherit', cwd: work });
}
