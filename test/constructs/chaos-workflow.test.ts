import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { ChaosWorkflow, type ChaosWorkflowStep } from '../../constructs/argo/chaos-workflow';
import { ChaosEngine } from '../../constructs/litmus/engine';
import { ChaosExperiment } from '../../constructs/litmus/experiment';
import { Fault, FaultName } from '../../constructs/litmus/faults';
import { crdDigest } from '../../lib/crd-integrity';
import { ARGO_WORKFLOWS_CRDS } from '../../lib/versions';
import { find, fixture, ofKind } from '../util';

/** A plan of three steps: pod-delete (stops), the group `pressure` (cpu and memory hog, does not stop), container-kill. */
function build(overrides: { steps?: (e: Record<string, ChaosEngine>) => ChaosWorkflowStep[]; runId?: string } = {}) {
  const { chart, app, chaos } = fixture();
  const engine = (fault: Fault): ChaosEngine => {
    const experiment = new ChaosExperiment(chart, `Exp-${fault.name}`, { namespace: chaos, fault: fault.name });
    return new ChaosEngine(chart, `Engine-${fault.name}`, { experiment, target: app, fault });
  };
  const e = {
    podDelete: engine(Fault.of({ fault: FaultName.POD_DELETE })),
    cpu: engine(Fault.of({ fault: FaultName.POD_CPU_HOG })),
    memory: engine(Fault.of({ fault: FaultName.POD_MEMORY_HOG })),
    kill: engine(Fault.of({ fault: FaultName.CONTAINER_KILL })),
  };
  const steps = overrides.steps?.(e) ?? [
    { name: 'app-sample-pod-delete', stopOnFailure: true, experiments: [{ engine: e.podDelete, timeoutSeconds: 300 }] },
    { name: 'pressure', stopOnFailure: false, experiments: [{ engine: e.cpu, timeoutSeconds: 400 }, { engine: e.memory, timeoutSeconds: 500 }] },
    { name: 'app-sample-container-kill', stopOnFailure: true, experiments: [{ engine: e.kill, timeoutSeconds: 300 }] },
  ];
  const workflow = new ChaosWorkflow(chart, 'Workflow', { namespace: chaos, steps, runId: overrides.runId });
  const manifest = Testing.synth(chart);
  return { workflow, manifest, engines: e, engineObjects: ofKind(manifest, 'ChaosEngine') };
}

const templateOf = (wt: any, name: string): any => {
  const hits = wt.spec.templates.filter((t: any) => t.name === name);
  if (hits.length !== 1) throw new Error(`expected one template '${name}', found ${hits.length}`);
  return hits[0];
};

describe('ChaosWorkflow', () => {
  test('runs the plan\'s steps in order, a group\'s experiments together in one step', () => {
    const { manifest } = build();
    const wt = find(manifest, 'WorkflowTemplate', 'chaos-plan', 'litmus');
    expect(wt.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(wt.spec.entrypoint).toBe('plan');
    const plan = templateOf(wt, 'plan');
    expect(plan.steps.map((group: any[]) => group.map((s) => s.template))).toEqual([
      ['app-sample-pod-delete'],
      ['app-sample-pod-cpu-hog', 'app-sample-pod-memory-hog'],
      ['app-sample-container-kill'],
    ]);
  });

  test('stops the plan on a failed step unless the step says otherwise (continueOn.failed)', () => {
    const { manifest } = build();
    const plan = templateOf(find(manifest, 'WorkflowTemplate', 'chaos-plan'), 'plan');
    expect(plan.steps.map((group: any[]) => group.map((s) => s.continueOn ?? null))).toEqual([
      [null],
      [{ failed: true }, { failed: true }],
      [null],
    ]);
  });

  test('creates each engine from the manifest the engine renders, waits for completed, then passes only on a Pass verdict', () => {
    const { manifest, engineObjects } = build();
    const wt = find(manifest, 'WorkflowTemplate', 'chaos-plan');
    const experiment = templateOf(wt, 'app-sample-pod-delete');
    expect(experiment.steps).toEqual([
      [{ name: 'engine', template: 'app-sample-pod-delete-engine' }],
      [{ name: 'verdict', template: 'app-sample-pod-delete-verdict' }],
    ]);
    const create = templateOf(wt, 'app-sample-pod-delete-engine');
    expect(create.activeDeadlineSeconds).toBe(300);
    expect(create.resource).toEqual({
      action: 'create',
      manifest: expect.any(String),
      successCondition: 'status.engineStatus == completed',
      failureCondition: 'status.engineStatus == stopped',
    });
    expect(JSON.parse(create.resource.manifest)).toEqual(engineObjects.find((o) => o.metadata.name === 'app-sample-pod-delete'));
    const verdict = templateOf(wt, 'app-sample-pod-delete-verdict');
    expect(verdict.activeDeadlineSeconds).toBe(120);
    expect(verdict.resource).toEqual({
      action: 'get',
      manifest: JSON.stringify({
        apiVersion: 'litmuschaos.io/v1alpha1', kind: 'ChaosResult', metadata: { name: 'app-sample-pod-delete-pod-delete', namespace: 'litmus' },
      }),
      successCondition: 'status.experimentStatus.verdict == Pass',
      failureCondition: 'status.experimentStatus.verdict in (Fail,Error,Stopped)',
    });
  });

  test('grants its ServiceAccount exactly what its templates call, in the chaos namespace only', () => {
    const { manifest, workflow } = build();
    expect(ofKind(manifest, 'ClusterRole')).toEqual([]);
    const role = find(manifest, 'Role', 'chaos-plan-workflow', 'litmus');
    expect(role.rules).toEqual([
      { apiGroups: ['litmuschaos.io'], resources: ['chaosengines'], verbs: ['create', 'get'] },
      { apiGroups: ['litmuschaos.io'], resources: ['chaosresults'], verbs: ['get'] },
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
    ]);
    const binding = find(manifest, 'RoleBinding', 'chaos-plan-workflow', 'litmus');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'chaos-plan-workflow', namespace: 'litmus' }]);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'chaos-plan-workflow' });
    const wt = find(manifest, 'WorkflowTemplate', 'chaos-plan');
    expect(wt.spec.serviceAccountName).toBe(workflow.serviceAccount.name);
    expect(wt.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 8737, seccompProfile: { type: 'RuntimeDefault' } });
    expect(wt.spec.podMetadata.labels).toEqual(workflow.pods.podLabels);
  });

  test('the Workflow runs the template, named for the run so that applying it again starts nothing new', () => {
    expect(find(build().manifest, 'Workflow', 'chaos-plan-run', 'litmus').spec).toEqual({ workflowTemplateRef: { name: 'chaos-plan' } });
    expect(find(build({ runId: 'r7' }).manifest, 'Workflow', 'chaos-plan-r7', 'litmus').spec).toEqual({ workflowTemplateRef: { name: 'chaos-plan' } });
  });

  test('rejects an empty plan, an empty step, an engine run twice and a bad step name', () => {
    expect(() => build({ steps: () => [] })).toThrow('Invalid ChaosWorkflow.steps: []; must list at least one step');
    expect(() => build({ steps: () => [{ name: 'empty', stopOnFailure: true, experiments: [] }] }))
      .toThrow('Invalid ChaosWorkflow.steps[0].experiments: []; must list at least one experiment');
    expect(() => build({ steps: (e) => [
      { name: 'a', stopOnFailure: true, experiments: [{ engine: e.podDelete, timeoutSeconds: 60 }] },
      { name: 'b', stopOnFailure: true, experiments: [{ engine: e.podDelete, timeoutSeconds: 60 }] },
    ] })).toThrow("Invalid ChaosWorkflow.steps[1].experiments[0].engine: 'app-sample-pod-delete'; is already run by an earlier step; each engine runs once");
    expect(() => build({ steps: (e) => [{ name: 'Bad_Name', stopOnFailure: true, experiments: [{ engine: e.podDelete, timeoutSeconds: 60 }] }] }))
      .toThrow("Invalid ChaosWorkflow.steps[0].name: 'Bad_Name'");
  });
});

describe('the pinned Argo Workflows CRDs', () => {
  const dir = join(__dirname, '..', '..', '..', 'shared', 'reference', 'crds');
  (existsSync(dir) ? test : test.skip)('match their content pins, recomputed from ../shared/reference/crds', () => {
    const digests = ARGO_WORKFLOWS_CRDS.localFiles.flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8'))
      .map((d) => d.toJS() as { metadata: { name: string } })
      .map((doc) => [doc.metadata.name, crdDigest(doc)]));
    expect(Object.fromEntries(digests)).toEqual(ARGO_WORKFLOWS_CRDS.sha256);
    expect(digests.map(([name]) => name)).toEqual(ARGO_WORKFLOWS_CRDS.crds);
  });
});
