/**
 * Every environment's ChaosStack (and the Argo runner's layer, every schedule variant, the CronJob trigger) through
 * the strict schema validator of ../shared, on Kubernetes 1.27 and 1.33. It starts the validator as a process of its
 * own, so this file is in the integration project (`npm run test:integration`); skipped, with a message, without the
 * validator or its dependencies.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart, Duration } from 'cdk8s';
import { ChaosEngine } from '../../constructs/litmus/engine';
import { ChaosExperiment } from '../../constructs/litmus/experiment';
import { Fault, FaultName } from '../../constructs/litmus/faults';
import { ChaosSchedule, CronChaosTrigger } from '../../constructs/litmus/schedule';
import { ChaosRunner, Environment, ENVIRONMENTS, environmentConfig, type EnvironmentConfig } from '../../stacks/environments';
import { ChaosStack } from '../../stacks/chaos-stack';
import { fixture, SCHEMA_VALIDATOR, schemaValidatorMissing, writeStack } from '../util';

const stagingOnArgo = (): EnvironmentConfig => ({ ...environmentConfig(Environment.STAGING), runner: ChaosRunner.ARGO, runId: 'r1' });

const validator = SCHEMA_VALIDATOR;
const missing = schemaValidatorMissing();
const describeIfValidator = missing === undefined ? describe : describe.skip;
if (missing !== undefined) console.warn(`skipping strict schema checks: ${missing}`);

describeIfValidator('strict schema check (../shared/tools/validate-manifests.mjs)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'schema-'));
    for (const name of ENVIRONMENTS) {
      writeStack(new ChaosStack(new App(), name, { config: environmentConfig(name) }), join(dir, name));
    }
    // The Argo runner's layer (WorkflowTemplate, Workflow, RBAC), against the pinned Argo Workflows CRDs.
    writeStack(new ChaosStack(new App(), 'staging', { config: stagingOnArgo() }), join(dir, 'staging-argo'));
    // Every schedule variant and the CronJob trigger, which no environment uses by default.
    const app = new App({ outdir: join(dir, 'schedules') });
    const { chart, app: target, chaos } = fixture(new Chart(app, 'schedules'));
    const experiment = new ChaosExperiment(chart, 'Exp', { namespace: chaos, fault: FaultName.POD_DELETE });
    const start = new Date('2026-12-01T09:00:00Z');
    const end = new Date('2026-12-01T18:00:00Z');
    const every = Duration.minutes(2);
    const variants = {
      now: { now: true }, once: { once: start }, repeat: { repeat: { every } },
      between: { repeat: { every, startTime: start, endTime: end } }, until: { repeat: { every, endTime: end } },
      from: { repeat: { every, startTime: start } }, hours: { repeat: { every: Duration.hours(1), workHours: [[0, 12] as const] } },
      days: { repeat: { every, workDays: ['Mon', 'Tue', 'Wed', 'Sat', 'Sun'] as const } },
    };
    for (const [id, schedule] of Object.entries(variants)) {
      new ChaosSchedule(chart, id, { name: `pod-delete-${id}`, schedule, experiment, target, fault: Fault.podDelete() });
    }
    const engine = new ChaosEngine(chart, 'Engine', { experiment, target, fault: Fault.podDelete() });
    new CronChaosTrigger(chart, 'Cron', { engine, schedule: '0 10 * * 1-5' });
    app.synth();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(['1.27.0', '1.33.0'])('accepts every object of every environment against Kubernetes %s', (k8s) => {
    const out = execFileSync(process.execPath, [validator, '--k8s', k8s, dir], { encoding: 'utf8' });
    const summary = out.trim().split('\n').pop() ?? '';
    expect(summary).toMatch(/: (\d+) ok, 0 invalid, 0 unknown kinds$/);
    expect(Number(/(\d+) ok/.exec(summary)?.[1])).toBeGreaterThan(120);
  });
});
