/**
 * TEST FIXTURE: a stand-in for the Pulumi engine and its Kubernetes provider, used by `npm run e2e` only when the
 * real ones (tools/cluster/build-pulumi.sh) are not built. It is NOT Pulumi: it runs the project's real Pulumi program
 * (stacks/pulumi/program.ts, unchanged) in this process under the SDK's own mock monitor
 * (`pulumi.runtime.setMocks`), and makes each registration real:
 * - the explicit provider's `kubeconfig` input (from stack config only) is the cluster it talks to;
 * - each object of a `kubernetes:yaml/v2:ConfigGroup` and each `CustomResource` is server-side applied, in the
 *   order the SDK registers them, which follows the program's `dependsOn` (a resource is registered only when its
 *   dependencies' registrations have completed); a CustomResourceDefinition is waited for until Established;
 * - like the engine, it keeps a state file of the inputs it applied: a resource whose inputs did not change
 *   (after `ignoreChanges` paths are taken from the old inputs, as the engine does) is `same` and not sent; a
 *   resource in the state that the program no longer registers is deleted (a new run id's old engines);
 * - `destroy` deletes what the state holds, in reverse order, and waits for each object to be gone.
 * The program's readback then reads the real cluster through @kubernetes/client-node, and its gate fails the run.
 *
 * Usage (a child process per command, like the CLI): tsx test/e2e/standin-engine.ts up|preview|destroy REQUEST.json
 * REQUEST: { stateFile, outputsFile, config: {key: value} (without the `chaos-stack:` prefix), secrets: [keys],
 *            stack, crdWaitMs, deleteWaitMs }
 * Prints a Pulumi-like summary (`Resources: ...`, and `engines: N to create, N to update, N to delete, N same`);
 * exits 1 on an error, printing `error: <message>` as the CLI does.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as pulumiType from '@pulumi/pulumi';
import { type KubeClient } from '../../tools/cluster/kube-client';
import { Discovery } from '../../tools/cluster/verify';
import { clientFromKubeconfig, deleteAndWait, describe, type Obj, objectUrl, serverSideApply, waitCrdEstablished } from './kube';

export interface StandinRequest {
  stateFile: string;
  outputsFile: string;
  config: Record<string, string>;
  secrets: string[];
  stack: string;
  crdWaitMs: number;
  deleteWaitMs: number;
}

/** One applied object, as the state remembers it. */
interface StateEntry {
  key: string;
  /** The Pulumi resource that owns it (`type::name`). */
  owner: string;
  object: Obj;
  hash: string;
}

interface State {
  kubeconfig?: string;
  entries: StateEntry[];
}

const FIELD_MANAGER = 'pulumi-kubernetes-standin';
const PROJECT = 'chaos-stack';

const keyOf = (o: Obj): string => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const hashOf = (o: unknown): string => createHash('sha256').update(JSON.stringify(o)).digest('hex');

function readState(file: string): State {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as State : { entries: [] };
}

/** Sets `path` (dotted) of `target` to its value in `source` (ignoreChanges: the old input wins). */
function copyPath(target: Record<string, unknown>, source: Record<string, unknown>, path: string): void {
  const parts = path.split('.');
  let t: Record<string, unknown> = target;
  let s: unknown = source;
  for (const [i, p] of parts.entries()) {
    s = (s as Record<string, unknown> | undefined)?.[p];
    if (i === parts.length - 1) {
      if (s === undefined) delete t[p];
      else t[p] = s;
      return;
    }
    if (typeof t[p] !== 'object' || t[p] === null) return;
    t = t[p] as Record<string, unknown>;
  }
}

/** Paths under `path` where `want` (the inputs) is not what `live` holds, skipping `ignored` paths. */
export function driftOf(want: unknown, live: unknown, path: string, ignored: readonly string[]): string[] {
  if (ignored.includes(path)) return [];
  if (Array.isArray(want)) {
    if (!Array.isArray(live) || live.length !== want.length) return [path];
    return want.flatMap((w, i) => driftOf(w, live[i], `${path}[${i}]`, ignored));
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof live !== 'object' || live === null || Array.isArray(live)) return [path];
    return Object.entries(want).flatMap(([k, w]) => driftOf(w, (live as Record<string, unknown>)[k], `${path}.${k}`, ignored));
  }
  return want === live ? [] : [path];
}

async function up(req: StandinRequest, preview: boolean): Promise<number> {
  const state = readState(req.stateFile);
  const oldByKey = new Map(state.entries.map((e) => [e.key, e]));
  const next: StateEntry[] = [];
  const counts = { create: 0, update: 0, same: 0, delete: 0 };
  const engineCounts = { create: 0, update: 0, same: 0, delete: 0 };
  const isEngine = (o: Obj): boolean => o.kind === 'ChaosEngine';
  let kube: KubeClient | undefined;
  let discovery: Discovery | undefined;
  let kubeconfig: string | undefined;
  const ignoreChanges = new Map<string, string[]>();

  const pulumi = await import('@pulumi/pulumi') as typeof pulumiType;
  // The mock monitor drops ignoreChanges before calling newResource: note it from the registration itself.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mocksModule = require('@pulumi/pulumi/runtime/mocks') as { MockMonitor: { prototype: { registerResource: (req: unknown, cb: unknown) => Promise<void> } } };
  const original = mocksModule.MockMonitor.prototype.registerResource;
  const pending: Promise<void>[] = [];
  mocksModule.MockMonitor.prototype.registerResource = function (this: unknown, r: unknown, cb: unknown): Promise<void> {
    const rr = r as { getType(): string; getName(): string; getIgnorechangesList(): string[] };
    ignoreChanges.set(`${rr.getType()}::${rr.getName()}`, rr.getIgnorechangesList());
    const p = original.call(this, r, cb);
    pending.push(p);
    return p;
  };
  /** Waits until every registration the program made has been answered (a preview's outputs do not wait for them). */
  const drain = async (): Promise<void> => {
    for (let seen = -1; seen !== pending.length;) {
      seen = pending.length;
      await Promise.allSettled(pending);
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    }
  };

  const applyOne = async (owner: string, obj: Obj, ignored: readonly string[], refresh: boolean): Promise<Obj> => {
    try {
      return await applyOneUnwrapped(owner, obj, ignored, refresh);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(msg.includes(describe(obj)) ? msg : `${describe(obj)} on ${kube?.server ?? '(no cluster)'}: ${msg}`);
    }
  };
  const applyOneUnwrapped = async (owner: string, obj: Obj, ignored: readonly string[], refresh: boolean): Promise<Obj> => {
    if (kube === undefined || discovery === undefined) throw new Error(`${describe(obj)}: registered before its provider: no kubeconfig`);
    const key = keyOf(obj);
    const old = oldByKey.get(key);
    const inputs = unwrapSecrets(JSON.parse(JSON.stringify(obj))) as Obj;
    if (old !== undefined) for (const p of ignored) copyPath(inputs, old.object, p);
    const hash = hashOf(inputs);
    const tally = (k: keyof typeof counts): void => {
      counts[k]++;
      if (isEngine(obj)) engineCounts[k]++;
    };
    const entry: StateEntry = { key, owner, object: inputs, hash };
    if (old !== undefined && old.hash === hash) {
      const live = await kube.get(await objectUrl(discovery, obj));
      // Like `pulumi up --refresh` for custom resources: a field of the inputs that differs in the live object is
      // drift, and is applied again, unless it is under an ignoreChanges path.
      const drift = refresh && live.status === 200 ? driftOf(inputs.spec, (live.json as Obj).spec, 'spec', ignored) : [];
      if (live.status === 200 && drift.length === 0) {
        next.push(entry);
        tally('same');
        return live.json as Obj;
      }
      process.stdout.write(`~ ${describe(obj)}: ${live.status === 404 ? 'deleted outside the engine' : `drift at ${drift.join(', ')}`}\n`);
    }
    tally(old === undefined ? 'create' : 'update');
    if (preview) {
      next.push(entry);
      return obj;
    }
    const { live } = await serverSideApply(kube, discovery, inputs, FIELD_MANAGER);
    // In the state once the API server has it, even if the wait below fails (so destroy removes it).
    next.push(entry);
    if (obj.kind === 'CustomResourceDefinition') {
      await waitCrdEstablished(kube, obj.metadata.name, req.crdWaitMs);
      discovery.invalidate();
    }
    return live;
  };

  await pulumi.runtime.setMocks({
    newResource: async (args) => {
      const inputs = args.inputs as Record<string, unknown>;
      const owner = `${args.type}::${args.name}`;
      const ignored = ignoreChanges.get(owner) ?? [];
      if (args.type === 'pulumi:providers:kubernetes') {
        // The program hands the kubeconfig over as a secret; the engine unwraps it before calling the provider.
        const kc = unwrapSecrets(inputs.kubeconfig) as string | undefined;
        if (kc === undefined) throw new Error('the Kubernetes provider has no kubeconfig input: set the stack config key kubeconfig');
        kubeconfig = resolve(kc);
        kube = clientFromKubeconfig(kubeconfig);
        discovery = new Discovery(kube);
        return { id: `${args.name}-id`, state: inputs };
      }
      if (args.type === 'kubernetes:yaml/v2:ConfigGroup') {
        const objs = (inputs.objs ?? []) as Obj[];
        for (const o of objs) await applyOne(owner, o, ignored, false);
        // The real ConfigGroup's `resources` output references its child resources; the stand-in registers no
        // children, so it is empty. Ordering does not depend on it: the SDK waits for the group's own registration,
        // which returns only once every object of the group has been applied.
        return { id: undefined, state: { ...inputs, resources: [] } };
      }
      if (args.type.startsWith('kubernetes:') && args.custom) {
        const o = inputs as Obj;
        const live = await applyOne(owner, o, ignored, true);
        return { id: `${o.metadata.namespace ?? ''}/${o.metadata.name}`, state: { ...inputs, metadata: live.metadata } };
      }
      return { id: args.custom ? `${args.name}-id` : undefined, state: inputs };
    },
    call: (args) => {
      throw new Error(`the stand-in engine does not implement the provider function ${args.token}`);
    },
  }, PROJECT, req.stack, preview);
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(req.config).map(([k, v]) => [`${PROJECT}:${k}`, v])),
    req.secrets.map((k) => `${PROJECT}:${k}`),
  );

  let failure: string | undefined;
  let outputs: Record<string, unknown> = {};
  try {
    const program = await import('../../stacks/pulumi/program');
    const o = await program.chaosStackProgram();
    const settle = async (x: unknown): Promise<unknown> => {
      const out = x as { promise?: () => Promise<unknown>; isKnown?: Promise<boolean> };
      if (typeof out.promise !== 'function') return x;
      const known = out.isKnown === undefined ? true : await out.isKnown;
      const v = await out.promise();
      return known ? v : '[unknown]';
    };
    outputs = {
      environment: o.environment, runId: o.runId, gateOnVerdict: o.gateOnVerdict, engines: o.engines,
      results: await settle(o.results),
      summary: await settle(o.summary),
    };
    await drain();
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  }

  // Resources of the old state the program no longer registers: delete them (reverse order), as the engine does.
  const nextKeys = new Set(next.map((e) => e.key));
  const gone = state.entries.filter((e) => !nextKeys.has(e.key)).reverse();
  for (const e of gone) {
    counts.delete++;
    if (isEngine(e.object)) engineCounts.delete++;
  }
  if (!preview && failure === undefined && kube !== undefined && discovery !== undefined) {
    for (const e of gone) {
      try {
        await deleteAndWait(kube, discovery, e.object, req.deleteWaitMs);
      } catch (err) {
        failure = `deleting ${describe(e.object)}: ${(err as Error).message}`;
        next.push(e);
        break;
      }
    }
  } else {
    // Not deleted: they stay in the state.
    next.push(...gone);
  }
  if (!preview) {
    // What was applied is kept even when the update failed (the engine also records partial progress).
    writeFileSync(req.stateFile, `${JSON.stringify({ kubeconfig, entries: next } satisfies State, null, 2)}\n`);
    writeFileSync(req.outputsFile, `${JSON.stringify(outputs, null, 2)}\n`);
  }
  kube?.close();
  const verb = preview ? 'Previewing update' : 'Updating';
  process.stdout.write(`${verb} (${req.stack}) with the stand-in engine\n`);
  process.stdout.write(`Resources: ${counts.create} to create, ${counts.update} to update, ${counts.delete} to delete, ${counts.same} unchanged\n`);
  process.stdout.write(`engines: ${engineCounts.create} to create, ${engineCounts.update} to update, ${engineCounts.delete} to delete, ${engineCounts.same} unchanged\n`);
  if (failure !== undefined) {
    process.stderr.write(`error: ${failure}\n`);
    return 1;
  }
  return 0;
}

async function destroy(req: StandinRequest): Promise<number> {
  const state = readState(req.stateFile);
  if (state.entries.length === 0) {
    process.stdout.write('Resources: 0 deleted (empty state)\n');
    return 0;
  }
  if (state.kubeconfig === undefined) throw new Error(`${req.stateFile} has objects but no kubeconfig`);
  const kube = clientFromKubeconfig(state.kubeconfig);
  const discovery = new Discovery(kube);
  let deleted = 0;
  let failure: string | undefined;
  const left = [...state.entries];
  try {
    // Reverse registration order: engines first, CRDs last (as the engine orders deletes by dependency).
    while (left.length > 0) {
      const e = left[left.length - 1];
      if (e === undefined) break;
      await deleteAndWait(kube, discovery, e.object, req.deleteWaitMs);
      if (e.object.kind === 'CustomResourceDefinition') discovery.invalidate();
      left.pop();
      deleted++;
    }
  } catch (err) {
    failure = (err as Error).message;
  } finally {
    kube.close();
    writeFileSync(req.stateFile, `${JSON.stringify({ kubeconfig: state.kubeconfig, entries: left } satisfies State, null, 2)}\n`);
  }
  process.stdout.write(`Destroying (${req.stack}) with the stand-in engine\nResources: ${deleted} deleted\n`);
  if (failure !== undefined) {
    process.stderr.write(`error: ${failure}\n`);
    return 1;
  }
  return 0;
}

async function main(): Promise<number> {
  const [cmd, file] = process.argv.slice(2);
  if ((cmd !== 'up' && cmd !== 'preview' && cmd !== 'destroy') || file === undefined) {
    process.stderr.write('usage: tsx test/e2e/standin-engine.ts up|preview|destroy REQUEST.json\n');
    return 2;
  }
  const req = JSON.parse(readFileSync(file, 'utf8')) as StandinRequest;
  return cmd === 'destroy' ? destroy(req) : up(req, cmd === 'preview');
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

/** The SDK's marker of a secret value in resource inputs (`{ [SECRET_SIG]: SECRET_VALUE_SIG, value }`). */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const SECRET_VALUE_SIG = '1b47061264138c4ac30d75fd1eb44270';

/** Replaces every secret-wrapped input by its plain value, as the engine does before calling the provider. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (o[SECRET_SIG] === SECRET_VALUE_SIG) return unwrapSecrets(o.value);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrapSecrets(v)]));
}
