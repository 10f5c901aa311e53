/**
 * The real cluster client (lib/results/kube-api.ts) through `npm run results`, against servers on 127.0.0.1 that this
 * test starts and stops. @kubernetes/client-node 1.x is ESM-only and jest cannot load it, so the CLI runs as a child
 * process through tsx, as `npm run results` does.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as YAML from 'yaml';

// Each case starts tsx (a few seconds on a busy 2-core machine) and waits for its timeouts.
jest.setTimeout(90_000);

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'kube-api-'));
const ENGINE = 'app-sample-pod-delete-r1';
const ENGINE_PATH = `/apis/litmuschaos.io/v1alpha1/namespaces/litmus/chaosengines/${ENGINE}`;

interface CliRun { readonly code: number | null; readonly stdout: string; readonly stderr: string; readonly seconds: number }

/** Runs `npm run results -- <args>` (tsx stacks/results.ts) without blocking this process, so its servers keep serving. */
function results(args: readonly string[]): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'stacks', 'results.ts'), ...args],
      { cwd: ROOT, timeout: 80_000, env: { ...process.env, KUBECONFIG: join(dir, 'no-ambient-kubeconfig') } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
        resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
      });
  });
}

/** A kubeconfig file for `server`, with a bearer token; returns its path. */
function kubeconfigFile(name: string, server: string, token = 'not-a-real-token'): string {
  const path = join(dir, name);
  writeFileSync(path, YAML.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'test',
    clusters: [{ name: 'test', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'test', user: { token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'test' } }],
  }));
  return path;
}

/** The outputs of a deployment with one engine, waited for `timeoutSeconds`; returns the file's path. */
function outputsFile(timeoutSeconds: number): string {
  const path = join(dir, `outputs-${timeoutSeconds}.json`);
  writeFileSync(path, JSON.stringify({
    environment: 'prod',
    engines: [{ target: 'app-sample', experiment: 'pod-delete', namespace: 'litmus', engine: ENGINE, resultName: `${ENGINE}-pod-delete`, timeoutSeconds }],
    plan: [{ name: 'app-sample-pod-delete', index: 1, weight: 10, stopOnFailure: true, experiments: ['app-sample/pod-delete'] }],
  }));
  return path;
}

function listen<S extends Server | HttpServer>(server: S): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

function close(server: Server | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('every request is bounded', () => {
  test('a server that accepts connections and never answers ends the wait within the request timeouts', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => { sockets.push(socket); }); // accepts, never reads or writes
    const port = await listen(silent);
    try {
      const r = await results(['--outputs', outputsFile(5), '--kubeconfig', kubeconfigFile('silent.yaml', `https://127.0.0.1:${port}`),
        '--wait', '--request-timeout', '1', '--poll-interval', '1']);
      // Three attempts of one second, one second apart, plus the CLI's start: far from the 120 s it used to hang.
      expect(r.seconds).toBeLessThan(30);
      expect(`${r.stdout}${r.stderr}`).toContain(`reading ChaosEngine litmus/${ENGINE} failed (3 attempts): cannot reach https://127.0.0.1:${port}: `
        + 'no answer within 1s');
      // The cluster could not be read: that is not a failed chaos run.
      expect(r.code).toBe(2);
      expect(sockets.length).toBeGreaterThanOrEqual(3);
    } finally {
      for (const s of sockets) s.destroy();
      await close(silent);
    }
  });

  test('an engine that does not finish in time is stopped with a JSON patch of spec.engineState', async () => {
    const patches: { contentType: string | undefined; body: unknown; auth: string | undefined }[] = [];
    const engine = (engineStatus: string, engineState: string) => JSON.stringify({
      apiVersion: 'litmuschaos.io/v1alpha1', kind: 'ChaosEngine', metadata: { name: ENGINE, namespace: 'litmus', uid: 'uid-1' },
      spec: { engineState }, status: { engineStatus },
    });
    const body = (req: IncomingMessage): Promise<string> => new Promise((resolve) => {
      let text = '';
      req.on('data', (c: Buffer) => { text += c.toString(); });
      req.on('end', () => resolve(text));
    });
    const api = createHttpServer((req, res) => {
      void (async () => {
        res.setHeader('Content-Type', 'application/json');
        if (req.url === ENGINE_PATH && req.method === 'GET') {
          res.end(engine('initialized', 'active'));
        } else if (req.url === ENGINE_PATH && req.method === 'PATCH') {
          patches.push({ contentType: req.headers['content-type'], body: JSON.parse(await body(req)), auth: req.headers.authorization });
          res.end(engine('initialized', 'stop'));
        } else {
          res.statusCode = 404;
          res.end(JSON.stringify({ kind: 'Status', status: 'Failure', message: `${req.url} not found`, code: 404 }));
        }
      })();
    });
    const port = await listen(api);
    try {
      const r = await results(['--outputs', outputsFile(2), '--kubeconfig', kubeconfigFile('api.yaml', `http://127.0.0.1:${port}`),
        '--wait', '--poll-interval', '1']);
      expect(r.stdout).toContain(`Timeout: ChaosEngine litmus/${ENGINE} did not reach status.engineStatus 'completed' or 'stopped' within 2s `
        + "(last engineStatus: 'initialized'); it was stopped (spec.engineState: stop) so that its chaos does not outlive the wait");
      expect(r.code).toBe(1);
      expect(patches).toEqual([{
        contentType: 'application/json-patch+json', body: [{ op: 'add', path: '/spec/engineState', value: 'stop' }],
        auth: 'Bearer not-a-real-token',
      }]);
    } finally {
      await close(api);
    }
  });
});

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

describe('the kubeconfig is never repeated', () => {
  const TOKEN = 'tok-SECRET-123';

  test('a kubeconfig given as contents on one line (JSON) is read as contents, and no message repeats its token', async () => {
    const port = await closedPort();
    const kubeconfig = JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'ci',
      clusters: [{ name: 'ci', cluster: { server: `https://127.0.0.1:${port}` } }],
      users: [{ name: 'ci', user: { token: TOKEN } }],
      contexts: [{ name: 'ci', context: { cluster: 'ci', user: 'ci' } }],
    });
    const r = await results(['--outputs', outputsFile(5), '--kubeconfig', kubeconfig, '--poll-interval', '1']);
    expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
    // It was used as a kubeconfig: the client tried its server.
    expect(r.stdout).toContain(`cannot reach https://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(r.code).not.toBe(0);
  });

  test('a broken kubeconfig given as contents is described, not shown', async () => {
    const r = await results(['--outputs', outputsFile(5), '--kubeconfig', `{"apiVersion": "v1", "users": [{"user": {"token": "${TOKEN}"`]);
    expect(r.stderr.trim()).toBe('Invalid --kubeconfig: (a value that is neither a kubeconfig nor a path, not shown); must be the path of a '
      + 'kubeconfig file, or a kubeconfig itself (YAML or JSON with apiVersion and clusters).');
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.code).toBe(2);
  });
});

describe('exit codes: a cluster that cannot be read is not a failed chaos run', () => {
  test('an unreachable cluster exits 2, saying it cannot reach the server', async () => {
    const port = await closedPort();
    const r = await results(['--outputs', outputsFile(5), '--kubeconfig', kubeconfigFile('closed.yaml', `https://127.0.0.1:${port}`),
      '--wait', '--poll-interval', '1']);
    expect(r.stdout).toMatch(/pod-delete\s+app-sample-pod-delete-r1\s+Unreachable\s/);
    expect(r.stderr.trim()).toBe('Chaos results (prod): 1 of 1 experiments could not be read, so this is no verdict on the chaos run: '
      + `reading ChaosEngine litmus/${ENGINE} failed (3 attempts): cannot reach https://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(r.code).toBe(2);
  });

  test('an empty or malformed kubeconfig file exits 2, naming the file and never its contents', async () => {
    const empty = join(dir, 'empty-kubeconfig.yaml');
    writeFileSync(empty, '');
    const e = await results(['--outputs', outputsFile(5), '--kubeconfig', empty]);
    expect(e.stderr.trim()).toBe(`Invalid --kubeconfig: '${empty}'; must be a kubeconfig file, and this file is empty.`);
    expect(e.code).toBe(2);
    const broken = join(dir, 'broken-kubeconfig.yaml');
    writeFileSync(broken, 'apiVersion: v1\nusers:\n- name: ci\n  user: {token: tok-SECRET-123\n');
    const b = await results(['--outputs', outputsFile(5), '--kubeconfig', broken]);
    expect(b.stderr.trim()).toBe(`Invalid --kubeconfig: '${broken}'; must be a kubeconfig file (YAML or JSON with apiVersion and clusters), `
      + 'and this file does not parse as one.');
    expect(`${b.stdout}${b.stderr}`).not.toContain('tok-SECRET-123');
    expect(b.code).toBe(2);
  });
});
