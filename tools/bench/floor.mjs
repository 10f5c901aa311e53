// The floor of `npm run bench`: a bare cdk8s app, plain JavaScript (nothing to compile, none of our modules), that
// writes given objects into given files. Usage: node tools/bench/floor.mjs <objects.json> <outdir>, where
// objects.json is [{ "path": "<env>/<file>.k8s.yaml", "objects": [...] }]. It reads the JSON, builds one chart per
// file with one ApiObject per object, renders each chart to YAML and writes it: what synthesis costs in cdk8s itself.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiObject, App, Chart, Yaml } from 'cdk8s';

const [input, outdir] = process.argv.slice(2);
if (outdir === undefined) throw new Error('usage: floor.mjs <objects.json> <outdir>');
const files = JSON.parse(readFileSync(input, 'utf8'));
const app = new App({ outdir });
const charts = files.map((file, i) => {
  const chart = new Chart(app, `f${i}`);
  file.objects.forEach((obj, j) => new ApiObject(chart, `o${j}`, obj));
  return { path: file.path, chart };
});
for (const { path, chart } of charts) {
  const out = join(outdir, path);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, Yaml.stringify(...chart.toJson()));
}
