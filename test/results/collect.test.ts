import { apiErrorText, collectOne, collectRun, type EngineTarget } from '../../lib/results/collect';
import { ReadbackProblem, Verdict } from '../../lib/results/reader';
import { engineDoc, FakeChaosApi } from './fake-api';
import { fixture } from './fixtures';

const target: EngineTarget = {
  target: 'app-sample', namespace: 'litmus', engine: 'app-sample-pod-delete-r1', experiment: 'pod-delete',
  resultName: 'app-sample-pod-delete-r1-pod-delete', timeoutSeconds: 60,
};
const UID = '0d6c1f3e-7a52-4b1e-a0c4-2f6b9e8d7a11';

/** A fake clock that each sleep advances. */
function clock() {
  let t = 0;
  return { now: () => t, sleep: (ms: number) => { t += ms; return Promise.resolve(); }, elapsed: () => t };
}

describe('collectOne', () => {
  test('waits while the engine is initialized, then reads the result of this engine', async () => {
    const api = new FakeChaosApi()
      .engine('litmus', target.engine, engineDoc('litmus', target.engine, UID, 'initialized'), engineDoc('litmus', target.engine, UID, 'initialized'),
        fixture('engine-completed'))
      .result('litmus', target.resultName, fixture('pass'));
    const c = clock();
    const r = await collectOne(api, target, { pollIntervalSeconds: 5, ...c });
    expect(r.outcome).toBe(Verdict.PASS);
    expect(api.engineReads).toHaveLength(3);
    expect(c.elapsed()).toBe(10_000);
  });

  test('a stopped engine ends the wait too', async () => {
    const api = new FakeChaosApi()
      .engine('litmus', target.engine, engineDoc('litmus', target.engine, UID, 'stopped'))
      .result('litmus', target.resultName, { ...fixture('stopped'), metadata: { ...fixture('stopped').metadata, labels: { chaosUID: UID } } });
    expect((await collectOne(api, target, clock())).outcome).toBe(Verdict.STOPPED);
  });

  test('an engine that never finishes is a timeout naming the engine, the wait and its last status', async () => {
    const api = new FakeChaosApi().engine('litmus', target.engine, engineDoc('litmus', target.engine, UID, 'initialized'));
    const c = clock();
    const r = await collectOne(api, target, { pollIntervalSeconds: 7, ...c });
    expect(r.outcome).toBe(ReadbackProblem.TIMEOUT);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe("ChaosEngine litmus/app-sample-pod-delete-r1 did not reach status.engineStatus 'completed' or 'stopped' "
      + "within 60s (last engineStatus: 'initialized'); it was stopped (spec.engineState: stop) so that its chaos does not outlive the wait");
    expect(c.elapsed()).toBe(60_000);
    expect(api.resultReads).toEqual([]);
    expect(api.stops).toEqual(['litmus/app-sample-pod-delete-r1']);
  });

  test('an engine that times out and cannot be stopped says so: its chaos may still run', async () => {
    const api = new FakeChaosApi().engine('litmus', target.engine, engineDoc('litmus', target.engine, UID, 'initialized'))
      .fail('stop', 'litmus', target.engine, Object.assign(new Error('Forbidden'), { code: 403 }));
    const r = await collectOne(api, target, clock());
    expect(r.outcome).toBe(ReadbackProblem.TIMEOUT);
    expect(r.reason).toBe("ChaosEngine litmus/app-sample-pod-delete-r1 did not reach status.engineStatus 'completed' or 'stopped' "
      + "within 60s (last engineStatus: 'initialized'); stopping it (spec.engineState: stop) failed (3 attempts): HTTP 403: Forbidden, "
      + 'so its chaos may still be running');
  });

  test('without waiting nothing is stopped', async () => {
    const api = new FakeChaosApi().engine('litmus', target.engine, engineDoc('litmus', target.engine, UID, 'initialized'));
    await collectOne(api, target, { wait: false, ...clock() });
    expect(api.stops).toEqual([]);
  });

  test('without waiting, the current state is read once', async () => {
    const api = new FakeChaosApi()
      .engine('litmus', target.engine, fixture('engine-initialized'), fixture('engine-completed'))
      .result('litmus', target.resultName, { ...fixture('awaited'), metadata: { labels: { chaosUID: UID } } });
    const r = await collectOne(api, target, { wait: false, ...clock() });
    expect(r.outcome).toBe(ReadbackProblem.RUNNING);
    expect(api.engineReads).toHaveLength(1);
    // The engine decides: its ChaosResult is not read while the run goes on.
    expect(api.resultReads).toEqual([]);
  });

  test('without waiting, an engine that has not completed is Running, even when its ChaosResult holds a Pass', async () => {
    // The previous run's Pass is still in the reused ChaosResult (same engine UID) while the new run goes on.
    const api = new FakeChaosApi()
      .engine('litmus', target.engine, fixture('engine-initialized'))
      .result('litmus', target.resultName, fixture('pass'));
    const r = await collectOne(api, target, { wait: false, ...clock() });
    expect(r.outcome).toBe(ReadbackProblem.RUNNING);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe("ChaosEngine litmus/app-sample-pod-delete-r1 has not finished its run (status.engineStatus 'initialized'), "
      + 'so it has no verdict yet');
    const fresh = await collectOne(new FakeChaosApi().engine('litmus', target.engine, engineDoc('litmus', target.engine, UID))
      .result('litmus', target.resultName, fixture('pass')), target, { wait: false, ...clock() });
    expect(fresh.outcome).toBe(ReadbackProblem.RUNNING);
    expect(fresh.reason).toBe('ChaosEngine litmus/app-sample-pod-delete-r1 has not finished its run (no status.engineStatus yet), '
      + 'so it has no verdict yet');
  });

  test('a stopped engine is Stopped, whatever its ChaosResult holds: an aborted run is not a pass', async () => {
    const api = new FakeChaosApi()
      .engine('litmus', target.engine, engineDoc('litmus', target.engine, UID, 'stopped'))
      .result('litmus', target.resultName, fixture('pass'));
    for (const wait of [false, true]) {
      const r = await collectOne(api, target, { wait, ...clock() });
      expect(r.outcome).toBe(Verdict.STOPPED);
      expect(r.passed).toBe(false);
      expect(r.reason).toBe("ChaosEngine litmus/app-sample-pod-delete-r1 was stopped before its run completed (status.engineStatus 'stopped'): "
        + 'an aborted run has no verdict to pass');
    }
  });

  test('a re-armed engine (same UID): the old verdict is not a pass, the new run\'s verdict is', async () => {
    // Read just after the re-arm (before the operator restarts the run), then through the whole new run.
    const states = [fixture('engine-rearmed'), fixture('engine-initialized'), fixture('engine-rerun-completed')];
    const old = fixture('pass');
    const before = await collectOne(new FakeChaosApi().engine('litmus', target.engine, states[0]).result('litmus', target.resultName, old),
      target, { wait: false, ...clock() });
    expect(before.outcome).toBe(ReadbackProblem.RUNNING);
    const stale = await collectOne(new FakeChaosApi().engine('litmus', target.engine, ...states).result('litmus', target.resultName, old),
      target, clock());
    expect(stale.outcome).toBe(ReadbackProblem.STALE);
    expect(stale.passed).toBe(false);
    const fresh = fixture('pass');
    fresh.metadata.labels['job-name'] = 'pod-delete-m2p7tk';
    const passed = await collectOne(new FakeChaosApi().engine('litmus', target.engine, ...states).result('litmus', target.resultName, fresh),
      target, clock());
    expect(passed.outcome).toBe(Verdict.PASS);
  });

  test('a result left by an earlier engine of the same name is stale', async () => {
    const api = new FakeChaosApi()
      .engine('litmus', target.engine, engineDoc('litmus', target.engine, 'uid-of-the-new-engine', 'completed'))
      .result('litmus', target.resultName, fixture('pass'));
    const r = await collectOne(api, target, clock());
    expect(r.outcome).toBe(ReadbackProblem.STALE);
  });

  test('a missing engine and a missing result each have their own message', async () => {
    const none = await collectOne(new FakeChaosApi(), target, clock());
    expect(none.outcome).toBe(ReadbackProblem.ENGINE_MISSING);
    expect(none.reason).toBe('ChaosEngine litmus/app-sample-pod-delete-r1 does not exist');
    const noResult = await collectOne(new FakeChaosApi().engine('litmus', target.engine, fixture('engine-completed')), target, clock());
    expect(noResult.outcome).toBe(ReadbackProblem.MISSING);
  });

  test('an API error is reported as ApiError with the status code and the server message', async () => {
    const forbidden = Object.assign(new Error('HTTP-Code: 403\nMessage: Unknown API Status Code!'), {
      code: 403, body: JSON.stringify({ kind: 'Status', message: 'chaosengines.litmuschaos.io "x" is forbidden: User "ci" cannot get resource' }),
    });
    const api = new FakeChaosApi().fail('engine', 'litmus', target.engine, forbidden);
    const r = await collectOne(api, target, clock());
    expect(r.outcome).toBe(ReadbackProblem.API_ERROR);
    expect(r.reason).toBe('reading ChaosEngine litmus/app-sample-pod-delete-r1 failed (3 attempts): HTTP 403: '
      + 'chaosengines.litmuschaos.io "x" is forbidden: User "ci" cannot get resource');
    const resultApi = new FakeChaosApi().engine('litmus', target.engine, fixture('engine-completed'))
      .fail('result', 'litmus', target.resultName, new Error('connect ECONNREFUSED 127.0.0.1:6443'));
    expect((await collectOne(resultApi, target, clock())).reason)
      .toBe('reading ChaosResult litmus/app-sample-pod-delete-r1-pod-delete failed (3 attempts): connect ECONNREFUSED 127.0.0.1:6443');
  });

  test('a passing blip of the API server is retried, not reported', async () => {
    const api = new FakeChaosApi().engine('litmus', target.engine, fixture('engine-completed')).result('litmus', target.resultName, fixture('pass'));
    let failures = 2;
    const flaky = {
      getChaosEngine: (ns: string, name: string) => (failures-- > 0 ? Promise.reject(new Error('connect ECONNRESET')) : api.getChaosEngine(ns, name)),
      getChaosResult: (ns: string, name: string) => api.getChaosResult(ns, name),
      stopChaosEngine: (ns: string, name: string) => api.stopChaosEngine(ns, name),
    };
    expect((await collectOne(flaky, target, clock())).outcome).toBe(Verdict.PASS);
  });
});

describe('collectRun', () => {
  test('reads every engine and keeps the targets order', async () => {
    const other = { ...target, engine: 'app-sample-container-kill-r1', experiment: 'container-kill', resultName: 'app-sample-container-kill-r1-container-kill' };
    const api = new FakeChaosApi()
      .engine('litmus', target.engine, fixture('engine-completed'))
      .result('litmus', target.resultName, fixture('pass'));
    const rs = await collectRun(api, [other, target], clock());
    expect(rs.map((r) => [r.experiment, r.outcome])).toEqual([['container-kill', 'EngineMissing'], ['pod-delete', 'Pass']]);
  });

  test('apiErrorText keeps only the first line of a plain error', () => {
    expect(apiErrorText(new Error('boom\nstack-ish detail'))).toBe('boom');
    expect(apiErrorText('text')).toBe('text');
  });
});
