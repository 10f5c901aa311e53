/**
 * The generated Chaos Toolkit experiments through the real `chaos validate` of the pinned venv
 * (`bash tools/chaostoolkit/install.sh`); skipped, with a message, without it. In the integration project
 * (`npm run test:integration`): each run starts Python.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { Bookinfo } from '../../constructs/bookinfo';
import { talkExperiments } from '../../stacks/chaostoolkit/experiments';
import { writeChaosToolkitExperiments } from '../../stacks/chaostoolkit/write';
import { chaosBinary, chaosValidate, ctkVenvDir } from '../../tools/chaostoolkit/venv';

function experiments() {
  const bookinfo = new Bookinfo(new Chart(new App(), 'c'), 'Bookinfo');
  return Object.fromEntries(talkExperiments({ targets: bookinfo.targets }).map((e) => [e.id, e.toJson() as any]));
}

const venvMissing = chaosBinary() === undefined;
if (venvMissing) {
  console.warn(`chaos validate tests skipped: the Chaos Toolkit venv ${ctkVenvDir()} is missing; run 'bash tools/chaostoolkit/install.sh'`);
}
const withChaos = venvMissing ? test.skip : test;

describe('chaos validate (real)', () => {
  withChaos('chaos validate accepts every generated experiment of every environment', () => {
    // GIVEN
    const out = mkdtempSync(join(tmpdir(), 'ctk-dist-'));
    const written = writeChaosToolkitExperiments(join(out, 'dist'), join(out, 'dist-chaostoolkit'));
    const files = written.flatMap((w) => w.experiments);
    expect(files).toHaveLength(9);
    // WHEN / THEN
    for (const file of files) {
      const r = chaosValidate(file);
      expect({ file, code: r.code, log: r.stderr.includes('ERROR') ? r.stderr : '' }).toEqual({ file, code: 0, log: '' });
      expect(r.stderr).toContain('experiment syntax and semantic look valid');
    }
  }, 120_000);

  withChaos('fails chaos validate on an argument the extension function does not take', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctk-bad-'));
    const e = experiments()['drain-node'];
    e.method[0].provider.arguments.count_typo = 1;
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(e));
    const r = chaosValidate(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("argument 'count_typo' is not part of the function signature in activity 'drain_nodes'");
    expect(JSON.parse(readFileSync(file, 'utf8')).title).toBe('Is the application available when a node is drained?');
  }, 60_000);
});
