/**
 * The real {@link ChaosApi}: reads ChaosEngines and ChaosResults with @kubernetes/client-node from a kubeconfig
 * (a path or the file's contents, as the Pulumi Kubernetes provider accepts it) and an optional context.
 *
 * client-node 1.x is ESM-only, so it is loaded lazily here: importing this module (or the Pulumi program) in jest
 * does not load it; only calling {@link kubeChaosApi} does.
 */
import { existsSync } from 'node:fs';
import { type ChaosApi } from './collect';

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
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const get = async (plural: string, namespace: string, name: string): Promise<unknown> => {
    try {
      return await api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural, name }) as unknown;
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) return undefined;
      throw err;
    }
  };
  return {
    getChaosEngine: (namespace, name) => get('chaosengines', namespace, name),
    getChaosResult: (namespace, name) => get('chaosresults', namespace, name),
  };
}
