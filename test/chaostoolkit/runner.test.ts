import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing } from 'cdk8s';
import { ChaosToolkitRunner } from '../../constructs/chaostoolkit/runner';
import { IMAGES } from '../../lib/versions';
import { ChaosToolkitStack } from '../../stacks/chaostoolkit/stack';
import { ChaosNamespace } from '../../constructs/namespace';
import { requirementsText } from '../../lib/chaostoolkit/requirements';
import { writeChaosToolkitExperiments } from '../../stacks/chaostoolkit/write';
import { find, makeChart, ofKind } from '../util';

function stack() {
  const s = new ChaosToolkitStack(new App(), 'dev', { environment: 'dev' });
  return { s, bookinfo: Testing.synth(s.bookinfoChart), runners: Testing.synth(s.runnersChart) };
}

describe('ChaosToolkitRunner', () => {
  test('carries the experiment JSON and the pinned requirements in a ConfigMap', () => {
    const { s, runners } = stack();
    const cm = find(runners, 'ConfigMap', 'ctk-drain-node', 'chaostoolkit');
    expect(cm.data['experiment.json']).toBe(s.experiments[1].toString());
    expect(JSON.parse(cm.data['experiment.json']).runtime).toEqual({ rollbacks: { strategy: 'always' } });
    expect(cm.data['requirements.txt']).toBe(requirementsText());
    expect(requirementsText()).toMatch(/^chaostoolkit==1\.19\.0 \\$/m);
    expect(requirementsText()).toMatch(/^chaostoolkit-kubernetes==0\.39\.0 \\$/m);
    expect(requirementsText()).toMatch(/^chaostoolkit-istio==0\.4\.1 \\$/m);
    // Every requirement is pinned and hash-locked: `name==version \` then one `--hash=sha256:<64 hex>` per line.
    const entries = requirementsText().replace(/^#.*\n/gm, '').split(/\n(?=\S)/).filter((e) => e.trim() !== '');
    expect(entries).toHaveLength(34);
    for (const entry of entries) {
      const [pin, ...hashes] = entry.split(/\s*\\\n\s*/);
      expect(pin).toMatch(/^[A-Za-z0-9_.-]+==[^=\s]+$/);
      expect(hashes.length).toBeGreaterThan(0);
      for (const h of hashes) expect(h.trim()).toMatch(/^--hash=sha256:[0-9a-f]{64}$/);
    }
  });

  test('runs chaos once in a Job, as a restricted non-root pod, and prints the journal', () => {
    const { runners } = stack();
    expect(runners).toMatchSnapshot();
    const job = find(runners, 'Job', 'ctk-reviews-network-latency', 'chaostoolkit');
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 900 });
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: 'ctk-reviews-network-latency', restartPolicy: 'Never', securityContext: { runAsNonRoot: true, runAsUser: 65532 } });
    expect(pod.initContainers[0].image).toBe(IMAGES.chaosToolkitPython);
    expect(pod.initContainers[0].command[2]).toContain(
      'pip install --no-cache-dir --disable-pip-version-check --require-hashes --only-binary :all: -r /etc/chaostoolkit/requirements.txt');
    const chaos = pod.containers[0];
    expect(chaos.command[2]).toContain('/opt/ctk/venv/bin/chaos --no-version-check --log-file /tmp/chaostoolkit.log run --journal-path /tmp/journal.json');
    expect(chaos.command[2]).toContain("echo '--- journal.json ---'; cat /tmp/journal.json");
    expect(chaos.env).toEqual([{ name: 'CHAOSTOOLKIT_IN_POD', value: 'true' }, { name: 'HOME', value: '/tmp' }]);
    expect(chaos.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(find(runners, 'Namespace', 'chaostoolkit').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('grants the drain runner cluster-scoped node and eviction rights, and only list in bookinfo', () => {
    const { runners } = stack();
    const cr = find(runners, 'ClusterRole', 'chaos-stack:chaostoolkit:ctk-drain-node');
    expect(cr.rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
    ]);
    expect(find(runners, 'ClusterRoleBinding', 'chaos-stack:chaostoolkit:ctk-drain-node').subjects)
      .toEqual([{ kind: 'ServiceAccount', name: 'ctk-drain-node', namespace: 'chaostoolkit' }]);
    expect(find(runners, 'Role', 'ctk-drain-node', 'bookinfo').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] },
    ]);
  });

  test('grants the latency runner get and patch on VirtualServices in bookinfo, nothing cluster-wide', () => {
    const { runners } = stack();
    expect(find(runners, 'Role', 'ctk-reviews-network-latency', 'bookinfo').rules).toEqual([
      { apiGroups: ['networking.istio.io'], resources: ['virtualservices'], verbs: ['get', 'patch'] },
    ]);
    expect(ofKind(runners, 'ClusterRole').map((r) => r.metadata.name)).toEqual(['chaos-stack:chaostoolkit:ctk-drain-node']);
    expect(find(runners, 'Role', 'ctk-terminate-half-ratings-v2-pods', 'bookinfo').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['delete', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] },
    ]);
  });

  test('uses a prebuilt image without an install step', () => {
    const chart = makeChart();
    const s = new ChaosToolkitStack(new App(), 'dev', { environment: 'dev' });
    new ChaosToolkitRunner(chart, 'R', {
      namespace: new ChaosNamespace(chart, 'Ns', { name: 'ctk' }), experiment: s.experiments[0], prebuiltImage: 'registry.example/ctk:1.19.0',
    });
    const pod = find(Testing.synth(chart), 'Job', 'ctk-terminate-half-ratings-v2-pods', 'ctk').spec.template.spec;
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers[0].image).toBe('registry.example/ctk:1.19.0');
    expect(pod.containers[0].command[2]).toMatch(/^chaos --no-version-check/);
  });

  test.each(['chaostoolkit/chaostoolkit:latest', 'chaostoolkit/chaostoolkit', 'registry.example:5000/ctk'])('throws on an unpinned prebuilt image (%s)', (image) => {
    const chart = makeChart();
    const s = new ChaosToolkitStack(new App(), 'dev', { environment: 'dev' });
    expect(() => new ChaosToolkitRunner(chart, 'R', {
      namespace: new ChaosNamespace(chart, 'Ns', { name: 'ctk' }), experiment: s.experiments[0], prebuiltImage: image,
    })).toThrow(`Invalid ChaosToolkitRunner.prebuiltImage: '${image}'; must be pinned to a tag or digest (never ':latest').`);
  });

});

describe('writeChaosToolkitExperiments', () => {
  test('writes the manifests under dist/<env>/chaostoolkit and the experiment files beside dist', () => {
    const out = mkdtempSync(join(tmpdir(), 'ctk-write-'));
    const written = writeChaosToolkitExperiments(join(out, 'dist'));
    expect(written.map((w) => w.environment)).toEqual(['dev', 'staging', 'prod']);
    for (const w of written) {
      expect(w.manifests).toEqual([
        join(out, 'dist', w.environment, 'chaostoolkit', 'bookinfo.k8s.yaml'), join(out, 'dist', w.environment, 'chaostoolkit', 'runners.k8s.yaml'),
      ]);
      expect(w.experiments.map((f) => f.slice(out.length))).toEqual(['terminate-half-ratings-v2-pods', 'drain-node', 'reviews-network-latency']
        .map((id) => `/dist-chaostoolkit/${w.environment}/${id}.json`));
      for (const f of [...w.manifests, ...w.experiments]) expect(existsSync(f)).toBe(true);
      expect(JSON.parse(readFileSync(w.experiments[0], 'utf8')).tags).toEqual(['kubernetes', 'bookinfo', 'pods', w.environment]);
    }
  });
});
