/**
 * A small Pulumi mock kit: strict mocks that record every registration (type, name, inputs, parent, provider,
 * dependencies, ignoreChanges), and stack config, per program run.
 *
 * Runs share one module registry: the SDK keeps its state (monitor, settings, config) in a global store whatever the
 * registry, and each run replaces all of it (`setMocks`, `setAllConfig`) before calling the program, which keeps no
 * state of its own between calls. Loading `@pulumi/pulumi` and `@pulumi/kubernetes` afresh for every run cost about
 * half of each run. The CRD sources are pinned to the fixture CRDs by the test file's
 * `jest.mock('../../lib/versions', ...)` (see fixture-crds.ts), for every module of that file alike.
 */
import * as pulumi from '@pulumi/pulumi';
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks';
import { App } from 'cdk8s';
import { environmentConfig, type EnvironmentConfig } from '../../stacks/environments';
import { type ChaosApi } from '../../lib/results/collect';
import { type KubeTarget } from '../../lib/results/kube-api';
import { ChaosStack } from '../../stacks/chaos-stack';
import * as programModule from '../../stacks/pulumi/program';
import type * as programType from '../../stacks/pulumi/program';
import { engineDoc, FakeChaosApi, resultFor } from '../results/fake-api';
import { fixture } from '../results/fixtures';
import { CRD_FOLDER } from './fixture-crds';

export { CRD_FOLDER };

/** One resource the program registered. */
export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly inputs: any;
  readonly parent: string;
  readonly provider: string;
  readonly dependencies: readonly string[];
  readonly ignoreChanges: readonly string[];
  readonly custom: boolean;
}

export interface RunOptions {
  /** Stack config without the `chaos-stack:` prefix. */
  readonly config: Record<string, string>;
  /** Stack config of other namespaces, with their full `namespace:key` names. */
  readonly extraConfig?: Record<string, string>;
  readonly preview?: boolean;
  readonly stack?: string;
  readonly chaosApi?: ChaosApi;
  /** Called when the program builds its ChaosApi (to prove that a preview does not), with what it builds it from. */
  readonly onChaosApi?: (target: KubeTarget) => void;
  /** Config keys (without the `chaos-stack:` prefix) stored as secrets, besides grafanaAdminPassword. */
  readonly secrets?: readonly string[];
  /** When set, every registration is appended to it as `register <type> <name>`, in the order the program makes them. */
  readonly log?: string[];
  /** Outputs of other stacks, by full name, for StackReferences; a name not listed does not exist. */
  readonly stackOutputs?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The program's environment table (ProgramDeps.environments). */
  readonly environments?: programType.ProgramDeps['environments'];
}

export interface ProgramRun {
  readonly pulumi: typeof pulumi;
  readonly resources: Registered[];
  readonly outputs?: programType.ProgramOutputs;
  readonly error?: unknown;
  /** The error diagnostics the program logged (each fails the update, as the gate does). */
  readonly errors: readonly string[];
  /** The resource of a type and name; throws listing what was registered when there is none. */
  find(type: string, name: string): Registered;
  ofType(type: string): Registered[];
  /** The value of an output, or the error it failed with. */
  settle<T>(o: pulumi.Output<T>): Promise<{ known: boolean; value?: T; error?: unknown }>;
}

/** A config that needs no network (CRDs from the fixture folder). */
export function baseConfig(env: string, extra: Record<string, string> = {}): Record<string, string> {
  return { environment: env, crdSource: CRD_FOLDER, grafanaAdminPassword: 'not-a-real-password', ...extra };
}

/** Attaches a no-op handler to each promise of an Output, so that a rejection is not reported as unhandled. */
function markHandled(o: unknown): void {
  const out = o as { isKnown: Promise<unknown>; isSecret: Promise<unknown>; promise(): Promise<unknown>; allResources?: () => Promise<unknown> };
  for (const p of [out.isKnown, out.isSecret, out.promise(), out.allResources?.()]) p?.catch(() => undefined);
}

/** What the mock engine returns for a resource: its inputs, plus what the real provider would add. */
function mockState(type: string, name: string, inputs: any): any {
  if (type === 'kubernetes:yaml/v2:ConfigGroup') return { ...inputs, resources: [] };
  if (type.endsWith(':ChaosEngine')) return { ...inputs, metadata: { ...inputs.metadata, uid: `uid-${name}` } };
  return inputs;
}

/** What the patched mock monitor and the log.error spy record into: the run under way. */
let recorder: { resources: Registered[]; pending: Promise<unknown>[]; log?: string[]; errors: string[] } | undefined;

// Every registration reaches the mock monitor: record it (and its outcome) for the run under way.
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with the monitor as `this` below
const originalRegister = MockMonitor.prototype.registerResource as (this: unknown, req: any, cb: any) => Promise<void>;
MockMonitor.prototype.registerResource = function (this: any, req: any, callback: any): Promise<void> {
  const into = recorder;
  if (into === undefined) throw new Error(`a resource was registered outside a program run: ${req.getType()} ${req.getName()}`);
  into.log?.push(`register ${req.getType()} ${req.getName()}`);
  const p = originalRegister.call(this, req, (err: unknown, res: any) => {
    if (!err) {
      into.resources.push({
        type: req.getType(), name: req.getName(), urn: res.getUrn(), inputs: pulumi.runtime.deserializeProperties(req.getObject()),
        parent: req.getParent(), provider: req.getProvider(), dependencies: req.getDependenciesList(),
        ignoreChanges: req.getIgnorechangesList(), custom: req.getCustom(),
      });
    }
    callback(err, res);
  });
  into.pending.push(p);
  return p;
};
jest.spyOn(pulumi.log, 'error').mockImplementation((msg: string) => { recorder?.errors.push(msg); return Promise.resolve(); });

/** Runs the program under fresh mocks and config. */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
  const resources: Registered[] = [];
  const pending: Promise<unknown>[] = [];
  const errors: string[] = [];
  recorder = { resources, pending, errors, ...(opts.log === undefined ? {} : { log: opts.log }) };
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      if (args.type === 'pulumi:pulumi:StackReference') {
        const name = String(args.inputs.name);
        const outputs = opts.stackOutputs?.[name];
        if (outputs === undefined) throw new Error(`unknown stack ${name}`);
        return { id: name, state: { name, outputs, secretOutputNames: [] } };
      }
      return { id: args.custom ? `${args.name}-id` : undefined, state: mockState(args.type, args.name, args.inputs) };
    },
    call: (args) => { throw new Error(`unexpected call to ${args.token}`); },
  }, 'chaos-stack', opts.stack ?? 'test', opts.preview ?? false, 'organization');
  pulumi.runtime.setAllConfig({
    ...Object.fromEntries(Object.entries(opts.config).map(([k, v]) => [`chaos-stack:${k}`, v])),
    ...opts.extraConfig,
  }, ['chaos-stack:grafanaAdminPassword', ...(opts.secrets ?? []).map((k) => `chaos-stack:${k}`)]);
  let outputs: programType.ProgramOutputs | undefined;
  let error: unknown;
  // A fake clock: each sleep advances it, so waits time out at once instead of in minutes.
  let clock = 0;
  // The SDK records a stack trace with every promise it makes and every resource it registers (for its leak report
  // and the resources' source positions), and under jest each trace goes through source maps: about a tenth of a
  // run. Neither reaches a test, which reads error messages, not stacks.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    outputs = await programModule.chaosStackProgram({
      chaosApi: (target) => {
        opts.onChaosApi?.(target);
        if (!opts.chaosApi) return Promise.reject(new Error('the test gave no ChaosApi'));
        return Promise.resolve(opts.chaosApi);
      },
      now: () => clock,
      sleep: (ms) => { clock += ms; return Promise.resolve(); },
      ...(opts.environments === undefined ? {} : { environments: opts.environments }),
    });
  } catch (err) {
    error = err;
  }
  // Mark every promise of the outputs as handled straight away: a test reads a failure through settle().
  if (outputs) for (const o of [outputs.results, outputs.summary, outputs.plan, outputs.resilienceScore]) markHandled(o);
  // Let every registration reach the mock monitor.
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  await Promise.all(pending).finally(() => { Error.stackTraceLimit = stackTraceLimit; });
  const settle = async <T>(o: pulumi.Output<T>) => {
    try {
      const known = await (o as any).isKnown as boolean;
      const value = await (o as any).promise() as T;
      return { known, value };
    } catch (e) {
      return { known: true, error: e };
    }
  };
  return {
    pulumi, resources, outputs, error, errors, settle,
    ofType: (type) => resources.filter((r) => r.type === type),
    find: (type, name) => {
      const r = resources.find((x) => x.type === type && x.name === name);
      if (!r) throw new Error(`no ${type} '${name}'; registered: ${resources.map((x) => `${x.type} ${x.name}`).join(', ')}`);
      return r;
    },
  };
}

/** The engines of an environment's ChaosStack, built once per config (clusterFor is called for most runs). */
const engines = new Map<string, ChaosStack['engines']>();
function enginesOf(env: string, config: EnvironmentConfig): ChaosStack['engines'] {
  const key = `${env} ${JSON.stringify(config)}`;
  if (!engines.has(key)) engines.set(key, new ChaosStack(new App(), env, { config }).engines);
  return engines.get(key)!;
}

/** The outcome a fake cluster gives one experiment. */
export type Shape = 'pass' | 'fail-probe' | 'error' | 'stopped' | 'awaited' | 'no-status' | 'missing' | 'stale' | 'timeout'
  | 'pass-failed-probe';

/**
 * A fake cluster where every engine of `env` (with `runId`) completed and passed, except the experiments given in
 * `shapes`, which end as named (ChaosResult fixtures of test/results/fixtures, re-labelled for the engine).
 */
export function clusterFor(
  env: string, runId: string | undefined, shapes: Record<string, Shape> = {}, config: EnvironmentConfig = environmentConfig(env),
): FakeChaosApi {
  const api = new FakeChaosApi();
  for (const e of enginesOf(env, { ...config, ...(runId === undefined ? {} : { runId }) })) {
    // Shapes are keyed by fault (the sample app's) or by `<target>/<fault>`.
    const shape = shapes[`${e.target.name}/${e.fault.name}`] ?? (e.target.name === 'app-sample' ? shapes[e.fault.name] : undefined) ?? 'pass';
    const uid = `uid-${e.name}`;
    api.engine(e.namespace, e.name, engineDoc(e.namespace, e.name, uid, shape === 'timeout' ? 'initialized' : shape === 'stopped' ? 'stopped' : 'completed',
      { experiment: e.fault.name }));
    if (shape === 'missing' || shape === 'timeout') continue;
    const doc = fixture(shape === 'stale' || shape === 'pass-failed-probe' ? 'pass' : shape);
    // A Pass verdict that one of its own probes contradicts.
    if (shape === 'pass-failed-probe') doc.status.probeStatuses[0].status = { verdict: 'Failed', description: 'returned 503, expected 200' };
    api.result(e.namespace, e.resultName, resultFor(doc, e.name, e.fault.name, shape === 'stale' ? 'uid-of-an-earlier-engine' : uid));
  }
  return api;
}
