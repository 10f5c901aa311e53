/**
 * Bookinfo and the Chaos Toolkit runners through the strict schema validator of ../shared (Kubernetes 1.27 and 1.33,
 * Istio's CRDs); each check starts it twice, so these are in the integration project (`npm run test:integration`).
 * Skipped, with a message, without the validator or its dependencies.
 */
import { App, Testing } from 'cdk8s';
import { Bookinfo } from '../../constructs/bookinfo';
import { ChaosToolkitStack } from '../../stacks/chaostoolkit/stack';
import { makeChart } from '../util';
import { validateObjects, validatorAvailable } from './helpers';

function build() {
  const chart = makeChart();
  new Bookinfo(chart, 'Bookinfo', {});
  return { manifest: Testing.synth(chart) };
}

function stack() {
  const s = new ChaosToolkitStack(new App(), 'dev', { environment: 'dev' });
  return { bookinfo: Testing.synth(s.bookinfoChart), runners: Testing.synth(s.runnersChart) };
}

describe('Bookinfo', () => {
  test('passes the strict schema check (Kubernetes 1.27 and 1.33, Istio CRDs)', () => {
    if (!validatorAvailable()) {
      console.warn('skipped: ../shared/tools/validate-manifests.mjs or its node_modules is missing');
      return;
    }
    for (const r of validateObjects(build().manifest)) {
      expect(r.output).toMatch(/: 25 ok, 0 invalid, 0 unknown kinds$/);
      expect(r.code).toBe(0);
    }
  });
});

describe('ChaosToolkitRunner', () => {
  test('passes the strict schema check (Kubernetes 1.27 and 1.33, Istio CRDs)', () => {
    if (!validatorAvailable()) {
      console.warn('skipped: ../shared/tools/validate-manifests.mjs or its node_modules is missing');
      return;
    }
    const { bookinfo, runners } = stack();
    for (const r of validateObjects([...bookinfo, ...runners])) {
      expect(r.output).toMatch(/: 43 ok, 0 invalid, 0 unknown kinds$/);
      expect(r.code).toBe(0);
    }
  });
});
