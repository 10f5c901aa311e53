import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCrds } from '../../lib/pulumi/crds';
import { crdSourcesUsedBy } from '../util';
import { CRD_SOURCES } from '../../lib/versions';
import { CRD_FOLDER } from './harness';

const fixtureCrd = (file: string): string => readFileSync(join(CRD_FOLDER, file), 'utf8');

/** A release manifest like the upstream one: namespace, operator objects and the CRDs, in one multi-document YAML. */
const litmusRelease = [
  'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: litmus\n',
  'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: litmus\n  namespace: litmus\n',
  ...CRD_SOURCES.litmus.localFiles.map(fixtureCrd),
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chaos-operator-ce\n  namespace: litmus\n',
].join('---\n');

describe('crdSourcesUsedBy', () => {
  test('needs the Litmus CRDs for Litmus objects, the scheduler\'s for a ChaosSchedule and prometheus-operator\'s for monitoring', () => {
    expect(crdSourcesUsedBy([{ apiVersion: 'v1', kind: 'Namespace' }])).toEqual([]);
    expect(crdSourcesUsedBy([{ apiVersion: 'litmuschaos.io/v1alpha1', kind: 'ChaosEngine' }])).toEqual([CRD_SOURCES.litmus]);
    expect(crdSourcesUsedBy([
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' },
      { apiVersion: 'litmuschaos.io/v1alpha1', kind: 'ChaosSchedule' },
      { apiVersion: 'litmuschaos.io/v1alpha1', kind: 'ChaosExperiment' },
    ])).toEqual([CRD_SOURCES.litmus, CRD_SOURCES.litmusScheduler, CRD_SOURCES.prometheusOperator]);
  });
});

describe('loadCrds', () => {
  test('keeps only the CustomResourceDefinitions of the pinned release manifest', async () => {
    const fetched: string[] = [];
    const crds = await loadCrds([CRD_SOURCES.litmus], { kind: 'url' }, (url) => { fetched.push(url); return Promise.resolve(litmusRelease); });
    expect(fetched).toEqual(['https://litmuschaos.github.io/litmus/litmus-operator-v3.31.0.yaml']);
    expect(crds.map((c) => `${c.kind} ${c.metadata?.name}`)).toEqual([
      'CustomResourceDefinition chaosengines.litmuschaos.io',
      'CustomResourceDefinition chaosexperiments.litmuschaos.io',
      'CustomResourceDefinition chaosresults.litmuschaos.io',
    ]);
  });

  test('reads the CRD files of a local folder', async () => {
    const crds = await loadCrds([CRD_SOURCES.litmus, CRD_SOURCES.prometheusOperator], { kind: 'folder', path: CRD_FOLDER });
    expect(crds.map((c) => c.metadata?.name)).toEqual([...CRD_SOURCES.litmus.crds, ...CRD_SOURCES.prometheusOperator.crds]);
  });

  test('throws naming the URL and the offline alternative when the download fails', async () => {
    await expect(loadCrds([CRD_SOURCES.litmus], { kind: 'url' }, () => Promise.reject(new Error('getaddrinfo ENOTFOUND litmuschaos.github.io'))))
      .rejects.toThrow('Could not fetch the pinned CRDs from https://litmuschaos.github.io/litmus/litmus-operator-v3.31.0.yaml '
        + '(set crdSource to a local folder to install offline): getaddrinfo ENOTFOUND litmuschaos.github.io');
  });

  test('throws when the manifest lacks one of the expected CRDs', async () => {
    const partial = fixtureCrd('chaosengines.litmuschaos.io.yaml');
    await expect(loadCrds([CRD_SOURCES.litmus], { kind: 'url' }, () => Promise.resolve(partial)))
      .rejects.toThrow('The CRDs from https://litmuschaos.github.io/litmus/litmus-operator-v3.31.0.yaml lack '
        + 'chaosexperiments.litmuschaos.io, chaosresults.litmuschaos.io');
  });

  test('throws naming crdSource when the folder or one of its files is missing', async () => {
    await expect(loadCrds([CRD_SOURCES.litmus], { kind: 'folder', path: '/no/such/folder' }))
      .rejects.toThrow("Invalid crdSource: '/no/such/folder'; must be 'url' or an existing folder");
    await expect(loadCrds([CRD_SOURCES.litmus], { kind: 'folder', path: __dirname }))
      .rejects.toThrow(`Invalid crdSource: '${__dirname}'; must hold chaosengines.litmuschaos.io.yaml, chaosexperiments.litmuschaos.io.yaml, `
        + "chaosresults.litmuschaos.io.yaml; 'chaosengines.litmuschaos.io.yaml' is missing.");
  });
});
