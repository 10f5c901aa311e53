/**
 * The three experiments of the Codemotion Chaos Toolkit talk against Istio's bookinfo, rebuilt as typed code with
 * their defects fixed where the toolkit allows (README "Chaos Toolkit on bookinfo" lists what cannot be fixed):
 *
 * - terminate-half-ratings-v2-pods: ratings-v2 now exists (Bookinfo deploys it with MongoDB) and runs >= 2
 *   replicas, so "half" leaves one serving; pods are picked by the v2 labels, not a name regex over all ratings.
 * - drain-node: the hypothesis checks the bookinfo namespace (the talk's checked `default`); the drain acts on one
 *   selected node and the rollback uncordons that selection only (the talk uncordoned every node); rollbacks run
 *   even when a probe raised (`runtime.rollbacks.strategy: always`).
 * - reviews-network-latency: the reviews VirtualService and DestinationRule it needs are deployed by Bookinfo; the
 *   fault is written with `percentage.value`; the product page URL has an in-cluster default, so validation does
 *   not need an environment variable; the removal runs whatever the hypothesis did.
 */
import { Duration } from 'cdk8s';
import { type BookinfoTargets } from '../../constructs/bookinfo/bookinfo';
import {
  addDelayFault, allPodsHealthy, deploymentAvailableAndHealthy, drainNodes, httpProbe, type NodeSelector, podsInPhase, removeDelayFault,
  terminatePods, uncordonNode,
} from '../../lib/chaostoolkit/activities';
import { Experiment } from '../../lib/chaostoolkit/model';

/** The label that marks the node the drain experiment may drain (set it on exactly one node). */
export const DRAIN_TARGET_LABEL = 'chaos-stack/drain-target';

export interface TalkExperimentsOptions {
  /** The bookinfo deployment the experiments aim at. */
  readonly targets: BookinfoTargets;
  /**
   * The node the drain experiment drains and its rollback uncordons.
   * @default - the nodes labelled `chaos-stack/drain-target=true` (label exactly one)
   */
  readonly drainNodes?: NodeSelector;
  /**
   * Time given to Kubernetes to replace terminated or evicted pods before the hypothesis is checked again.
   * @default Duration.seconds(20) (the talk's pause)
   */
  readonly settleTime?: Duration;
  /** @default Duration.seconds(5) */
  readonly fixedDelay?: Duration;
  /** Share of requests delayed. @default 100 */
  readonly delayPercentage?: number;
  /** The product page must answer within this time. @default Duration.seconds(1) (the talk's curl --max-time 1) */
  readonly pageDeadline?: Duration;
  /** Tags added to every experiment (e.g. the environment). @default - none */
  readonly tags?: readonly string[];
}

/** Builds the three talk experiments for one bookinfo deployment. */
export function talkExperiments(o: TalkExperimentsOptions): Experiment[] {
  const t = o.targets;
  const ns = t.namespace;
  const settle = o.settleTime ?? Duration.seconds(20);
  const tags = (base: string[]): string[] => [...base, ...(o.tags ?? [])];
  const nodes = o.drainNodes ?? { labelSelector: `${DRAIN_TARGET_LABEL}=true` };

  const ratingsHealthy = [
    deploymentAvailableAndHealthy({ name: 'ratings-v2-deployment-is-available', ns, deployment: t.ratingsV2.deployment }),
    podsInPhase({ name: 'ratings-v2-pods-are-running', ns, labelSelector: t.ratingsV2.v2LabelSelector }),
  ];

  const terminateHalf = new Experiment({
    id: 'terminate-half-ratings-v2-pods',
    title: 'Is the application available when half the pods are down?',
    description: `Terminates half (rounded up) of the ${t.ratingsV2.replicas} ratings-v2 pods in '${ns}' and expects the Deployment `
      + 'to be fully available again once Kubernetes has replaced them.',
    tags: tags(['kubernetes', 'bookinfo', 'pods']),
    steadyStateHypothesis: { title: 'ratings-v2 is available and all its pods run', probes: ratingsHealthy },
    method: [
      terminatePods({
        name: 'terminate-half-of-the-ratings-v2-pods', ns, labelSelector: t.ratingsV2.v2LabelSelector,
        quantity: { mode: 'percentage', qty: 50 }, rand: true, pauseAfter: settle,
      }),
    ],
  });

  const drain = new Experiment({
    id: 'drain-node',
    title: 'Is the application available when a node is drained?',
    description: `Drains the selected node (cordon, then evict its pods) and expects every pod of '${ns}' to be running `
      + 'elsewhere; the rollback uncordons the same node, whatever the outcome.',
    tags: tags(['kubernetes', 'bookinfo', 'nodes']),
    steadyStateHypothesis: {
      title: `every bookinfo pod in '${ns}' is healthy and ratings-v2 is available`,
      probes: [allPodsHealthy({ name: 'all-bookinfo-pods-are-healthy', ns }), ratingsHealthy[0]],
    },
    method: [drainNodes({ name: 'drain-the-target-node', nodes, deletePodsWithLocalStorage: true, pauseAfter: settle })],
    rollbacks: [uncordonNode({ name: 'uncordon-the-drained-node', nodes })],
  });

  const route = { host: t.reviews.host, subset: t.reviews.subset };
  const vsTarget = { ns, virtualService: t.reviews.virtualService, routes: [route], apiVersion: t.istioApiVersion };
  const deadline = o.pageDeadline ?? Duration.seconds(1);
  const latency = new Experiment({
    id: 'reviews-network-latency',
    title: 'Network latency does not impact our users',
    description: `Injects a ${(o.fixedDelay ?? Duration.seconds(5)).toMilliseconds()} ms delay into the reviews ${t.reviews.subset} route through `
      + `Istio and expects the product page to answer within ${deadline.toMilliseconds()} ms; the fault is removed whatever the outcome.`,
    tags: tags(['kubernetes', 'bookinfo', 'istio', 'latency']),
    configuration: { product_page_url: { type: 'env', key: 'PRODUCT_PAGE_URL', default: t.productpage.url } },
    steadyStateHypothesis: {
      title: `the product page answers within ${deadline.toMilliseconds()} ms`,
      probes: [httpProbe({ name: 'product-page-answers-in-time', url: '${product_page_url}/productpage', timeout: deadline })],
    },
    method: [
      addDelayFault({
        name: `delay-reviews-${t.reviews.subset}`, ...vsTarget, fixedDelay: o.fixedDelay ?? Duration.seconds(5),
        percentage: o.delayPercentage ?? 100, pauseAfter: Duration.seconds(2),
      }),
    ],
    rollbacks: [removeDelayFault({ name: `remove-the-reviews-${t.reviews.subset}-delay`, ...vsTarget })],
  });

  return [terminateHalf, drain, latency];
}
