import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { type Experiment, type PermissionNeed } from '../../lib/chaostoolkit/model';
import { requirementsText } from '../../lib/chaostoolkit/requirements';
import { assertDnsLabel, assertPinned, wholeSeconds } from '../../lib/validation';
import { IMAGES } from '../../lib/versions';
import { type INamespaceRef } from '../namespace';
import { type PolicyRule, RoleGrants } from '../rbac';
import { RESTRICTED_CONTAINER, restrictedPod } from '../security';

/** An RBAC rule as rendered into a Role or ClusterRole. */
export type RenderedRule = PolicyRule;

export interface ChaosToolkitRunnerProps {
  /** Where the ConfigMap, ServiceAccount and Job live. */
  readonly namespace: INamespaceRef;
  /** The experiment to run. */
  readonly experiment: Experiment;
  /**
   * An image with `chaos` and the extensions on its PATH; no install step then.
   * @default - IMAGES.chaosToolkitPython with requirements.txt installed by an init container
   */
  readonly prebuiltImage?: string;
  /**
   * The run is killed after this long (rollbacks cannot run then: keep it well above the experiment's duration).
   * @default Duration.minutes(15)
   */
  readonly activeDeadline?: Duration;
  /**
   * Environment of the `chaos` container (e.g. PRODUCT_PAGE_URL).
   * @default - none
   */
  readonly env?: Readonly<Record<string, string>>;
}

/** Groups permission needs into rules, per namespace (`undefined` key: cluster-wide), merging verbs. */
export function rulesByScope(needs: readonly PermissionNeed[]): Map<string | undefined, RenderedRule[]> {
  const byScope = new Map<string | undefined, Map<string, Set<string>>>();
  for (const n of needs) {
    const scope = byScope.get(n.namespace) ?? new Map<string, Set<string>>();
    byScope.set(n.namespace, scope);
    const key = `${n.apiGroup}\u0000${n.resource}`;
    const verbs = scope.get(key) ?? new Set<string>();
    n.verbs.forEach((v) => verbs.add(v));
    scope.set(key, verbs);
  }
  const out = new Map<string | undefined, RenderedRule[]>();
  for (const [ns, scope] of byScope) {
    out.set(ns, [...scope.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, verbs]) => {
      const [apiGroup, resource] = key.split('\u0000');
      return { apiGroups: [apiGroup], resources: [resource], verbs: [...verbs].sort() };
    }));
  }
  return out;
}

/**
 * Runs one Chaos Toolkit experiment inside the cluster: a ConfigMap with the experiment JSON (and the pinned
 * requirements), a ServiceAccount with exactly the permissions the experiment's activities declare (a Role per
 * namespace acted on, a ClusterRole only for cluster-scoped needs such as node drain), and a Job that runs
 * `chaos run` once (no retries: a second run would inject the fault again) and prints the journal to its log
 * between `--- journal.json ---` markers, where `readJournal` can take it from.
 *
 * The pod runs as a non-root user with a read-only root filesystem, no capabilities and RuntimeDefault seccomp, so
 * the runner namespace can enforce the `restricted` Pod Security level.
 */
export class ChaosToolkitRunner extends Construct {
  public readonly name: string;
  public readonly configMap: k8s.KubeConfigMap;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly job: k8s.KubeJob;
  /** The rules granted, per namespace (`undefined`: the ClusterRole). */
  public readonly rules: ReadonlyMap<string | undefined, readonly RenderedRule[]>;

  public constructor(scope: Construct, id: string, props: ChaosToolkitRunnerProps) {
    super(scope, id);
    const exp = props.experiment;
    this.name = assertDnsLabel('ChaosToolkitRunner.name', `ctk-${exp.id}`.slice(0, 63).replace(/-+$/, ''));
    const ns = props.namespace.name;
    const deadline = wholeSeconds('ChaosToolkitRunner.activeDeadline', props.activeDeadline ?? Duration.minutes(15));
    if (props.prebuiltImage !== undefined) assertPinned('ChaosToolkitRunner.prebuiltImage', props.prebuiltImage);
    const labels = { 'app.kubernetes.io/part-of': 'chaos-stack', 'app.kubernetes.io/component': 'chaostoolkit', 'chaos-stack/experiment': exp.id };
    const metadata = { name: this.name, namespace: ns, labels };

    this.configMap = new k8s.KubeConfigMap(this, 'ConfigMap', {
      metadata,
      data: { 'experiment.json': exp.toString(), ...(props.prebuiltImage === undefined ? { 'requirements.txt': requirementsText() } : {}) },
    });
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    const byScope = rulesByScope(exp.permissions);
    this.rules = byScope;
    new RoleGrants(this, 'Grants', {
      serviceAccount: { name: this.name, namespace: ns },
      roleName: this.name,
      clusterRoleName: `chaos-stack:${ns}:${this.name}`,
      labels,
      scopes: [...byScope].map(([namespace, rules]) => (namespace === undefined ? { rules } : { namespace, rules })),
    });

    const securityContext = RESTRICTED_CONTAINER;
    const venv = '/opt/ctk/venv';
    const chaos = props.prebuiltImage === undefined ? `${venv}/bin/chaos` : 'chaos';
    const env = [
      { name: 'CHAOSTOOLKIT_IN_POD', value: 'true' },
      { name: 'HOME', value: '/tmp' },
      ...Object.entries(props.env ?? {}).map(([name, value]) => ({ name, value })),
    ];
    const mounts = [
      { name: 'experiment', mountPath: '/etc/chaostoolkit', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      ...(props.prebuiltImage === undefined ? [{ name: 'venv', mountPath: '/opt/ctk' }] : []),
    ];
    const run = [
      `${chaos} --no-version-check --log-file /tmp/chaostoolkit.log run --journal-path /tmp/journal.json /etc/chaostoolkit/experiment.json`,
      'rc=$?',
      "echo '--- journal.json ---'",
      'cat /tmp/journal.json',
      "echo '--- end journal.json ---'",
      'exit $rc',
    ].join('; ');

    this.job = new k8s.KubeJob(this, 'Resource', {
      metadata,
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: deadline,
        ttlSecondsAfterFinished: 86_400,
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: this.name,
            automountServiceAccountToken: true,
            restartPolicy: 'Never',
            securityContext: restrictedPod(65532),
            ...(props.prebuiltImage === undefined ? {
              initContainers: [{
                name: 'install',
                image: IMAGES.chaosToolkitPython,
                imagePullPolicy: 'IfNotPresent',
                // Hash-checking mode: every package, dependencies included, must match a hash of requirements.txt, and
                // only wheels are accepted (no setup.py runs at install time).
                command: ['sh', '-c', `python -m venv ${venv} && ${venv}/bin/pip install --no-cache-dir --disable-pip-version-check `
                  + '--require-hashes --only-binary :all: -r /etc/chaostoolkit/requirements.txt'],
                env: [{ name: 'HOME', value: '/tmp' }],
                securityContext,
                volumeMounts: mounts,
              }],
            } : {}),
            containers: [{
              name: 'chaos',
              image: props.prebuiltImage ?? IMAGES.chaosToolkitPython,
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', run],
              env,
              securityContext,
              volumeMounts: mounts,
            }],
            volumes: [
              { name: 'experiment', configMap: { name: this.name } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              ...(props.prebuiltImage === undefined ? [{ name: 'venv', emptyDir: { sizeLimit: k8s.Quantity.fromString('512Mi') } }] : []),
            ],
          },
        },
      },
    });
  }
}

/** Takes the journal a runner Job printed to its log (between the markers) and parses it. */
export function journalFromLog(log: string): unknown {
  const start = log.lastIndexOf('--- journal.json ---');
  const end = log.lastIndexOf('--- end journal.json ---');
  if (start < 0 || end < start) throw new Error('no journal in the log: the runner did not reach the end of `chaos run`');
  return JSON.parse(log.slice(start + '--- journal.json ---'.length, end)) as unknown;
}
