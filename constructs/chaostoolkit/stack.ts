import { type App, Chart } from 'cdk8s';
import { type Experiment } from '../../lib/chaostoolkit/model';
import { talkExperiments, type TalkExperimentsOptions } from '../../lib/chaostoolkit/experiments';
import { Bookinfo, type BookinfoProps } from '../bookinfo/bookinfo';
import { ChaosNamespace, PodSecurityLevel } from '../namespace';
import { ChaosToolkitRunner, type ChaosToolkitRunnerProps } from './runner';

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
  /** @default - CTK_PYTHON_IMAGE with the pinned requirements installed at start */
  readonly runner?: Pick<ChaosToolkitRunnerProps, 'prebuiltImage' | 'activeDeadline' | 'env'>;
}

/**
 * Bookinfo and the three talk experiments of one environment, as two charts in an App: `bookinfo` (namespace,
 * workloads, Istio routing) and `chaostoolkit` (runner namespace, then per experiment a ConfigMap, least-privilege
 * RBAC and a Job). Applying the second chart starts the experiments, so it depends on the first.
 */
export class ChaosToolkitStack {
  public readonly bookinfoChart: Chart;
  public readonly runnersChart: Chart;
  public readonly bookinfo: Bookinfo;
  public readonly experiments: readonly Experiment[];
  public readonly runners: readonly ChaosToolkitRunner[];

  public constructor(scope: App, props: ChaosToolkitStackProps) {
    const labels = { 'chaos-stack/environment': props.environment };
    this.bookinfoChart = new Chart(scope, 'bookinfo', { labels });
    this.runnersChart = new Chart(scope, 'chaostoolkit', { labels });
    this.runnersChart.addDependency(this.bookinfoChart);
    this.bookinfo = new Bookinfo(this.bookinfoChart, 'Bookinfo', props.bookinfo);
    this.experiments = talkExperiments({ ...props.experiments, targets: this.bookinfo.targets, tags: [props.environment] });
    const ns = new ChaosNamespace(this.runnersChart, 'Namespace', { name: props.runnerNamespace ?? 'chaostoolkit', podSecurity: PodSecurityLevel.RESTRICTED });
    this.runners = this.experiments.map((experiment) => new ChaosToolkitRunner(this.runnersChart, `Run-${experiment.id}`, {
      ...props.runner, namespace: ns, experiment,
    }));
  }
}
