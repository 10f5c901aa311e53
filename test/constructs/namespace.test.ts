import { Testing } from 'cdk8s';
import { ChaosNamespace, PodSecurityLevel } from '../../constructs/namespace';
import { find, makeChart } from '../util';

describe('ChaosNamespace', () => {
  test('enforces, audits and warns at the restricted level by default', () => {
    // GIVEN
    const chart = makeChart();
    // WHEN
    new ChaosNamespace(chart, 'Ns', { name: 'testing' });
    // THEN
    const ns = find(Testing.synth(chart), 'Namespace', 'testing');
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.33',
    });
  });

  test('labels the chaos namespace privileged when asked', () => {
    const chart = makeChart();
    const ns = new ChaosNamespace(chart, 'Ns', { name: 'litmus', podSecurity: PodSecurityLevel.PRIVILEGED });
    expect(ns.podSecurity).toBe(PodSecurityLevel.PRIVILEGED);
    expect(find(Testing.synth(chart), 'Namespace', 'litmus').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  test('fails for a name that is not a DNS-1123 label', () => {
    expect(() => new ChaosNamespace(makeChart(), 'Ns', { name: 'Testing_NS' })).toThrow(
      "Invalid ChaosNamespace.name: 'Testing_NS'; must be a DNS-1123 label: 1 to 63 lower-case letters, digits or '-', "
      + 'starting and ending with a letter or digit.');
  });
});
