import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Bookinfo, type BookinfoProps } from '../../constructs/bookinfo/bookinfo';
import { ChaosToolkitRunner, type ChaosToolkitRunnerProps } from '../../constructs/chaostoolkit/runner';
import { ChaosNamespace, PodSecurityLevel } from '../../constructs/namespace';
import { type Experiment } from '../../lib/chaostoolkit/model';
import { type ExternalSecret, orderLayers, type StackLayer } from '../../lib/stack';
import { assertLabelValue } from '../../lib/validation';
import { CRD_SOURCES, type CrdSource } from '../../lib/versions';
import { talkExperiments, type TalkExperimentsOptions } from './experiments';

export interface ChaosToolkitStackProps {
  /** The environment name, added to every experiment's tags and to the charts' labels. */
  readonly environment: string;
  /** @default - Bookinfo's defaults (namespace `bookinfo`, 2 ratings-v2 replicas, reviews routed to v3) */
  readonly bookinfo?: BookinfoProps;
  /** @default - the talk experiments' defaults */
  readonly experiments?: Omit<TalkExperimentsOptions, 'targets' | 'tags'>;
  /**
   * Namespace of the runner Jobs (restricted Pod Security).
   * @default 'chaostoolkit'
   */
  readonly runnerNamespace?: string;
  /** @default - IMAGES.chaosToolkitPython with the pinned requirements installed at start */
  readonly runner?: Pick<ChaosToolkitRunnerProps, 'prebuiltImage' | 'activeDeadline' | 'env'>;
}

/**
 * Bookinfo and the three talk experiments of one environment, as two layers: `bookinfo` (namespace, workloads,
 * Istio routing) and `runners` (runner namespace, then per experiment a ConfigMap, least-privilege RBAC and a Job).
 * Applying the second starts the experiments, so it comes after the first. Istio's networking CRDs must be
 * installed first (`crdSources`); the verdicts come from each Job's journal (`readJournal`), not from a readback.
 */
export class ChaosToolkitStack extends Construct {
  public readonly bookinfoChart: Chart;
  public readonly runnersChart: Chart;
  public readonly bookinfo: Bookinfo;
  public readonly experiments: readonly Experiment[];
  public readonly runners: readonly ChaosToolkitRunner[];
  /** The layers, in apply order. */
  public readonly layers: readonly StackLayer[];
  /** Istio's networking CRDs (VirtualService, DestinationRule, Gateway). */
  public readonly crdSources: readonly CrdSource[] = [CRD_SOURCES.istioNetworking];
  /** None: no workload reads a Secret from outside. */
  public readonly externalSecrets: readonly ExternalSecret[] = [];

  public constructor(scope: Construct, id: string, props: ChaosToolkitStackProps) {
    super(scope, id);
    const labels = { 'chaos-stack/environment': assertLabelValue('ChaosToolkitStack.environment', props.environment) };
    this.bookinfoChart = new Chart(this, 'bookinfo', { labels });
    this.runnersChart = new Chart(this, 'chaostoolkit', { labels });
    this.layers = orderLayers([
      { name: 'bookinfo', chart: this.bookinfoChart, secrets: [] },
      { name: 'runners', chart: this.runnersChart, secrets: [] },
    ]);
    this.bookinfo = new Bookinfo(this.bookinfoChart, 'Bookinfo', props.bookinfo);
    this.experiments = talkExperiments({ ...props.experiments, targets: this.bookinfo.targets, tags: [props.environment] });
    const ns = new ChaosNamespace(this.runnersChart, 'Namespace', { name: props.runnerNamespace ?? 'chaostoolkit', podSecurity: PodSecurityLevel.RESTRICTED });
    this.runners = this.experiments.map((experiment) => new ChaosToolkitRunner(this.runnersChart, `Run-${experiment.id}`, {
      ...props.runner, namespace: ns, experiment,
    }));
  }
}
