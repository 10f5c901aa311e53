/**
 * Small Kubernetes helpers of the e2e: a client from a kubeconfig file, server-side apply of one object, delete and
 * bounded waits. Built on tools/cluster's KubeClient and Discovery (plain HTTPS, no client-node).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { KubeClient, statusMessage } from '../../tools/cluster/kube-client';
import { Discovery } from '../../tools/cluster/verify';

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `Kind ns/name` (or `Kind name`), for messages. */
export function describe(o: Pick<Obj, 'kind' | 'metadata'>): string {
  return `${o.kind} ${o.metadata.namespace === undefined ? '' : `${o.metadata.namespace}/`}${o.metadata.name}`;
}

/** A client for the first cluster and user of a kubeconfig file (token auth, as tools/cluster writes it). */
export function clientFromKubeconfig(file: string, timeoutMs = 10_000): KubeClient {
  interface Kc {
    clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
    users?: { user?: { token?: string } }[];
  }
  const kc = parse(readFileSync(file, 'utf8')) as Kc;
  const server = kc.clusters?.[0]?.cluster?.server;
  const token = kc.users?.[0]?.user?.token;
  const caData = kc.clusters?.[0]?.cluster?.['certificate-authority-data'];
  if (server === undefined || token === undefined) throw new Error(`${file}: no cluster server or user token`);
  return new KubeClient({ server, token, timeoutMs, ...(caData === undefined ? {} : { ca: Buffer.from(caData, 'base64').toString('utf8') }) });
}

/** The object's URL, or a message when its kind is unknown to the API server. */
export async function objectUrl(discovery: Discovery, o: Obj, waitKindMs = 5_000): Promise<string> {
  let info = await discovery.resolve(o.apiVersion, o.kind);
  const deadline = Date.now() + waitKindMs;
  while (!info && Date.now() < deadline) {
    await sleep(250);
    discovery.invalidate();
    info = await discovery.resolve(o.apiVersion, o.kind);
  }
  if (!info) throw new Error(`${describe(o)}: no matches for kind "${o.kind}" in version "${o.apiVersion}" (is its CRD installed and Established?)`);
  return Discovery.objectPath(o.apiVersion, info, o.metadata.name, info.namespaced ? o.metadata.namespace ?? 'default' : undefined);
}

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

/** Server-side apply (force) of one object; tells whether it was created, changed or left as it was. */
export async function serverSideApply(
  kube: KubeClient, discovery: Discovery, o: Obj, fieldManager: string,
): Promise<{ outcome: ApplyOutcome; live: Obj }> {
  const url = await objectUrl(discovery, o);
  const before = await kube.get(url);
  const r = await kube.request('PATCH', `${url}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`, o, 'application/apply-patch+yaml');
  if (r.status < 200 || r.status >= 300) throw new Error(`apply ${describe(o)}: ${statusMessage(r)}`);
  const live = r.json as Obj;
  const rv = (x: unknown): string | undefined => (x as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
  const outcome: ApplyOutcome = before.status === 404 ? 'created' : rv(before.json) === rv(live) ? 'unchanged' : 'updated';
  return { outcome, live };
}

/** Waits until a CRD is Established; the message names the CRD and the wait. */
export async function waitCrdEstablished(kube: KubeClient, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let conds: { type: string; status: string; reason?: string; message?: string }[] = [];
  for (;;) {
    const r = await kube.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    conds = (r.json as { status?: { conditions?: typeof conds } } | undefined)?.status?.conditions ?? [];
    if (conds.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (Date.now() > deadline) {
      const why = conds.filter((c) => c.status !== 'True').map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}: ${c.message ?? ''})` : ''}`).join('; ');
      throw new Error(`CustomResourceDefinition ${name} not Established within ${timeoutMs / 1000} s${why === '' ? '' : `: ${why}`}`);
    }
    await sleep(200);
  }
}

/** Deletes an object (background propagation) and waits until it is gone; the message names it and the wait. */
export async function deleteAndWait(kube: KubeClient, discovery: Discovery, o: Obj, timeoutMs: number): Promise<'deleted' | 'absent'> {
  const url = await objectUrl(discovery, o, 0).catch(() => undefined);
  if (url === undefined) return 'absent'; // its CRD is gone, so is it
  const r = await kube.request('DELETE', url, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
  if (r.status === 404) return 'absent';
  if (r.status !== 200 && r.status !== 202) throw new Error(`delete ${describe(o)}: ${statusMessage(r)}`);
  await waitGone(kube, url, describe(o), timeoutMs);
  return 'deleted';
}

export async function waitGone(kube: KubeClient, url: string, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const g = await kube.get(url);
    if (g.status === 404) return;
    if (Date.now() > deadline) {
      const meta = (g.json as { metadata?: { finalizers?: string[]; deletionTimestamp?: string } } | undefined)?.metadata;
      const fin = meta?.finalizers ?? [];
      const spec = (g.json as { spec?: { finalizers?: string[] } } | undefined)?.spec?.finalizers ?? [];
      const held = [...fin, ...spec];
      throw new Error(`${what} still exists ${timeoutMs / 1000} s after its deletion${held.length > 0 ? `: held by the finalizer(s) ${held.join(', ')}` : ''}`);
    }
    await sleep(250);
  }
}
