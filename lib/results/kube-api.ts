/**
 * The real {@link ChaosApi}: reads ChaosEngines and ChaosResults with @kubernetes/client-node from a kubeconfig
 * (a path or the file's contents, as the Pulumi Kubernetes provider accepts it) and an optional context.
 *
 * client-node 1.x is ESM-only, so it is loaded lazily here: importing this module (or the Pulumi program) in jest
 * does not load it; only calling {@link kubeChaosApi} does.
 */
import { existsSync } from 'node:fs';
// Types only (erased): the module itself is loaded lazily by kubeChaosApi.
import type { ObservableMiddleware, RequestContext, ResponseContext } from '@kubernetes/client-node';
import { type ChaosApi } from './collect';

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
}

/** The cluster could not be reached: no connection, or no answer within the request timeout. */
export class ClusterUnreachableError extends Error {
  public constructor(public readonly server: string, cause: string) {
    super(`cannot reach ${server}: ${cause}`);
    this.name = 'ClusterUnreachableError';
  }
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
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (target.kubeconfig === undefined) kc.loadFromDefault();
  else if (target.kubeconfig.includes('\n')) kc.loadFromString(target.kubeconfig);
  else if (existsSync(target.kubeconfig)) kc.loadFromFile(target.kubeconfig);
  else throw new Error(`kubeconfig file ${target.kubeconfig} does not exist`);
  const source = target.kubeconfig === undefined ? 'the default kubeconfig ($KUBECONFIG or ~/.kube/config)'
    : target.kubeconfig.includes('\n') ? 'the kubeconfig given as contents' : `kubeconfig ${target.kubeconfig}`;
  if (target.context !== undefined) {
    if (kc.getContextObject(target.context) === null) {
      const known = kc.getContexts().map((c) => c.name);
      throw new Error(`${source} has no context '${target.context}' (contexts: ${known.length > 0 ? known.join(', ') : 'none'})`);
    }
    kc.setCurrentContext(target.context);
  }
  if (kc.getCurrentCluster() === null) throw new Error(`${source} has no current cluster to read the verdicts from`);
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
      throw transportError(err, server, timeoutSeconds);
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
