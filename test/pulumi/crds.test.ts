import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { crdDigest } from '../../lib/crd-integrity';
import { httpFetcher, loadCrds } from '../../lib/pulumi/crds';
import { crdSourcesUsedBy } from '../util';
import { CRD_SOURCES, type CrdSource } from '../../lib/versions';
import { CRD_FOLDER, fixturePinned } from './fixture-crds';

const fixtureCrd = (file: string): string => readFileSync(join(CRD_FOLDER, file), 'utf8');
/** The fixture CRDs are minimal stand-ins: these sources pin their content instead of the real releases'. */
const LITMUS = fixturePinned(CRD_SOURCES.litmus);
const PROMETHEUS_OPERATOR = fixturePinned(CRD_SOURCES.prometheusOperator);

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
    const crds = await loadCrds([LITMUS], { kind: 'url' }, (url) => { fetched.push(url); return Promise.resolve(litmusRelease); });
    expect(fetched).toEqual(['https://litmuschaos.github.io/litmus/litmus-operator-v3.31.0.yaml']);
    expect(crds.map((c) => `${c.kind} ${c.metadata?.name}`)).toEqual([
      'CustomResourceDefinition chaosengines.litmuschaos.io',
      'CustomResourceDefinition chaosexperiments.litmuschaos.io',
      'CustomResourceDefinition chaosresults.litmuschaos.io',
    ]);
  });

  test('reads the CRD files of a local folder', async () => {
    const crds = await loadCrds([LITMUS, PROMETHEUS_OPERATOR], { kind: 'folder', path: CRD_FOLDER });
    expect(crds.map((c) => c.metadata?.name)).toEqual([...CRD_SOURCES.litmus.crds, ...CRD_SOURCES.prometheusOperator.crds]);
  });

  test('throws naming the URL and the offline alternative when the download fails', async () => {
    await expect(loadCrds([CRD_SOURCES.litmus], { kind: 'url' }, () => Promise.reject(new Error('getaddrinfo ENOTFOUND litmuschaos.github.io'))))
      .rejects.toThrow('Could not fetch the pinned CRDs from https://litmuschaos.github.io/litmus/litmus-operator-v3.31.0.yaml '
        + '(set crdSource to a local folder to install offline): getaddrinfo ENOTFOUND litmuschaos.github.io');
  });

  test('throws when the manifest lacks one of the expected CRDs', async () => {
    const partial = fixtureCrd('chaosengines.litmuschaos.io.yaml');
    await expect(loadCrds([LITMUS], { kind: 'url' }, () => Promise.resolve(partial)))
      .rejects.toThrow('The CRDs from https://litmuschaos.github.io/litmus/litmus-operator-v3.31.0.yaml lack '
        + 'chaosexperiments.litmuschaos.io, chaosresults.litmuschaos.io');
  });

  test('refuses a CRD whose content is not the pinned one, naming the CRD, its source and both hashes', async () => {
    // GIVEN the minimal fixture CRDs, which are not the pinned releases' content
    const engines = parse(fixtureCrd('chaosengines.litmuschaos.io.yaml'));
    // THEN, from a folder
    await expect(loadCrds([CRD_SOURCES.litmus], { kind: 'folder', path: CRD_FOLDER })).rejects.toThrow(
      `CustomResourceDefinition chaosengines.litmuschaos.io from ${join(CRD_FOLDER, 'chaosengines.litmuschaos.io.yaml')} does not match its pinned `
      + `content: sha256 ${crdDigest(engines)}, pinned ${CRD_SOURCES.litmus.sha256['chaosengines.litmuschaos.io']} (lib/versions.ts CRD_SOURCES); `
      + 'refusing to install or import it');
    // and from the URL: one changed field is enough
    const tampered = litmusRelease.replace('plural: chaosresults', 'plural: chaosresultz');
    await expect(loadCrds([LITMUS], { kind: 'url' }, () => Promise.resolve(tampered))).rejects.toThrow(
      `CustomResourceDefinition chaosresults.litmuschaos.io from ${CRD_SOURCES.litmus.url} does not match its pinned content: sha256 `);
  });

  test('gives up a download that does not complete within its bound', async () => {
    // GIVEN a server that accepts the request and never answers
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/litmus-operator.yaml`;
    try {
      // THEN
      await expect(httpFetcher(200)(url)).rejects.toThrow(`GET ${url} did not complete within 0.2 s`);
      const source: CrdSource = { ...LITMUS, url };
      await expect(loadCrds([source], { kind: 'url' }, httpFetcher(200))).rejects.toThrow(
        `Could not fetch the pinned CRDs from ${url} (set crdSource to a local folder to install offline): GET ${url} did not complete within 0.2 s`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('throws naming crdSource when the folder or one of its files is missing', async () => {
    await expect(loadCrds([CRD_SOURCES.litmus], { kind: 'folder', path: '/no/such/folder' }))
      .rejects.toThrow("Invalid crdSource: '/no/such/folder'; must be 'url' or an existing folder");
    await expect(loadCrds([CRD_SOURCES.litmus], { kind: 'folder', path: __dirname }))
      .rejects.toThrow(`Invalid crdSource: '${__dirname}'; must hold chaosengines.litmuschaos.io.yaml, chaosexperiments.litmuschaos.io.yaml, `
        + "chaosresults.litmuschaos.io.yaml; 'chaosengines.litmuschaos.io.yaml' is missing.");
  });
});
