/**
 * The pinned CRDs against the reference copies of the pinned releases in ../shared/reference/crds (megabytes of YAML,
 * parsed twice): in the integration project. Skipped, with a message, without ../shared.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { crdDigest } from '../../lib/crd-integrity';
import { loadCrds } from '../../lib/pulumi/crds';
import { CRD_SOURCES } from '../../lib/versions';

const REFERENCE = join(__dirname, '..', '..', '..', 'shared', 'reference', 'crds');
const withReference = existsSync(REFERENCE) ? test : test.skip;
if (!existsSync(REFERENCE)) console.warn(`skipping the pinned-CRD checks against the reference copies: ${REFERENCE} not found`);

describe('the pinned CRDs', () => {
  withReference('pins the content of every CRD as the reference copies of the pinned releases have it', () => {
    for (const source of Object.values(CRD_SOURCES)) {
      const digests: Record<string, string> = {};
      for (const file of source.localFiles) {
        const docs = parseAllDocuments(readFileSync(join(REFERENCE, file), 'utf8')).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } });
        for (const doc of docs) {
          if (doc?.kind === 'CustomResourceDefinition' && source.crds.includes(doc.metadata?.name ?? '')) digests[doc.metadata?.name ?? ''] = crdDigest(doc);
        }
      }
      expect(digests).toEqual(source.sha256);
    }
  });

  withReference('loads the reference CRDs from a folder, each matching its pin', async () => {
    const sources = Object.values(CRD_SOURCES);
    const crds = await loadCrds(sources, { kind: 'folder', path: REFERENCE });
    expect(crds.map((c) => c.metadata?.name)).toEqual(sources.flatMap((src) => src.crds));
  });

});
