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

  test('adds extra labels, but never over its Pod Security labels or its name label', () => {
    const chart = makeChart();
    new ChaosNamespace(chart, 'Ns', { name: 'bookinfo', labels: { 'istio-injection': 'enabled' } });
    expect(find(Testing.synth(chart), 'Namespace', 'bookinfo').metadata.labels['istio-injection']).toBe('enabled');
    expect(() => new ChaosNamespace(makeChart(), 'Ns', { name: 'testing', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } })).toThrow(
      "Invalid ChaosNamespace.labels['pod-security.kubernetes.io/enforce']: 'privileged'; would override the namespace's Pod Security "
      + '(restricted, v1.33); set podSecurity and podSecurityVersion instead.');
    expect(() => new ChaosNamespace(makeChart(), 'Ns', { name: 'testing', labels: { 'pod-security.kubernetes.io/warn-version': 'latest' } })).toThrow(
      /^Invalid ChaosNamespace.labels\['pod-security.kubernetes.io\/warn-version'\]: 'latest'; would override/);
    expect(() => new ChaosNamespace(makeChart(), 'Ns', { name: 'testing', labels: { 'kubernetes.io/metadata.name': 'other' } })).toThrow(
      "Invalid ChaosNamespace.labels['kubernetes.io/metadata.name']: 'other'; is set by Kubernetes to the namespace name; leave it out.");
  });

  test('fails for label keys and values Kubernetes would refuse', () => {
    expect(() => new ChaosNamespace(makeChart(), 'Ns', { name: 'testing', labels: { 'team name': 'chaos' } })).toThrow(
      "Invalid ChaosNamespace.labels key: 'team name'; must be a label key: an optional DNS-1123 subdomain prefix and '/', then 1 to 63 letters, "
      + "digits, '-', '_' or '.', starting and ending with a letter or digit.");
    expect(() => new ChaosNamespace(makeChart(), 'Ns', { name: 'testing', labels: { 'Example.com/team': 'chaos' } })).toThrow(
      /^Invalid ChaosNamespace.labels key: 'Example.com\/team'; must be a label key/);
    expect(() => new ChaosNamespace(makeChart(), 'Ns', { name: 'testing', labels: { team: 'x'.repeat(64) } })).toThrow(
      `Invalid ChaosNamespace.labels['team']: '${'x'.repeat(64)}'; must be a label value: empty or at most 63 letters, digits, '-', '_' or '.', `
      + 'starting and ending with a letter or digit.');
    expect(() => new ChaosNamespace(makeChart(), 'Ns', { name: 'testing', podSecurityVersion: '1.33' })).toThrow(
      "Invalid ChaosNamespace.podSecurityVersion: '1.33'; must be a Kubernetes minor version ('v1.33') or 'latest'.");
  });

  test('fails for a name that is not a DNS-1123 label', () => {
    expect(() => new ChaosNamespace(makeChart(), 'Ns', { name: 'Testing_NS' })).toThrow(
      "Invalid ChaosNamespace.name: 'Testing_NS'; must be a DNS-1123 label: 1 to 63 lower-case letters, digits or '-', "
      + 'starting and ending with a letter or digit.');
  });
});
