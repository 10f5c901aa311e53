/* istanbul ignore file */
// Synthesizes the example monitoring stack into a folder, for checking by hand:
//   npx tsx tools/monitoring/synth.ts /tmp/monitoring && node ../shared/tools/validate-manifests.mjs --k8s 1.33.0 /tmp/monitoring
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { exampleMonitoring } from './example';

const outdir = process.argv[2] ?? join(tmpdir(), 'monitoring-example');
const app = new App({ outdir });
exampleMonitoring(app);
app.synth();
console.log(`wrote ${outdir}`);
