/**
 * The real {@link ChaosApi}: reads ChaosEngines and ChaosResults with @kubernetes/client-node from a kubeconfig
 * (a path or the file's contents, as the Pulumi Kubernetes provider accepts it) and an optional context.
 *
 * A kubeconfig holds credentials, so no message of this module repeats it: {@link kubeconfigSource} tells contents
 * from a path and describes what it cannot accept without showing it, and every error of the client has the
 * kubeconfig's credential values blanked out before it leaves this module.
 *
 * client-node 1.x is ESM-only, so it is loaded lazily here: importing this module (or the Pulumi program) in jest
 * does not load it; only calling {@link kubeChaosApi} does.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
// Types only (erased): the module itself is loaded lazily by kubeChaosApi.
import type { ObservableMiddleware, RequestContext, ResponseContext } from '@kubernetes/client-node';
import * as YAML from 'yaml';
import { Redacted, ValidationError } from '../validation';
import { type ChaosApi, ClusterUnreachableError } from './collect';

/** How long one API request may take by default (connection, TLS handshake, authentication and answer). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 10;

export interface KubeTarget {
  /**
   * Path to a kubeconfig file, or its contents.
   * @default - the ambient kubeconfig ($KUBECONFIG or ~/.kube/config), as kubectl uses it
   */
  readonly kubeconfig?: string;
  /**
   * Context of the kubeconfig to use.
   * @default - the kubeconfig's current context
   */
  readonly context?: string;
  /**
   * Longest time one API request may take, from connecting to the last byte of the answer (and the credential
   * plugin, if the kubeconfig runs one). A server that accepts and never answers then fails the request instead of
   * hanging the readback.
   * @default DEFAULT_REQUEST_TIMEOUT_SECONDS
   */
  readonly requestTimeoutSeconds?: number;
  /**
   * The settings the kubeconfig and the context came from, for messages (`kubeconfig` and `kubeContext` in stack
   * config, `--kubeconfig` and `--context` on the CLI).
   * @default { kubeconfig: 'kubeconfig', context: 'kubeContext' }
   */
  readonly fields?: { readonly kubeconfig: string; readonly context: string };
}

/** Where a kubeconfig setting points: the ambient default, the kubeconfig itself, or a file holding it. */
export type KubeconfigSource =
  | { readonly kind: 'default' }
  | { readonly kind: 'contents'; readonly text: string }
  | { readonly kind: 'file'; readonly path: string; readonly text: string };

const KUBECONFIG_ALLOWED = 'must be the path of a kubeconfig file, or a kubeconfig itself (YAML or JSON with apiVersion and clusters)';

/** The document, when `text` parses (YAML, which includes JSON on one line) into a mapping with a kubeconfig's keys. */
function asKubeconfig(text: string): Record<string, unknown> | undefined {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  return 'apiVersion' in doc || 'clusters' in doc ? doc as Record<string, unknown> : undefined;
}

/**
 * Whether a value that is not a kubeconfig may be shown as a path: one line of path characters with a `/` or a file
 * extension. Anything else (a broken kubeconfig, a bare token) is described, never shown.
 */
function looksLikePath(value: string): boolean {
  return /^[\w./~+@%, -]+$/.test(value) && (value.includes('/') || /\.[A-Za-z]{1,10}$/.test(value));
}

/**
 * Tells a kubeconfig given as contents from a path (the Pulumi Kubernetes provider takes both in one setting), without
 * ever repeating contents in a message:
 * - contents: the value parses as YAML or JSON (on one line or many) into a mapping with `apiVersion` or `clusters`,
 *   the keys every kubeconfig has (kubectl config view writes both);
 * - otherwise a path, which must be an existing, non-empty file that parses the same way. The path is named in
 *   messages only when it looks like one; the file's contents never are.
 * Throws a ValidationError naming `field`.
 */
export function kubeconfigSource(value: string | undefined, field = 'kubeconfig'): KubeconfigSource {
  if (value === undefined) return { kind: 'default' };
  if (asKubeconfig(value) !== undefined) return { kind: 'contents', text: value };
  const shown = looksLikePath(value) ? value : new Redacted('a value that is neither a kubeconfig nor a path');
  let isFile: boolean;
  try {
    isFile = statSync(value).isFile();
  } catch {
    throw new ValidationError(field, shown, KUBECONFIG_ALLOWED);
  }
  if (!isFile) throw new ValidationError(field, shown, 'must be a kubeconfig file, and this is a folder');
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (err) {
    throw new ValidationError(field, shown, `must be a readable kubeconfig file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (text.trim() === '') throw new ValidationError(field, shown, 'must be a kubeconfig file, and this file is empty');
  if (asKubeconfig(text) === undefined) {
    throw new ValidationError(field, shown, 'must be a kubeconfig file (YAML or JSON with apiVersion and clusters), and this file does not parse as one');
  }
  return { kind: 'file', path: value, text };
}

/**
 * The credential values of a kubeconfig (every string under `users`, and any `token` or `password` elsewhere), to
 * blank out of error messages: a client or plugin error must not carry them into outputs or logs.
 */
function credentialsOf(text: string): string[] {
  const doc = asKubeconfig(text);
  const found = new Set<string>();
  const walk = (v: unknown, inUsers: boolean, key = ''): void => {
    if (typeof v === 'string') {
      if ((inUsers || /token|password|secret|key-data/i.test(key)) && v.length >= 6) found.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, inUsers, key);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, inUsers || k === 'users', k);
    }
  };
  walk(doc, false);
  // The whole text too (a one-line kubeconfig repeated verbatim), longest first.
  return [text.trim(), ...found].filter((x) => x.length > 0).sort((a, b) => b.length - a.length);
}

/**
 * `err` with the credentials of the kubeconfig `text` replaced by `(redacted)` in its message, body and stack: the
 * safety net under every error of the client (a credential plugin's or a proxy's message may quote them).
 */
export function withoutCredentials(err: unknown, text: string): unknown {
  return scrubbed(err, credentialsOf(text));
}

/** An error whose message (and body) has the given values replaced by `(redacted)`. */
function scrubbed(err: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return err;
  const clean = (text: string): string => secrets.reduce((t, x) => t.split(x).join('(redacted)'), text);
  if (!(err instanceof Error)) return typeof err === 'string' ? clean(err) : err;
  const e = err as Error & { body?: unknown };
  if (secrets.some((x) => e.message.includes(x) || (typeof e.body === 'string' && e.body.includes(x)))) {
    e.message = clean(e.message);
    if (typeof e.body === 'string') e.body = clean(e.body);
    if (e.stack !== undefined) e.stack = clean(e.stack);
  }
  return err;
}

/** A server URL for messages: scheme, host, port and path, never user information. */
function serverText(server: string): string {
  try {
    const u = new URL(server);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(the kubeconfig\'s server URL does not parse)';
  }
}

/**
 * A transport failure (no HTTP answer) as a ClusterUnreachableError; anything else (an HTTP status, which the client
 * reports with a numeric `code`) unchanged. node-fetch reports an abort as AbortError and a socket or TLS failure as
 * a FetchError of type 'system' whose message ends with `reason: <cause>`.
 */
function transportError(err: unknown, server: string, timeoutSeconds: number): unknown {
  if (err instanceof ClusterUnreachableError || !(err instanceof Error)) return err;
  const e = err as Error & { code?: unknown; type?: unknown };
  if (typeof e.code === 'number') return err;
  if (e.name === 'AbortError' || e.type === 'aborted') return new ClusterUnreachableError(server, `no answer within ${timeoutSeconds}s`);
  if (e.type === 'system' || e.name === 'FetchError') {
    const at = e.message.indexOf('reason: ');
    const reason = at >= 0 ? e.message.slice(at + 'reason: '.length) : typeof e.code === 'string' ? e.code : e.message;
    return new ClusterUnreachableError(server, reason.split('\n')[0] ?? reason);
  }
  return err;
}

const GROUP = 'litmuschaos.io';
const VERSION = 'v1alpha1';

/** A ChaosApi reading from the cluster the kubeconfig points at. */
export async function kubeChaosApi(target: KubeTarget = {}): Promise<ChaosApi> {
  const fields = target.fields ?? { kubeconfig: 'kubeconfig', context: 'kubeContext' };
  // Checked (and read) before the client is loaded: a bad kubeconfig is refused with our own message, never the
  // parser's (which quotes the offending lines).
  const source = kubeconfigSource(target.kubeconfig, fields.kubeconfig);
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  // What the messages below call the kubeconfig: its path, or a description of contents.
  const [field, shown] = source.kind === 'default' ? ['$KUBECONFIG', process.env.KUBECONFIG ?? '~/.kube/config']
    : source.kind === 'file' ? [fields.kubeconfig, source.path] : [fields.kubeconfig, new Redacted('kubeconfig contents')];
  try {
    if (source.kind === 'default') kc.loadFromDefault();
    else kc.loadFromString(source.text);
  } catch {
    throw new ValidationError(field, shown, 'must be a kubeconfig the Kubernetes client can load (clusters, contexts and users as lists)');
  }
  if (source.kind === 'file') kc.makePathsAbsolute(dirname(source.path));
  const secrets = source.kind === 'default' ? [] : credentialsOf(source.text);
  if (target.context !== undefined) {
    if (kc.getContextObject(target.context) === null) {
      const known = kc.getContexts().map((c) => `'${c.name}'`);
      throw new ValidationError(fields.context, target.context,
        `must be a context of the kubeconfig (${known.length > 0 ? known.join(', ') : 'it has none'})`);
    }
    kc.setCurrentContext(target.context);
  }
  if (kc.getCurrentCluster() === null) {
    throw new ValidationError(field, shown, `must have a current context (or ${fields.context}) whose cluster holds the verdicts`);
  }
  const server = serverText(kc.getCurrentCluster()?.server ?? '');
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const timeoutSeconds = target.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS;
  type Options = NonNullable<Parameters<typeof api.getNamespacedCustomObject>[1]>;
  // Every request gets its own deadline: an AbortSignal on the HTTP request (set by a per-call middleware, so the
  // socket is closed), and a race for the whole call (which also covers the kubeconfig's credential plugin).
  const bounded = async <T>(call: (options: Options) => Promise<T>): Promise<T> => {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new ClusterUnreachableError(server, `no answer within ${timeoutSeconds}s`));
      }, timeoutSeconds * 1000);
    });
    const signal: ObservableMiddleware = {
      pre: (ctx: RequestContext) => {
        ctx.setSignal(abort.signal);
        return new k8s.Observable(Promise.resolve(ctx));
      },
      post: (rsp: ResponseContext) => new k8s.Observable(Promise.resolve(rsp)),
    };
    try {
      return await Promise.race([call({ middleware: [signal], middlewareMergeStrategy: 'append' }), expired]);
    } catch (err) {
      throw scrubbed(transportError(err, server, timeoutSeconds), secrets);
    } finally {
      clearTimeout(timer);
    }
  };
  const get = async (plural: string, namespace: string, name: string): Promise<unknown> => {
    try {
      const params = { group: GROUP, version: VERSION, namespace, plural, name };
      return await bounded((options) => api.getNamespacedCustomObject(params, options)) as unknown;
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) return undefined;
      throw err;
    }
  };
  return {
    getChaosEngine: (namespace, name) => get('chaosengines', namespace, name),
    getChaosResult: (namespace, name) => get('chaosresults', namespace, name),
    // A JSON patch (the client's default patch type); `add` sets the field whether or not it is there.
    stopChaosEngine: async (namespace, name) => {
      await bounded((options) => api.patchNamespacedCustomObject({
        group: GROUP, version: VERSION, namespace, plural: 'chaosengines', name,
        body: [{ op: 'add', path: '/spec/engineState', value: 'stop' }],
      }, options));
    },
  };
}
