import { Testing } from 'cdk8s';
import { ChaosExperiment } from '../../constructs/litmus/experiment';
import { FAULT_DEFINITIONS, FaultName } from '../../constructs/litmus/faults';
import { LitmusOperator } from '../../constructs/litmus/operator';
import { LITMUS_VERSION } from '../../lib/versions';
import { find, fixture } from '../util';

describe('LitmusOperator', () => {
  test('installs chaos-operator 3.31.0 with the runner image pinned', () => {
    const { chart, chaos } = fixture();
    new LitmusOperator(chart, 'Operator', { namespace: chaos });
    const manifest = Testing.synth(chart);
    const deploy = find(manifest, 'Deployment', 'chaos-operator-ce', 'litmus');
    const c = deploy.spec.template.spec.containers[0];
    expect(c.image).toBe(`docker.io/litmuschaos/chaos-operator:${LITMUS_VERSION}`);
    expect(c.env).toEqual(expect.arrayContaining([
      { name: 'CHAOS_RUNNER_IMAGE', value: `docker.io/litmuschaos/chaos-runner:${LITMUS_VERSION}` },
      { name: 'WATCH_NAMESPACE', value: '' },
    ]));
    expect(deploy.spec.template.spec.serviceAccountName).toBe('litmus');
    const role = find(manifest, 'ClusterRole', 'litmus-operator-litmus');
    expect(role.rules).toEqual(expect.arrayContaining([
      { apiGroups: ['litmuschaos.io'], resources: ['chaosengines/finalizers'], verbs: ['update'] },
    ]));
    expect(JSON.stringify(role.rules)).not.toContain('"*"');
  });

  test('turns the usage analytics off, so neither the operator nor its runners phone home', () => {
    const { chart, chaos } = fixture();
    new LitmusOperator(chart, 'Operator', { namespace: chaos });
    const env = find(Testing.synth(chart), 'Deployment', 'chaos-operator-ce', 'litmus').spec.template.spec.containers[0].env;
    // chaos-operator main.go sends unless ANALYTICS is FALSE (any case); with it off, runners get an empty CLIENT_UUID and send nothing.
    expect(env).toContainEqual({ name: 'ANALYTICS', value: 'FALSE' });

    const opted = fixture();
    new LitmusOperator(opted.chart, 'Operator', { namespace: opted.chaos, usageAnalytics: true });
    expect(find(Testing.synth(opted.chart), 'Deployment', 'chaos-operator-ce', 'litmus').spec.template.spec.containers[0].env)
      .toContainEqual({ name: 'ANALYTICS', value: 'TRUE' });
  });

  test('exposes the pinned release its CRDs come from', () => {
    expect(LitmusOperator.crdSource.url).toBe('https://litmuschaos.github.io/litmus/litmus-operator-v3.31.0.yaml');
    expect(LitmusOperator.crdSource.crds).toEqual(['chaosengines.litmuschaos.io', 'chaosexperiments.litmuschaos.io', 'chaosresults.litmuschaos.io']);
  });
});

describe('ChaosExperiment', () => {
  test('defines the fault with go-runner 3.31.0, its scope and its declared permissions', () => {
    const { chart, chaos } = fixture();
    new ChaosExperiment(chart, 'Exp', { namespace: chaos, fault: FaultName.CONTAINER_KILL });
    const exp = find(Testing.synth(chart), 'ChaosExperiment', 'container-kill', 'litmus');
    const def = exp.spec.definition;
    expect(def.image).toBe(`docker.io/litmuschaos/go-runner:${LITMUS_VERSION}`);
    expect(def.args).toEqual(['-c', './experiments -name container-kill']);
    expect(def.scope).toBe('Namespaced');
    expect(def.permissions).toHaveLength(FAULT_DEFINITIONS[FaultName.CONTAINER_KILL].permissions.length);
    const envs = Object.fromEntries(def.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(envs.LIB_IMAGE).toBe(def.image);
    expect(Object.keys(envs)).not.toContain('STRESS_IMAGE');
    expect(JSON.stringify(exp)).not.toMatch(/:latest/);
  });
});
