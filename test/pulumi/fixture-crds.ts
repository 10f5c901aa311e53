/**
 * The fixture CRDs of the Pulumi tests (test/pulumi/fixtures/crds): minimal stand-ins for the releases' CRDs, so the
 * program's CRD install runs without the network. The program checks every CRD it loads against its source's
 * `sha256`, so the tests pin the fixtures' digests instead of the releases' (real pins: test/pulumi/crds.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { crdDigest } from '../../lib/crd-integrity';
import { type CrdSource } from '../../lib/versions';

export const CRD_FOLDER = `${__dirname}/fixtures/crds`;

/** A CRD source that pins the fixture CRDs of CRD_FOLDER instead of the real releases' content. */
export function fixturePinned(source: CrdSource): CrdSource {
  const sha256: Record<string, string> = {};
  for (const file of source.localFiles.filter((f) => existsSync(join(CRD_FOLDER, f)))) {
    for (const doc of parseAllDocuments(readFileSync(join(CRD_FOLDER, file), 'utf8'))) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (o?.kind === 'CustomResourceDefinition' && o.metadata?.name !== undefined) sha256[o.metadata.name] = crdDigest(o);
    }
  }
  return { ...source, sha256 };
}

/** lib/versions with every CRD source pinned to the fixtures: the factory of the program tests' `jest.mock`. */
export function fixturePinnedVersions<T extends { CRD_SOURCES: Record<string, CrdSource> }>(actual: T): T {
  return { ...actual, CRD_SOURCES: Object.fromEntries(Object.entries(actual.CRD_SOURCES).map(([k, v]) => [k, fixturePinned(v)])) };
}
