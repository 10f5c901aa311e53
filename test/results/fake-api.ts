import { type ChaosApi } from '../../lib/results/collect';

/** A ChaosApi over in-memory documents. An engine may be a list of successive states (one per read). */
export class FakeChaosApi implements ChaosApi {
  public readonly engineReads: string[] = [];
  public readonly resultReads: string[] = [];
  /** Engines the readback stopped (`spec.engineState: stop`), as `namespace/name`. */
  public readonly stops: string[] = [];
  private readonly engines = new Map<string, unknown[]>();
  private readonly results = new Map<string, unknown>();
  private readonly failures = new Map<string, Error>();
  /** When set, every read is appended to it (`read ChaosEngine ns/name`, `read ChaosResult ns/name`), e.g. beside registrations. */
  public log?: string[];

  public engine(namespace: string, name: string, ...states: unknown[]): this {
    this.engines.set(`${namespace}/${name}`, states);
    return this;
  }

  public result(namespace: string, name: string, doc: unknown): this {
    this.results.set(`${namespace}/${name}`, doc);
    return this;
  }

  /** Makes reads of `kind` `namespace/name` (or stopping that engine) fail with `err`. */
  public fail(kind: 'engine' | 'result' | 'stop', namespace: string, name: string, err: Error): this {
    this.failures.set(`${kind}:${namespace}/${name}`, err);
    return this;
  }

  public getChaosEngine(namespace: string, name: string): Promise<unknown> {
    const key = `${namespace}/${name}`;
    this.engineReads.push(key);
    this.log?.push(`read ChaosEngine ${key}`);
    const err = this.failures.get(`engine:${key}`);
    if (err) return Promise.reject(err);
    const states = this.engines.get(key);
    if (!states) return Promise.resolve(undefined);
    return Promise.resolve(states.length > 1 ? states.shift() : states[0]);
  }

  public stopChaosEngine(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const err = this.failures.get(`stop:${key}`);
    if (err) return Promise.reject(err);
    this.stops.push(key);
    return Promise.resolve();
  }

  public getChaosResult(namespace: string, name: string): Promise<unknown> {
    const key = `${namespace}/${name}`;
    this.resultReads.push(key);
    this.log?.push(`read ChaosResult ${key}`);
    const err = this.failures.get(`result:${key}`);
    if (err) return Promise.reject(err);
    return Promise.resolve(this.results.get(key));
  }
}

/**
 * The experiment Job of a run in the fakes. Litmus names it `<experiment>-<6 random>` (chaos-runner), its pod
 * `<Job>-<5 random>` (the Job controller); the ChaosResult carries the pod's `job-name` label, the engine the pod.
 */
export function jobOf(experiment: string, run = 'a1b2c3'): string {
  return `${experiment}-${run}`;
}

/** The run an engine document records in `status.experiments[]`: its experiment and the Job of its pod. */
export interface RunOf {
  readonly experiment: string;
  /** @default jobOf(experiment) */
  readonly job?: string;
}

/** A ChaosEngine document in a given state; with `run`, its `status.experiments[]` entry as the chaos-runner writes it. */
export function engineDoc(namespace: string, name: string, uid: string, engineStatus?: string, run?: RunOf): unknown {
  const experiments = run === undefined || engineStatus === undefined ? undefined : [{
    name: run.experiment, runner: `${name}-runner`, experimentPod: `${run.job ?? jobOf(run.experiment)}-x7k2p`,
    status: engineStatus === 'initialized' ? 'Running' : engineStatus === 'stopped' ? 'Forcefully Aborted' : 'Completed',
    verdict: engineStatus === 'initialized' ? 'Awaited' : engineStatus === 'stopped' ? 'Stopped' : 'Pass',
  }];
  return {
    apiVersion: 'litmuschaos.io/v1alpha1', kind: 'ChaosEngine', metadata: { name, namespace, uid },
    spec: { engineState: engineStatus === 'initialized' || engineStatus === undefined ? 'active' : 'stop' },
    ...(engineStatus === undefined ? {} : { status: { engineStatus, ...(experiments === undefined ? {} : { experiments }) } }),
  };
}

/** A fixture ChaosResult re-labelled for another engine and experiment, as written by the pod of Job `job`. */
export function resultFor(doc: any, engine: string, experiment: string, uid: string, job = jobOf(experiment)): unknown {
  const copy = structuredClone(doc);
  copy.metadata.name = `${engine}-${experiment}`;
  copy.metadata.labels.chaosUID = uid;
  copy.metadata.labels['job-name'] = job;
  copy.spec = { engine, experiment };
  return copy;
}
