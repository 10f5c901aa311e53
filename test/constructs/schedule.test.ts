import { Duration, Testing } from 'cdk8s';
import { ChaosEngine } from '../../constructs/litmus/engine';
import { ChaosExperiment } from '../../constructs/litmus/experiment';
import { Fault, FaultName } from '../../constructs/litmus/faults';
import { ChaosSchedule, CronChaosTrigger, type ScheduleTiming, type WeekDay } from '../../constructs/litmus/schedule';
import { find, fixture } from '../util';

function schedule(timing: ScheduleTiming, name = 'schedule-pod-delete') {
  const { chart, app, chaos } = fixture();
  const experiment = new ChaosExperiment(chart, 'Exp', { namespace: chaos, fault: FaultName.POD_DELETE });
  new ChaosSchedule(chart, 'Schedule', { name, schedule: timing, experiment, target: app, fault: Fault.podDelete() });
  return find(Testing.synth(chart), 'ChaosSchedule', name, 'litmus');
}

const start = new Date('2026-12-01T09:00:00Z');
const end = new Date('2026-12-01T18:00:00Z');
const every2m = Duration.minutes(2);

describe('ChaosSchedule', () => {
  test.each<[string, ScheduleTiming, unknown]>([
    ['now', { now: true }, { now: true }],
    ['once', { once: start }, { once: { executionTime: '2026-12-01T09:00:00.000Z' } }],
    ['repeat every 2 minutes', { repeat: { every: every2m } }, { repeat: { properties: { minChaosInterval: { minute: { everyNthMinute: 2 } } } } }],
    ['repeat between start and end', { repeat: { every: every2m, startTime: start, endTime: end } },
      { repeat: { timeRange: { startTime: '2026-12-01T09:00:00.000Z', endTime: '2026-12-01T18:00:00.000Z' }, properties: { minChaosInterval: { minute: { everyNthMinute: 2 } } } } }],
    ['repeat until end', { repeat: { every: every2m, endTime: end } },
      { repeat: { timeRange: { endTime: '2026-12-01T18:00:00.000Z' }, properties: { minChaosInterval: { minute: { everyNthMinute: 2 } } } } }],
    ['repeat from start', { repeat: { every: every2m, startTime: start } },
      { repeat: { timeRange: { startTime: '2026-12-01T09:00:00.000Z' }, properties: { minChaosInterval: { minute: { everyNthMinute: 2 } } } } }],
    ['repeat within work hours', { repeat: { every: every2m, workHours: [[0, 12]] } },
      { repeat: { properties: { minChaosInterval: { minute: { everyNthMinute: 2 } } }, workHours: { includedHours: '0-12' } } }],
    ['repeat on work days', { repeat: { every: every2m, workDays: ['Mon', 'Tue', 'Wed', 'Sat', 'Sun'] } },
      { repeat: { properties: { minChaosInterval: { minute: { everyNthMinute: 2 } } }, workDays: { includedDays: 'Mon,Tue,Wed,Sat,Sun' } } }],
  ])('expresses the workshop variant "%s"', (_name, timing, expected) => {
    const s = schedule(timing);
    expect(s.spec.schedule).toEqual(expected);
    expect(s.spec.scheduleState).toBe('active');
    expect(s.spec.engineTemplateSpec.appinfo).toEqual({ appns: 'testing', applabel: 'app.kubernetes.io/name=app-sample', appkind: 'deployment' });
    expect(s.spec.engineTemplateSpec.chaosServiceAccount).toBe('schedule-pod-delete-sa');
  });

  test('renders hourly repetition with the minute of the hour', () => {
    expect(schedule({ repeat: { every: Duration.hours(2), minuteOfTheHour: 30 } }).spec.schedule.repeat.properties)
      .toEqual({ minChaosInterval: { hour: { everyNthHour: 2, minuteOfTheHour: 30 } } });
  });

  test('fails with none of now, once or repeat', () => {
    expect(() => schedule({})).toThrow("Invalid ChaosSchedule 'schedule-pod-delete'.schedule: []; must set exactly one of now, once or repeat.");
  });

  test('fails with several of now, once or repeat', () => {
    expect(() => schedule({ now: true, once: start })).toThrow(
      'Invalid ChaosSchedule \'schedule-pod-delete\'.schedule: ["now","once"]; must set exactly one of now, once or repeat.');
  });

  test('fails for an end before its start', () => {
    expect(() => schedule({ repeat: { every: every2m, startTime: end, endTime: start } })).toThrow(
      "Invalid ChaosSchedule 'schedule-pod-delete'.schedule.repeat.endTime: '2026-12-01T09:00:00.000Z'; must be after startTime (2026-12-01T18:00:00.000Z).");
  });

  test('fails for bad hours', () => {
    expect(() => schedule({ repeat: { every: every2m, workHours: [[9, 25]] } })).toThrow(
      "Invalid ChaosSchedule 'schedule-pod-delete'.schedule.repeat.workHours: 25; must be a whole number of hours from 0 to 23.");
    expect(() => schedule({ repeat: { every: every2m, workHours: [[18, 9]] } })).toThrow(
      "Invalid ChaosSchedule 'schedule-pod-delete'.schedule.repeat.workHours: [18,9]; each range must run from an earlier to a later hour.");
  });

  test('fails for bad days', () => {
    expect(() => schedule({ repeat: { every: every2m, workDays: ['Monday' as WeekDay] } })).toThrow(
      "Invalid ChaosSchedule 'schedule-pod-delete'.schedule.repeat.workDays: 'Monday'; must be one of Mon, Tue, Wed, Thu, Fri, Sat, Sun.");
  });

  test('fails for an interval that is neither whole minutes nor whole hours', () => {
    expect(() => schedule({ repeat: { every: Duration.seconds(90) } })).toThrow(
      "Invalid ChaosSchedule 'schedule-pod-delete'.schedule.repeat.every: '90s'; must be whole minutes from 1 to 59, or whole hours from 1 to 23.");
  });

  test('fails for an invalid date', () => {
    expect(() => schedule({ once: new Date('not a date') })).toThrow(
      "Invalid ChaosSchedule 'schedule-pod-delete'.schedule.once: 'Invalid Date'; must be a valid date and time.");
  });
});

describe('CronChaosTrigger', () => {
  function trigger(cron = '0 10 * * 1-5') {
    const { chart, app, chaos } = fixture();
    const experiment = new ChaosExperiment(chart, 'Exp', { namespace: chaos, fault: FaultName.POD_DELETE });
    const engine = new ChaosEngine(chart, 'Engine', { experiment, target: app, fault: Fault.podDelete() });
    new CronChaosTrigger(chart, 'Trigger', { engine, schedule: cron });
    return Testing.synth(chart);
  }

  test('re-arms the engine with a pinned kubectl and may only patch that engine', () => {
    const manifest = trigger();
    const cron = find(manifest, 'CronJob', 'app-sample-pod-delete-rearm', 'litmus');
    expect(cron.spec.schedule).toBe('0 10 * * 1-5');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const container = cron.spec.jobTemplate.spec.template.spec.containers[0];
    expect(container.image).toMatch(/^registry\.k8s\.io\/kubectl:v\d+\.\d+\.\d+$/);
    expect(container.args).toEqual(['patch', 'chaosengine', 'app-sample-pod-delete', '--namespace', 'litmus', '--type', 'merge',
      '--patch', '{"spec":{"engineState":"active"}}']);
    expect(find(manifest, 'Role', 'app-sample-pod-delete-rearm', 'litmus').rules).toEqual([
      { apiGroups: ['litmuschaos.io'], resources: ['chaosengines'], resourceNames: ['app-sample-pod-delete'], verbs: ['get', 'patch'] },
    ]);
  });

  test('fails for a cron expression without five fields', () => {
    expect(() => trigger('@daily')).toThrow("Invalid CronChaosTrigger 'app-sample-pod-delete-rearm'.schedule: '@daily'; "
      + 'must be a five-field cron expression (minute hour day-of-month month day-of-week); it has 1 field.');
  });

  test.each([
    ['60 10 * * 1-5', "'60' is not a minute (0 to 59)"],
    ['0 24 * * *', "'24' is not a hour (0 to 23)"],
    ['0 10 0 * *', "'0' is not a day of month (1 to 31)"],
    ['0 10 * 13 *', "'13' is not a month (1 to 12 or JAN..DEC)"],
    ['0 10 * * 7', "'7' is not a day of week (0 to 6 or SUN..SAT)"],
    ['0 10 * * FRI-MON', "the range 'FRI-MON' runs backwards"],
    ['*/0 * * * *', "'*/0' is not a minute item"],
    ['0 10 * * 1-5 2026', 'it has 6 fields'],
  ])('fails for a cron expression the CronJob controller would refuse (%s)', (cron, why) => {
    expect(() => trigger(cron)).toThrow(`Invalid CronChaosTrigger 'app-sample-pod-delete-rearm'.schedule: '${cron}'; `
      + `must be a five-field cron expression (minute hour day-of-month month day-of-week); ${why}.`);
  });

  test.each(['*/15 9-17 * * MON-FRI', '0 0 1,15 * *', '30 2 * jan,jul sun', '0 */2 ? * *', '5-55/10 * * * 0'])('accepts the cron expression %s', (cron) => {
    expect(find(trigger(cron), 'CronJob', 'app-sample-pod-delete-rearm', 'litmus').spec.schedule).toBe(cron);
  });

  test('fails for a time zone that is not an IANA name', () => {
    const { chart, app, chaos } = fixture();
    const experiment = new ChaosExperiment(chart, 'Exp', { namespace: chaos, fault: FaultName.POD_DELETE });
    const engine = new ChaosEngine(chart, 'Engine', { experiment, target: app, fault: Fault.podDelete() });
    expect(() => new CronChaosTrigger(chart, 'Trigger', { engine, schedule: '0 10 * * *', timeZone: 'Mars/Olympus' })).toThrow(
      "Invalid CronChaosTrigger 'app-sample-pod-delete-rearm'.timeZone: 'Mars/Olympus'; must be an IANA time zone name, e.g. 'Europe/Madrid' or 'UTC'.");
    expect(() => new CronChaosTrigger(chart, 'Ok', { engine, schedule: '0 10 * * *', timeZone: 'Europe/Madrid' })).not.toThrow();
  });
});
