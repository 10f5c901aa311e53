import { parseEngineLine } from './deployers';
import { driftOf } from './standin-engine';

describe('stand-in engine drift (refresh of custom resources)', () => {
  const inputs = { engineState: 'active', appinfo: { appns: 'testing' }, experiments: [{ name: 'pod-delete' }] };

  test('the operator rewriting engineState is drift unless spec.engineState is ignored', () => {
    const live = { ...inputs, engineState: 'stop', extra: 'defaulted by the server' };
    expect(driftOf(inputs, live, 'spec', [])).toEqual(['spec.engineState']);
    expect(driftOf(inputs, live, 'spec', ['spec.engineState'])).toEqual([]);
  });

  test('fields the server adds are not drift; changed list items are', () => {
    expect(driftOf(inputs, { ...inputs, status: {} }, 'spec', [])).toEqual([]);
    expect(driftOf(inputs, { ...inputs, experiments: [{ name: 'pod-cpu-hog' }] }, 'spec', [])).toEqual(['spec.experiments[0].name']);
    expect(driftOf(inputs, { ...inputs, experiments: [] }, 'spec', [])).toEqual(['spec.experiments']);
  });
});

describe('stand-in summary line', () => {
  test('parses the engines line', () => {
    expect(parseEngineLine('Resources: ...\nengines: 0 to create, 1 to update, 2 to delete, 6 unchanged\n'))
      .toEqual({ create: 0, update: 1, delete: 2, same: 6 });
    expect(parseEngineLine('nothing')).toBeUndefined();
  });
});
