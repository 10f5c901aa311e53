import { Construct } from 'constructs';
import * as litmus from '../../lib/imports/litmus-litmuschaos.io';
import { IMAGES, LITMUS_VERSION } from '../../lib/versions';
import { assertPinned } from '../../lib/validation';
import { type INamespaceRef } from '../namespace';
import { type IPodGroup } from '../network-policy';
import { FAULT_DEFINITIONS, type FaultDefinition, type FaultName } from './faults';

export interface ChaosExperimentProps {
  /** The chaos namespace: the ChaosExperiment must live where the engines that run it live. */
  readonly namespace: INamespaceRef;
  /** The fault the experiment runs. */
  readonly fault: FaultName;
  /**
   * The experiment image (litmus-go's go-runner), pinned.
   * @default IMAGES.goRunner
   */
  readonly image?: string;
}

/**
 * A Litmus ChaosExperiment: the definition of one fault (image, command, default env, declared permissions),
 * installed in the chaos namespace. Engines in the same namespace run it by name; their env overrides the
 * defaults it carries. One per fault and namespace.
 */
export class ChaosExperiment extends Construct {
  public readonly name: FaultName;
  public readonly namespace: INamespaceRef;
  public readonly definition: FaultDefinition;
  public readonly apiObject: litmus.ChaosExperiment;
  /**
   * The experiment's pods and its helper pods, in the chaos namespace: the runner labels the experiment Job's pod
   * with the definition's labels (the engine's own labels override `app.kubernetes.io/part-of`), and litmus-go gives
   * helper pods the experiment pod's labels; `app.kubernetes.io/component: experiment-job` is on all of them.
   */
  public readonly pods: IPodGroup;

  public constructor(scope: Construct, id: string, props: ChaosExperimentProps) {
    super(scope, id);
    this.definition = FAULT_DEFINITIONS[props.fault];
    this.name = props.fault;
    this.namespace = props.namespace;
    const image = assertPinned('ChaosExperiment.image', props.image ?? IMAGES.goRunner);
    const labels = {
      'name': this.name,
      'app.kubernetes.io/part-of': 'litmus',
      'app.kubernetes.io/component': 'experiment-job',
      'app.kubernetes.io/version': LITMUS_VERSION,
    };
    this.pods = { name: 'chaos-experiments', namespace: this.namespace, podLabels: { 'app.kubernetes.io/component': labels['app.kubernetes.io/component'] } };
    this.apiObject = new litmus.ChaosExperiment(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace.name,
        labels: { ...labels, 'app.kubernetes.io/component': 'chaosexperiment' },
      },
      spec: {
        definition: {
          scope: this.definition.scope,
          // Informational only: neither the operator nor the runner reads it. ExperimentRbac grants these rules.
          permissions: this.definition.permissions.map((p) => ({
            apiGroups: [...p.apiGroups], resources: [...p.resources], verbs: [...p.verbs],
          })),
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/bash'],
          args: ['-c', `./experiments -name ${this.name}`],
          env: Object.entries(this.definition.defaults).map(([name, value]) => ({
            name, value: name === 'LIB_IMAGE' ? image : value,
          })),
          labels,
        },
      },
    });
  }
}
