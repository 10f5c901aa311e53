/**
 * A small Pulumi mock kit: strict mocks that record every registration (type, name, inputs, parent, provider,
 * dependencies, ignoreChanges), stack config, and a fresh module registry per program run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as pulumiType from '@pulumi/pulumi';
import { parseAllDocuments } from 'yaml';
import { crdDigest } from '../../lib/crd-integrity';
import type * as versionsType from '../../lib/versions';
import { type CrdSource } from '../../lib/versions';
import { App } from 'cdk8s';
import { environmentConfig, type EnvironmentConfig } from '../../stacks/environments';
import { type ChaosApi } from '../../lib/results/collect';
import { type KubeTarget } from '../../lib/results/kube-api';
import { ChaosStack } from '../../stacks/chaos-stack';
import type * as programType from '../../stacks/pulumi/program';
import { engineDoc, FakeChaosApi, resultFor } from '../results/fake-api';
import { fixture } from '../results/fixtures';

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
  readonly pulumi: typeof pulumiType;
  readonly resources: Registered[];
  readonly outputs?: programType.ProgramOutputs;
  readonly error?: unknown;
  /** The error diagnostics the program logged (each fails the update, as the gate does). */
  readonly errors: readonly string[];
  /** The resource of a type and name; throws listing what was registered when there is none. */
  find(type: string, name: string): Registered;
  ofType(type: string): Registered[];
  /** The value of an output, or the error it failed with. */
  settle<T>(o: pulumiType.Output<T>): Promise<{ known: boolean; value?: T; error?: unknown }>;
}

export const CRD_FOLDER = `${__dirname}/fixtures/crds`;

/**
 * A CRD source that pins the minimal fixture CRDs of CRD_FOLDER instead of the real releases' content: the program
 * checks every CRD it loads against `sha256`, and the fixtures are stand-ins, not copies of the releases.
 */
export function fixturePinned(source: CrdSource): CrdSource {
  const sha256: Record<string, string> = {};
  for (const file of source.localFiles.filter((f) => existsSync(join(CRD_FOLDER, f)))) {
    for (const doc of parseAllDocuments(readFileSync(join(CRD_FOLDER, file), 'utf8'))) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (o?.kind === 'CustomResourceDefinition' && o.metadata?.name !== undefined) sha256[o.metadata.name] = crdDigest(o);
    }
  }
  return { ...source, sha256 };
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

/** Runs the program under fresh mocks and a fresh module registry. */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
  jest.resetModules();
  // The program's CRD sources pin the fixture CRDs it reads from CRD_FOLDER (real pins: test/pulumi/crds.test.ts).
  jest.doMock('../../lib/versions', () => {
    const actual = jest.requireActual<typeof versionsType>('../../lib/versions');
    const pinned = Object.fromEntries(Object.entries(actual.CRD_SOURCES).map(([k, v]) => [k, fixturePinned(v)]));
    return { ...actual, CRD_SOURCES: pinned };
  });
  const pulumi = (await import('@pulumi/pulumi')) as typeof pulumiType;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mocksModule = require('@pulumi/pulumi/runtime/mocks') as { MockMonitor: { prototype: any } };
  const resources: Registered[] = [];
  const pending: Promise<unknown>[] = [];
  const original = mocksModule.MockMonitor.prototype.registerResource as (req: any, cb: any) => Promise<void>;
  mocksModule.MockMonitor.prototype.registerResource = function (this: any, req: any, callback: any): Promise<void> {
    opts.log?.push(`register ${req.getType()} ${req.getName()}`);
    const p = original.call(this, req, (err: unknown, res: any) => {
      if (!err) {
        resources.push({
          type: req.getType(), name: req.getName(), urn: res.getUrn(), inputs: pulumi.runtime.deserializeProperties(req.getObject()),
          parent: req.getParent(), provider: req.getProvider(), dependencies: req.getDependenciesList(),
          ignoreChanges: req.getIgnorechangesList(), custom: req.getCustom(),
        });
      }
      callback(err, res);
    });
    pending.push(p);
    return p;
  };
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
  const program = (await import('../../stacks/pulumi/program'));
  const errors: string[] = [];
  jest.spyOn(pulumi.log, 'error').mockImplementation((msg: string) => { errors.push(msg); return Promise.resolve(); });
  let outputs: programType.ProgramOutputs | undefined;
  let error: unknown;
  // A fake clock: each sleep advances it, so waits time out at once instead of in minutes.
  let clock = 0;
  try {
    outputs = await program.chaosStackProgram({
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
  await Promise.all(pending);
  const settle = async <T>(o: pulumiType.Output<T>) => {
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
  const stack = new ChaosStack(new App(), env, { config: { ...config, ...(runId === undefined ? {} : { runId }) } });
  for (const e of stack.engines) {
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
