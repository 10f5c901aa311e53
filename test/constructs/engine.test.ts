import { Duration, Testing } from 'cdk8s';
import { BlastRadius } from '../../constructs/litmus/blast-radius';
import { ChaosEngine, EngineState, JobCleanUpPolicy } from '../../constructs/litmus/engine';
import { ChaosExperiment } from '../../constructs/litmus/experiment';
import { Fault, FaultName } from '../../constructs/litmus/faults';
import { Probe } from '../../constructs/litmus/probes';
import { ChaosNamespace } from '../../constructs/namespace';
import { AppKind, TargetApplication } from '../../constructs/target-app';
import { find, fixture, ofKind } from '../util';

function setup(fault: FaultName = FaultName.POD_DELETE) {
  const f = fixture();
  const experiment = new ChaosExperiment(f.chart, 'Exp', { namespace: f.chaos, fault });
  return { ...f, experiment };
}

describe('ChaosEngine', () => {
  test('derives appinfo from the target and runs in the chaos namespace', () => {
    // GIVEN
    const { chart, app, experiment } = setup();
    // WHEN
    const engine = new ChaosEngine(chart, 'Engine', {
      experiment, target: app, fault: Fault.podDelete({ totalChaosDuration: Duration.seconds(30) }), probes: [Probe.frontendAccess(app)],
      context: 'dev',
    });
    // THEN
    const manifest = Testing.synth(chart);
    expect(manifest).toMatchSnapshot();
    const ce = find(manifest, 'ChaosEngine', 'app-sample-pod-delete', 'litmus');
    expect(ce.spec.appinfo).toEqual({ appns: 'testing', applabel: 'app.kubernetes.io/name=app-sample', appkind: 'deployment' });
    expect(ce.spec.chaosServiceAccount).toBe('app-sample-pod-delete-sa');
    expect(ce.spec.engineState).toBe('active');
    expect(ce.spec.jobCleanUpPolicy).toBe('delete');
    expect(ce.metadata.labels.context).toBe('dev');
    expect(ce.spec).not.toHaveProperty('annotationCheck');
    expect(ce.spec).not.toHaveProperty('monitoring');
    expect(ce.spec.experiments[0].name).toBe('pod-delete');
    expect(ce.spec.experiments[0].spec.probe[0]['httpProbe/inputs'].url).toBe('http://app-sample.testing.svc.cluster.local');
    expect(engine.resultName).toBe('app-sample-pod-delete-pod-delete');
    expect(find(manifest, 'ServiceAccount', 'app-sample-pod-delete-sa', 'litmus')).toBeDefined();
    expect(app.kind).toBe(AppKind.DEPLOYMENT);
  });

  test('renders engineState, jobCleanUpPolicy and statusCheckTimeouts', () => {
    const { chart, app, experiment } = setup();
    new ChaosEngine(chart, 'Engine', {
      experiment, target: app, fault: Fault.podDelete(), engineState: EngineState.STOP, jobCleanUpPolicy: JobCleanUpPolicy.RETAIN,
      statusCheckTimeouts: { delay: Duration.seconds(2), timeout: Duration.minutes(5) },
    });
    const ce = find(Testing.synth(chart), 'ChaosEngine', 'app-sample-pod-delete');
    expect(ce.spec.engineState).toBe('stop');
    expect(ce.spec.jobCleanUpPolicy).toBe('retain');
    expect(ce.spec.experiments[0].spec.components.statusCheckTimeouts).toEqual({ delay: 2, timeout: 300 });
  });

  test('names engines of a run after the run id, keeping the ServiceAccount stable', () => {
    const { chart, app, experiment } = setup();
    const engine = new ChaosEngine(chart, 'Engine', { experiment, target: app, fault: Fault.podDelete(), runId: 'r42' });
    expect(engine.name).toBe('app-sample-pod-delete-r42');
    const ce = find(Testing.synth(chart), 'ChaosEngine', 'app-sample-pod-delete-r42');
    expect(ce.metadata.labels['chaos-stack/run-id']).toBe('r42');
    expect(ce.spec.chaosServiceAccount).toBe('app-sample-pod-delete-sa');
  });

  test('gives engines of different faults on one target different names', () => {
    const { chart, app, chaos } = fixture();
    for (const [i, f] of [Fault.podDelete(), Fault.containerKill()].entries()) {
      const experiment = new ChaosExperiment(chart, `Exp${i}`, { namespace: chaos, fault: f.name });
      new ChaosEngine(chart, `Engine${i}`, { experiment, target: app, fault: f });
    }
    expect(ofKind(Testing.synth(chart), 'ChaosEngine').map((e) => e.metadata.name)).toEqual(['app-sample-pod-delete', 'app-sample-container-kill']);
  });

  test('fails for two engines with the same name', () => {
    const { chart, app, experiment } = setup();
    new ChaosEngine(chart, 'First', { experiment, target: app, fault: Fault.podDelete() });
    expect(() => new ChaosEngine(chart, 'Second', { experiment, target: app, fault: Fault.podDelete(), serviceAccount: undefined }))
      .toThrow("Invalid ChaosEngine 'app-sample-pod-delete'.name: 'app-sample-pod-delete'; another ChaosEngine (test/First) "
        + "already has this name in namespace 'litmus'; names must be unique.");
  });

  test('fails when the fault is not the experiment\'s', () => {
    const { chart, app, experiment } = setup(FaultName.POD_DELETE);
    expect(() => new ChaosEngine(chart, 'Engine', { experiment, target: app, fault: Fault.containerKill() })).toThrow(
      "Invalid ChaosEngine 'app-sample-container-kill'.fault: 'container-kill'; must be the experiment's fault ('pod-delete').");
  });

  test('fails for an engine name that is not a DNS-1123 label', () => {
    const { chart, app, experiment } = setup();
    expect(() => new ChaosEngine(chart, 'Engine', { experiment, target: app, fault: Fault.podDelete(), name: 'Pod_Delete' }))
      .toThrow(/^Invalid ChaosEngine.name: 'Pod_Delete'; must be a DNS-1123 label/);
  });

  test('fails for a run id that makes the engine name longer than a label value, blaming the run id', () => {
    const { chart, app, experiment } = setup();
    const max = 63 - 'app-sample-pod-delete-'.length;
    expect(new ChaosEngine(chart, 'Ok', { experiment, target: app, fault: Fault.podDelete(), runId: 'r'.repeat(max) }).name).toHaveLength(63);
    expect(() => new ChaosEngine(chart, 'Engine', { experiment, target: app, fault: Fault.podDelete(), runId: 'r'.repeat(max + 1) })).toThrow(
      `Invalid ChaosEngine.runId: '${'r'.repeat(max + 1)}'; must be at most 41 characters: it goes into the name 'app-sample-pod-delete-<runId>', `
      + 'which may have at most 63 (a label value).');
  });

  test('fails for a context that is not a label value', () => {
    const { chart, app, experiment } = setup();
    expect(() => new ChaosEngine(chart, 'Engine', { experiment, target: app, fault: Fault.podDelete(), context: 'dev cluster' })).toThrow(
      "Invalid ChaosEngine.context: 'dev cluster'; must be a label value: empty or at most 63 letters, digits, '-', '_' or '.', "
      + 'starting and ending with a letter or digit.');
  });

  test('fails for two probes with one name', () => {
    const { chart, app, experiment } = setup();
    expect(() => new ChaosEngine(chart, 'Engine', {
      experiment, target: app, fault: Fault.podDelete(), probes: [Probe.frontendAccess(app), Probe.frontendAccess(app)],
    })).toThrow("Invalid ChaosEngine 'app-sample-pod-delete'.probes: 'check-frontend-access-url'; probe names must be unique within an engine.");
  });
});

describe('BlastRadius', () => {
  function engineIn(namespace: string, blastRadius: BlastRadius, fault = Fault.podDelete()) {
    const { chart, chaos } = fixture();
    const ns = namespace === 'litmus' ? chaos : new ChaosNamespace(chart, 'Other', { name: namespace });
    const target = new TargetApplication(chart, 'Target', { namespace: ns, name: 'victim' });
    const experiment = new ChaosExperiment(chart, 'Exp', { namespace: chaos, fault: fault.name });
    return () => new ChaosEngine(chart, 'Engine', { experiment, target, fault, blastRadius });
  }

  test('fails for a target in kube-system', () => {
    expect(engineIn('kube-system', BlastRadius.DEFAULT)).toThrow(
      "Invalid ChaosEngine 'victim-pod-delete'.target.namespace: 'kube-system'; chaos is never aimed at kube-system, kube-public, kube-node-lease.");
  });

  test('fails for a target in the chaos namespace', () => {
    expect(engineIn('litmus', BlastRadius.DEFAULT)).toThrow(
      "Invalid ChaosEngine 'victim-pod-delete'.target.namespace: 'litmus'; the chaos namespace runs the chaos machinery and is never a target.");
  });

  test("fails for a target outside the environment's allow-list", () => {
    expect(engineIn('payments', new BlastRadius({ allowedNamespaces: ['testing'] }))).toThrow(
      "Invalid ChaosEngine 'victim-pod-delete'.target.namespace: 'payments'; the environment allows targets only in 'testing'.");
  });

  test("fails for a share of pods above the environment's ceiling", () => {
    expect(engineIn('testing', new BlastRadius({ maxPodsAffectedPercent: 25 }), Fault.podDelete({ podsAffectedPercent: 50 }))).toThrow(
      "Invalid ChaosEngine 'victim-pod-delete'.pod-delete.podsAffectedPercent: 50; the environment's blast radius allows at most 25 %.");
  });

  test('fails for a node-level fault where the environment forbids it', () => {
    expect(engineIn('testing', BlastRadius.DEFAULT, Fault.nodeDrain({ targetNode: 'n1' }))).toThrow(
      "Invalid ChaosEngine 'victim-node-drain'.fault: 'node-drain'; node-level faults are not enabled in this environment (blastRadius.allowNodeFaults).");
  });

  test('allows a node-level fault where the environment enables it', () => {
    expect(engineIn('testing', new BlastRadius({ allowNodeFaults: true }), Fault.nodeDrain({ targetNode: 'n1' }))).not.toThrow();
  });

  test('fails for an allow-list that includes kube-system', () => {
    expect(() => new BlastRadius({ allowedNamespaces: ['kube-system'] })).toThrow(
      "Invalid blastRadius.allowedNamespaces: 'kube-system'; must not include kube-system, kube-public, kube-node-lease.");
  });

  test('fails for a ceiling above 100 %', () => {
    expect(() => new BlastRadius({ maxPodsAffectedPercent: 120 })).toThrow(
      'Invalid blastRadius.maxPodsAffectedPercent: 120; must be a whole percentage from 0 to 100.');
  });
});

describe('ChaosEngine probe wiring', () => {
  test('fails at synth when a probe addresses a Service of another stack', () => {
    // GIVEN an app in another cdk8s App
    const other = fixture();
    const { chart, app, experiment } = setup();
    // WHEN
    new ChaosEngine(chart, 'Engine', { experiment, target: app, fault: Fault.podDelete(), probes: [Probe.frontendAccess(other.app)] });
    // THEN
    expect(() => Testing.synth(chart)).toThrow(
      "[test/Engine] Invalid ChaosEngine 'app-sample-pod-delete'.probes['check-frontend-access-url']: Service 'testing/app-sample' "
      + 'is not part of this stack; probes built from a Service must address one the stack deploys.');
  });
});
