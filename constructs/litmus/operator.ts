import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CRD_SOURCES, type CrdSource, IMAGES, LITMUS_VERSION } from '../../lib/versions';
import { assertPinned } from '../../lib/validation';
import { type INamespaceRef } from '../namespace';
import { type IPodGroup } from '../network-policy';
import { RESTRICTED_CONTAINER, restrictedPod } from '../security';

export interface LitmusOperatorProps {
  /** The chaos namespace the operator runs in. */
  readonly namespace: INamespaceRef;
  /**
   * chaos-operator image, pinned.
   * @default IMAGES.chaosOperator
   */
  readonly image?: string;
  /**
   * chaos-runner image the operator starts for each engine, pinned.
   * @default IMAGES.chaosRunner
   */
  readonly runnerImage?: string;
  /**
   * Namespace the operator watches.
   * @default - all namespaces
   */
  readonly watchNamespace?: INamespaceRef;
  /**
   * Let the operator send Litmus's usage analytics to Google Analytics: an install event at start and, through the
   * runner it starts for every engine, one event per experiment run (chaos-operator main.go and pkg/analytics; the
   * runner's bin/runner.go sends only when the operator hands it a CLIENT_UUID, which it does only with analytics on).
   * Off: the stack calls nothing outside the cluster that is not its own.
   * @default false
   */
  readonly usageAnalytics?: boolean;
}

/**
 * The Litmus chaos-operator 3.31.0: ServiceAccount, ClusterRole (the operator's own 3.31.0 rules), binding and
 * Deployment, with its usage analytics off (`ANALYTICS=FALSE`) unless asked for. Its three CRDs are not part of
 * this construct: `crdSource` says where the pinned release publishes them, and a deployment step installs them
 * first (see lib/versions.ts CRD_SOURCES).
 */
export class LitmusOperator extends Construct {
  /** Where the operator's CRDs come from (pinned release URL, CRD names, local file names). */
  public static readonly crdSource: CrdSource = CRD_SOURCES.litmus;

  public readonly name = 'chaos-operator-ce';
  public readonly serviceAccountName = 'litmus';
  public readonly deployment: k8s.KubeDeployment;
  /** The operator's pods. */
  public readonly pods: IPodGroup;
  /**
   * The runner pods the operator starts for each engine, in the engine's namespace: labelled
   * `app.kubernetes.io/component: chaos-runner` by the operator (chaos-operator 3.18 getChaosRunnerLabels).
   */
  public readonly runnerPods: IPodGroup;

  public constructor(scope: Construct, id: string, props: LitmusOperatorProps) {
    super(scope, id);
    const ns = props.namespace.name;
    const labels = { 'app.kubernetes.io/name': 'chaos-operator', 'app.kubernetes.io/part-of': 'litmus', 'app.kubernetes.io/version': LITMUS_VERSION };
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: this.serviceAccountName, namespace: ns, labels } });
    const clusterRoleName = `litmus-operator-${ns}`;
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: clusterRoleName, labels },
      rules: [
        { apiGroups: [''], resources: ['replicationcontrollers', 'secrets'], verbs: ['get', 'list'] },
        { apiGroups: ['apps.openshift.io'], resources: ['deploymentconfigs'], verbs: ['get', 'list'] },
        { apiGroups: ['apps'], resources: ['deployments', 'daemonsets', 'replicasets', 'statefulsets'], verbs: ['get', 'list'] },
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'delete', 'deletecollection'] },
        { apiGroups: ['argoproj.io'], resources: ['rollouts'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['pods', 'events'], verbs: ['get', 'create', 'update', 'patch', 'delete', 'list', 'watch', 'deletecollection'] },
        { apiGroups: [''], resources: ['services', 'configmaps'], verbs: ['create', 'update', 'get', 'list', 'watch', 'delete'] },
        // The upstream manifest grants '*' here; these are the verbs the operator's controller uses.
        {
          apiGroups: ['litmuschaos.io'], resources: ['chaosengines', 'chaosexperiments', 'chaosresults'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
        { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['list', 'get'] },
        { apiGroups: ['litmuschaos.io'], resources: ['chaosengines/finalizers'], verbs: ['update'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'list', 'update', 'delete'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: clusterRoleName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: ns }],
    });
    const selector = { name: 'chaos-operator' };
    this.pods = { name: 'chaos-operator', namespace: props.namespace, podLabels: selector };
    this.runnerPods = { name: 'chaos-runner', namespace: props.namespace, podLabels: { 'app.kubernetes.io/component': 'chaos-runner' } };
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: this.name, namespace: ns, labels: { ...labels, ...selector } },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...labels, ...selector } },
          spec: {
            serviceAccountName: this.serviceAccountName,
            securityContext: restrictedPod(1000, { fsGroup: false }),
            containers: [{
              name: 'chaos-operator',
              image: assertPinned('LitmusOperator.image', props.image ?? IMAGES.chaosOperator),
              imagePullPolicy: 'IfNotPresent',
              command: ['chaos-operator'],
              args: ['-leader-elect=true'],
              env: [
                { name: 'CHAOS_RUNNER_IMAGE', value: assertPinned('LitmusOperator.runnerImage', props.runnerImage ?? IMAGES.chaosRunner) },
                { name: 'WATCH_NAMESPACE', value: props.watchNamespace?.name ?? '' },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'OPERATOR_NAME', value: 'chaos-operator' },
                // Anything but FALSE sends the analytics (and gives every runner a CLIENT_UUID to send its own).
                { name: 'ANALYTICS', value: props.usageAnalytics === true ? 'TRUE' : 'FALSE' },
              ],
              resources: {
                requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') },
                limits: { cpu: k8s.Quantity.fromString('250m'), memory: k8s.Quantity.fromString('256Mi') },
              },
              securityContext: RESTRICTED_CONTAINER,
            }],
          },
        },
      },
    });
  }
}
