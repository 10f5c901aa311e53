import { Duration } from 'cdk8s';
import {
  HttpCriteria, K8sProbeOperation, NumericCriteria, Probe, ProbeMode, StringCriteria,
} from '../../constructs/litmus/probes';
import { fixture } from '../util';

const rp = { probeTimeout: Duration.seconds(5), interval: Duration.seconds(5) };

describe('Probe', () => {
  test("builds the workshop's frontend probe from the Service", () => {
    const { app } = fixture();
    expect(Probe.frontendAccess(app).render()).toEqual({
      name: 'check-frontend-access-url',
      type: 'httpProbe',
      mode: 'Continuous',
      httpProbeInputs: { url: 'http://app-sample.testing.svc.cluster.local', insecureSkipVerify: false, method: { get: { criteria: '==', responseCode: '200' } } },
      cmdProbeInputs: undefined, k8SProbeInputs: undefined, promProbeInputs: undefined, data: undefined,
      runProperties: { probeTimeout: '5s', interval: '5s', retry: 1, probePollingInterval: '2s', initialDelay: undefined, stopOnFailure: undefined },
    });
  });

  test('renders runProperties as Go duration strings', () => {
    const p = Probe.http({
      name: 'p', url: 'https://example.test/health', mode: ProbeMode.EDGE,
      runProperties: {
        probeTimeout: Duration.millis(500), interval: Duration.minutes(1),
        initialDelay: Duration.seconds(0), probePollingInterval: Duration.seconds(90),
      },
    }).render();
    expect(p.runProperties).toMatchObject({ probeTimeout: '500ms', interval: '1m', initialDelay: '0s', probePollingInterval: '90s' });
  });

  test.each(Object.values(ProbeMode))('accepts mode %s', (mode) => {
    expect(Probe.http({ name: 'p', url: 'http://x.test', mode, runProperties: rp }).render().mode).toBe(mode);
  });

  test('renders all four probe types with their CRD input keys', () => {
    const cmd = Probe.cmd({
      name: 'c', mode: ProbeMode.SOT, runProperties: rp, command: 'echo ok',
      comparator: { type: 'string', criteria: StringCriteria.EQUAL, value: 'ok' },
    }).render();
    expect(cmd).toMatchObject({ type: 'cmdProbe', cmdProbeInputs: { command: 'echo ok', comparator: { type: 'string', criteria: 'equal', value: 'ok' } } });
    const k8s = Probe.k8s({
      name: 'k', mode: ProbeMode.EOT, runProperties: rp, group: 'apps', version: 'v1', resource: 'deployments',
      namespace: 'testing', labelSelector: 'app=app-sample', operation: K8sProbeOperation.PRESENT,
    }).render();
    expect(k8s).toMatchObject({ type: 'k8sProbe', k8SProbeInputs: { group: 'apps', version: 'v1', resource: 'deployments', operation: 'present' } });
    const prom = Probe.prom({
      name: 'q', mode: ProbeMode.ON_CHAOS, runProperties: rp, endpoint: 'http://prometheus.monitoring:9090',
      query: 'up', comparator: { criteria: NumericCriteria.GTE, value: '1' },
    }).render();
    expect(prom).toMatchObject({ type: 'promProbe', promProbeInputs: { endpoint: 'http://prometheus.monitoring:9090', query: 'up', comparator: { criteria: '>=', value: '1' } } });
  });

  test('renders several expected codes with oneOf', () => {
    const p = Probe.http({ name: 'p', url: 'http://x.test', mode: ProbeMode.SOT, runProperties: rp, responseCode: [200, 204], criteria: HttpCriteria.ONE_OF });
    expect(p.render().httpProbeInputs?.method.get).toEqual({ criteria: 'oneOf', responseCode: '[200,204]' });
  });

  test('fails for a probe with no name', () => {
    expect(() => Probe.http({ name: '', url: 'http://x.test', mode: ProbeMode.SOT, runProperties: rp })).toThrow(
      "Invalid probe.name: ''; must be 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.");
  });

  test('fails for a bad mode', () => {
    expect(() => Probe.http({ name: 'p', url: 'http://x.test', mode: 'continuous' as ProbeMode, runProperties: rp })).toThrow(
      "Invalid probe 'p'.mode: 'continuous'; must be one of 'SOT', 'EOT', 'Edge', 'Continuous', 'OnChaos'.");
  });

  test('fails for a URL that is not http(s)', () => {
    expect(() => Probe.http({ name: 'p', url: 'ftp://x.test/file', mode: ProbeMode.SOT, runProperties: rp })).toThrow(
      "Invalid probe 'p'.url: 'ftp://x.test/file'; must use http:// or https://.");
    expect(() => Probe.http({ name: 'p', url: 'app-sample', mode: ProbeMode.SOT, runProperties: rp })).toThrow(
      "Invalid probe 'p'.url: 'app-sample'; must be an absolute http:// or https:// URL.");
  });

  test('fails for a port the Service does not expose', () => {
    const { app } = fixture();
    expect(() => Probe.httpService(app, { name: 'p', port: 8080, mode: ProbeMode.SOT, runProperties: rp })).toThrow(
      "Invalid probe 'p'.port: 8080; Service 'testing/app-sample' exposes 80.");
  });

  test('fails for a zero timeout', () => {
    expect(() => Probe.http({ name: 'p', url: 'http://x.test', mode: ProbeMode.SOT, runProperties: { ...rp, probeTimeout: Duration.seconds(0) } }))
      .toThrow("Invalid probe 'p'.runProperties.probeTimeout: '0s'; must be a whole number of milliseconds greater than zero.");
  });

  test('fails for a numeric criterion on a string comparator', () => {
    expect(() => Probe.cmd({
      name: 'c', mode: ProbeMode.SOT, runProperties: rp, command: 'x',
      comparator: { type: 'string', criteria: '>=' as StringCriteria, value: '1' },
    })).toThrow("Invalid probe 'c'.comparator.criteria: '>='; must be one of 'equal', 'notEqual', 'contains', 'matches', 'notMatches', 'oneOf'.");
  });

  test('fails for an unpinned cmdProbe source image', () => {
    expect(() => Probe.cmd({
      name: 'c', mode: ProbeMode.SOT, runProperties: rp, command: 'x', sourceImage: 'busybox:latest',
      comparator: { type: 'int', criteria: NumericCriteria.EQ, value: '1' },
    })).toThrow("Invalid probe 'c'.sourceImage: 'busybox:latest'; must be pinned to a tag or digest (never ':latest').");
  });
});
