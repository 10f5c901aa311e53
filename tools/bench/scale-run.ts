/**
 * One measured synth of the scaled workload (tools/bench/scale.ts): builds N targets x ten faults, validates the app,
 * renders one YAML file per layer and writes them to <outdir>, then prints one JSON line: objects, the seconds of
 * each phase (after the modules are loaded) and the process's peak memory.
 * Usage: tsx tools/bench/scale-run.ts <targets> <outdir>
 */
import { App } from 'cdk8s';
import { layerFiles, validateApp, writeFiles } from '../../lib/synth';
import { buildScaledStack, scaledConfig } from './scale';

const [targets, outdir] = [Number(process.argv[2]), process.argv[3]];
if (outdir === undefined) throw new Error('usage: scale-run.ts <targets> <outdir>');
const t0 = performance.now();
const app = new App();
const stack = buildScaledStack(app, scaledConfig(targets));
const t1 = performance.now();
validateApp(app);
const t2 = performance.now();
const files = layerFiles(stack.layers);
const t3 = performance.now();
writeFiles(outdir, files);
const t4 = performance.now();
const objects = files.reduce((n, f) => n + f.content.split(/^---$/m).length, 0);
process.stdout.write(`${JSON.stringify({
  targets, objects, build: (t1 - t0) / 1000, validate: (t2 - t1) / 1000, render: (t3 - t2) / 1000, write: (t4 - t3) / 1000,
  synth: (t4 - t0) / 1000, loaded: t0 / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024,
})}\n`);
