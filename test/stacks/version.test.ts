import { contentDigest } from '../../lib/synth';
import { Environment, ENVIRONMENTS, environmentConfig, type EnvironmentConfig } from '../../stacks/environments';
import { programVersion } from '../../stacks/version';

describe('programVersion', () => {
  const table = (): EnvironmentConfig[] => ENVIRONMENTS.map((e) => environmentConfig(e));
  const version = programVersion(table());

  test('is the same for every run id: a run id names a run, not a version', () => {
    expect(programVersion(table().map((c) => ({ ...c, runId: 'r42' })))).toBe(version);
  });

  test('changes with any change of any environment\'s manifests, a weight included', () => {
    const changed = table().map((c) => (c.environment === Environment.PROD
      ? { ...c, plan: { ...c.plan, steps: c.plan.steps.map((s, i) => (i === 1 ? { ...s, weight: 2 } : s)) } } : c));
    // A weight is in no manifest, but it decides the score: it is part of the version, as every manifest is.
    expect(programVersion(changed)).not.toBe(version);
    const tuned = table().map((c) => (c.environment === Environment.PROD ? { ...c, appLivenessPeriod: undefined } : c));
    expect(programVersion(tuned)).not.toBe(version);
  });
});

describe('contentDigest', () => {
  test('depends on paths and contents, not on their order', () => {
    const a = { path: 'dev/0000-namespaces.k8s.yaml', content: 'x' };
    const b = { path: 'dev/0001-operators.k8s.yaml', content: 'y' };
    expect(contentDigest([a, b])).toBe(contentDigest([b, a]));
    expect(contentDigest([a, b])).not.toBe(contentDigest([a, { ...b, content: 'y ' }]));
    expect(contentDigest([a, b])).not.toBe(contentDigest([a, { ...b, path: 'dev/0002-operators.k8s.yaml' }]));
    expect(contentDigest([a])).not.toBe(contentDigest([a, b]));
  });
});
