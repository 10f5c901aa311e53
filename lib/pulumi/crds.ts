/**
 * Third-party CRDs for the CrdInstall component: which CRD sets the stack's objects need, and their
 * CustomResourceDefinition documents, read from the pinned release URL or a local folder. Only CRD documents are
 * kept: the Litmus release manifest also carries the upstream operator, which the stack replaces with its own.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type CrdSource } from '../versions';
import { verifyCrd } from '../crd-integrity';
import { ValidationError } from '../validation';

/** A Kubernetes object as plain JSON (what `chart.toJson()` returns). */
export type KubeObject = Record<string, unknown> & {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly [k: string]: unknown };
};

/** Where the third-party CRDs come from. */
export type CrdSourceOption =
  /** The pinned release URLs of lib/versions.ts CRD_SOURCES. */
  | { readonly kind: 'url' }
  /** A local folder holding the CRD files named in CRD_SOURCES `localFiles` (tests, CI, air-gapped installs). */
  | { readonly kind: 'folder'; readonly path: string };

/** Fetches a URL's text; replaceable in tests. */
export type Fetcher = (url: string) => Promise<string>;

/** Bound on each CRD download (headers and body). */
export const CRD_FETCH_TIMEOUT_MS = 30_000;

/** HTTP GET of a URL's text, given up after `timeoutMs` (the default fetcher of {@link loadCrds}). */
export function httpFetcher(timeoutMs: number = CRD_FETCH_TIMEOUT_MS): Fetcher {
  return async (url) => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await fetch(url, { signal });
      if (!res.ok) throw new Error(`GET ${url} returned HTTP ${res.status}`);
      return await res.text();
    } catch (err) {
      if (signal.aborted) throw new Error(`GET ${url} did not complete within ${timeoutMs / 1000} s`);
      throw err;
    }
  };
}

function crdDocuments(text: string, origin: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${origin} is not valid YAML: ${doc.errors[0]?.message ?? 'parse error'}`);
    const o = doc.toJS() as unknown;
    return typeof o === 'object' && o !== null && (o as KubeObject).kind === 'CustomResourceDefinition' ? [o as KubeObject] : [];
  });
}

/**
 * The CustomResourceDefinition documents of `sources`, from their pinned URLs (each download bounded, see
 * {@link httpFetcher}) or a local folder, each checked against its pinned content hash (`CrdSource.sha256`,
 * lib/crd-integrity.ts). Throws, naming the `crdSource` config key, when the folder or a file is missing; when a
 * source lacks one of its CRDs; and, naming the CRD and where it came from, when a CRD's content is not the pinned one.
 */
export async function loadCrds(sources: readonly CrdSource[], option: CrdSourceOption, fetcher: Fetcher = httpFetcher()): Promise<KubeObject[]> {
  if (option.kind === 'folder' && !existsSync(option.path)) {
    throw new ValidationError('crdSource', option.path, "must be 'url' or an existing folder holding the CRD files of lib/versions.ts CRD_SOURCES");
  }
  const perSource = await Promise.all(sources.map(async (source) => {
    let docs: { doc: KubeObject; origin: string }[];
    if (option.kind === 'url') {
      let text: string;
      try {
        text = await fetcher(source.url);
      } catch (err) {
        throw new Error(`Could not fetch the pinned CRDs from ${source.url} (set crdSource to a local folder to install offline): ${(err as Error).message}`);
      }
      docs = crdDocuments(text, source.url).map((doc) => ({ doc, origin: source.url }));
    } else {
      docs = (await Promise.all(source.localFiles.map(async (file) => {
        const path = join(option.path, file);
        if (!existsSync(path)) {
          throw new ValidationError('crdSource', option.path, `must hold ${source.localFiles.join(', ')}; '${file}' is missing`);
        }
        return crdDocuments(await readFile(path, 'utf8'), path).map((doc) => ({ doc, origin: path }));
      }))).flat();
    }
    const byName = new Map(docs.map((d) => [d.doc.metadata?.name ?? '', d]));
    const missing = source.crds.filter((name) => !byName.has(name));
    if (missing.length > 0) {
      throw new Error(`The CRDs from ${option.kind === 'url' ? source.url : option.path} lack ${missing.join(', ')}`);
    }
    return source.crds.map((name) => {
      const { doc, origin } = byName.get(name) as { doc: KubeObject; origin: string };
      verifyCrd(source, name, doc, origin);
      return doc;
    });
  }));
  return perSource.flat();
}
