/**
 * Integrity of third-party CRDs: each CustomResourceDefinition a deployment installs or `npm run import` generates
 * bindings from is checked against the content hash pinned in lib/versions.ts (`CrdSource.sha256`), whether it
 * came from the pinned release URL or from a local folder.
 *
 * The hash covers the CRD document's content, not the file's bytes: sha256 of its canonical JSON (object keys
 * sorted recursively, no whitespace). The release files bundle other objects (Litmus ships its operator in the
 * same manifest) and may be re-serialized (../shared/reference/crds holds the same releases re-serialized), so a
 * byte hash could not pin the CRD itself; the canonical hash is the same for every serialization of one content
 * and changes with any change to it.
 */
import { createHash } from 'node:crypto';
import { type CrdSource } from './versions';

/** JSON with object keys sorted at every level and no whitespace: one text per content. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj).sort().filter((k) => obj[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 (hex) of a CRD document's canonical JSON: what `CrdSource.sha256` pins. */
export function crdDigest(doc: unknown): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('hex');
}

/** A CRD whose content is not the pinned one (or that the source does not pin). */
export class CrdIntegrityError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'CrdIntegrityError';
  }
}

/**
 * Throws unless `doc` (the CustomResourceDefinition `name`, read from `origin`) has the content `source` pins. The
 * message names the CRD, where it came from and both hashes.
 */
export function verifyCrd(source: CrdSource, name: string, doc: unknown, origin: string): void {
  const pinned = source.sha256[name];
  if (pinned === undefined) {
    throw new CrdIntegrityError(`CustomResourceDefinition ${name} from ${origin} has no pinned content hash in lib/versions.ts CRD_SOURCES`);
  }
  const actual = crdDigest(doc);
  if (actual !== pinned) {
    throw new CrdIntegrityError(`CustomResourceDefinition ${name} from ${origin} does not match its pinned content: sha256 ${actual}, `
      + `pinned ${pinned} (lib/versions.ts CRD_SOURCES); refusing to install or import it`);
  }
}
