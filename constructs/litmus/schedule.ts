import { type Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as litmus from '../../lib/imports/litmus-litmuschaos.io';
import { IMAGES } from '../../lib/versions';
import { assertCron, assertDnsLabel, durationMillis, assertIntegerInRange, assertPinned, ValidationError } from '../../lib/validation';
import { type ChaosEngine, type ChaosEngineTemplateProps, EngineState, renderEngineSpec } from './engine';
import { ExperimentRbac } from './rbac';
import { RESTRICTED_CONTAINER, restrictedPod } from '../security';

/** Days of the week as the chaos-scheduler spells them. */
export const WEEK_DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];

/** Repetition of a `repeat` schedule. */
export interface RepeatSchedule {
  /** Minimum time between runs: whole minutes below an hour (1 to 59), or whole hours (1 to 23). */
  readonly every: Duration;
  /**
   * For hourly schedules, the minute of the hour runs start at.
   * @default 0
   */
  readonly minuteOfTheHour?: number;
  /**
   * First possible run.
   * @default - now
   */
  readonly startTime?: Date;
  /**
   * Last possible run.
   * @default - no end
   */
  readonly endTime?: Date;
  /**
   * Hours of the day runs may start in, e.g. [[0, 12]] for 0-12 or [9, 10, 11].
   * @default - every hour
   */
  readonly workHours?: readonly (number | readonly [number, number])[];
  /**
   * Days runs may happen on.
   * @default - every day
   */
  readonly workDays?: readonly WeekDay[];
  /**
   * Pick run times at random within the allowed window.
   * @default false
   */
  readonly random?: boolean;
}

/** When a ChaosSchedule runs its engine: exactly one of `now`, `once` or `repeat`. */
export interface ScheduleTiming {
  /** Run immediately. */
  readonly now?: boolean;
  /** Run once, at this time. */
  readonly once?: Date;
  /** Run repeatedly. */
  readonly repeat?: RepeatSchedule;
}

export interface ChaosScheduleProps extends Omit<ChaosEngineTemplateProps, 'serviceAccount'> {
  /** The schedule's name; `now`/`once` create an engine of that name, `repeat` one per run (`<name>-<epoch>`). */
  readonly name: string;
  /** When to run. */
  readonly schedule: ScheduleTiming;
  /**
   * The ServiceAccount the chaos runs as.
   * @default - a new ExperimentRbac with exactly the fault's permissions, named `<name>-sa`
   */
  readonly serviceAccount?: ExperimentRbac;
}

/**
 * A ChaosSchedule (chaos-scheduler 3.31.0 schema) that creates engines from a template: now, once, or repeating
 * every N minutes or hours, optionally within a time range, work hours and work days. The chaos-scheduler is
 * stale upstream (see CronChaosTrigger for an alternative that needs no scheduler).
 */
export class ChaosSchedule extends Construct {
  public readonly name: string;
  public readonly apiObject: litmus.ChaosSchedule;


  public constructor(scope: Construct, id: string, props: ChaosScheduleProps) {
    super(scope, id);
    this.name = assertDnsLabel('ChaosSchedule.name', props.name);
    const field = `ChaosSchedule '${this.name}'`;
    const { schedule, dates } = renderTiming(field, props.schedule);
    const serviceAccount = props.serviceAccount ?? new ExperimentRbac(this, 'Rbac', {
      name: `${this.name}-sa`,
      chaosNamespace: props.experiment.namespace,
      targetNamespace: props.target.namespace,
      fault: props.fault.definition,
      probes: props.probes,
    });
    const engineTemplateSpec = renderEngineSpec(field, { ...props, serviceAccount }, EngineState.ACTIVE);
    this.apiObject = new DatedChaosSchedule(this, 'Resource', dates, {
      metadata: {
        name: this.name,
        namespace: props.experiment.namespace.name,
        labels: { 'app.kubernetes.io/part-of': 'chaos-stack', 'litmuschaos.io/fault': props.fault.name },
      },
      spec: { scheduleState: 'active', schedule, engineTemplateSpec },
    });
  }
}

/**
 * The generated binding types the CRD's date-time fields as `Date`, which cdk8s cannot resolve, and converts them
 * after resolution; so the dates are left out of the props and written as RFC 3339 strings into the rendered JSON.
 */
class DatedChaosSchedule extends litmus.ChaosSchedule {
  public constructor(scope: Construct, id: string, private readonly dates: RenderedTiming['dates'], props: litmus.ChaosScheduleProps) {
    super(scope, id, props);
  }

  public override toJson(): Record<string, unknown> {
    const json = super.toJson() as Record<string, unknown>;
    for (const [path, value] of this.dates) {
      const keys = path.split('/').filter((k) => k !== '');
      let node = json;
      for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
      node[keys[keys.length - 1]] = value;
    }
    return json;
  }
}

interface RenderedTiming {
  readonly schedule: litmus.ChaosScheduleSpecSchedule;
  /** JSON-patch paths and RFC 3339 values of the date-time fields. */
  readonly dates: readonly [string, string][];
}

function renderTiming(field: string, timing: ScheduleTiming): RenderedTiming {
  const given = (['now', 'once', 'repeat'] as const).filter((k) => timing[k] !== undefined && timing[k] !== false);
  if (given.length !== 1) {
    throw new ValidationError(`${field}.schedule`, given, 'must set exactly one of now, once or repeat');
  }
  if (timing.now) return { schedule: { now: true }, dates: [] };
  if (timing.once) {
    return { schedule: { once: {} }, dates: [['/spec/schedule/once/executionTime', isoTime(`${field}.schedule.once`, timing.once)]] };
  }
  const r = timing.repeat as RepeatSchedule;
  const dates: [string, string][] = [];
  if (r.startTime) dates.push(['/spec/schedule/repeat/timeRange/startTime', isoTime(`${field}.schedule.repeat.startTime`, r.startTime)]);
  if (r.endTime) dates.push(['/spec/schedule/repeat/timeRange/endTime', isoTime(`${field}.schedule.repeat.endTime`, r.endTime)]);
  if (r.startTime && r.endTime && r.endTime.getTime() <= r.startTime.getTime()) {
    throw new ValidationError(`${field}.schedule.repeat.endTime`, r.endTime, `must be after startTime (${r.startTime.toISOString()})`);
  }
  return {
    schedule: {
      repeat: {
        timeRange: dates.length > 0 ? {} : undefined,
        properties: { minChaosInterval: minChaosInterval(`${field}.schedule.repeat`, r), random: r.random },
        workHours: r.workHours ? { includedHours: hoursExpression(`${field}.schedule.repeat.workHours`, r.workHours) } : undefined,
        workDays: r.workDays ? { includedDays: daysExpression(`${field}.schedule.repeat.workDays`, r.workDays) } : undefined,
      },
    },
    dates,
  };
}

function isoTime(field: string, d: Date): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new ValidationError(field, d, 'must be a valid date and time');
  return d.toISOString();
}

function minChaosInterval(field: string, r: RepeatSchedule): litmus.ChaosScheduleSpecScheduleRepeatPropertiesMinChaosInterval {
  const ms = durationMillis(`${field}.every`, r.every);
  if (ms > 0 && ms % 3_600_000 === 0) {
    return {
      hour: {
        everyNthHour: assertIntegerInRange(`${field}.every`, ms / 3_600_000, 1, 23, 'hours'),
        minuteOfTheHour: assertIntegerInRange(`${field}.minuteOfTheHour`, r.minuteOfTheHour ?? 0, 0, 59),
      },
    };
  }
  if (ms > 0 && ms % 60_000 === 0 && ms < 3_600_000) {
    if (r.minuteOfTheHour !== undefined) {
      throw new ValidationError(`${field}.minuteOfTheHour`, r.minuteOfTheHour, 'only applies to schedules repeating every N hours');
    }
    return { minute: { everyNthMinute: ms / 60_000 } };
  }
  throw new ValidationError(`${field}.every`, r.every, 'must be whole minutes from 1 to 59, or whole hours from 1 to 23');
}

/** Throws unless `tz` is an IANA time zone name the platform knows (`Europe/Madrid`, `UTC`). */
function assertTimeZone(field: string, tz: string): void {
  let ok = typeof tz === 'string' && /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(tz);
  try {
    if (ok) new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    ok = false;
  }
  if (!ok) throw new ValidationError(field, tz, "must be an IANA time zone name, e.g. 'Europe/Madrid' or 'UTC'");
}

/** Renders work hours as the scheduler's cron-style list ("0-12", "9,10,11"), each hour 0..23. */
function hoursExpression(field: string, hours: RepeatSchedule['workHours'] & object): string {
  if (hours.length === 0) throw new ValidationError(field, hours, 'must list at least one hour or range');
  return hours.map((h) => {
    if (typeof h === 'number') return String(assertIntegerInRange(field, h, 0, 23, 'hours'));
    const [from, to] = h;
    assertIntegerInRange(field, from, 0, 23, 'hours');
    assertIntegerInRange(field, to, 0, 23, 'hours');
    if (from > to) throw new ValidationError(field, h, 'each range must run from an earlier to a later hour');
    return `${from}-${to}`;
  }).join(',');
}

function daysExpression(field: string, days: readonly WeekDay[]): string {
  if (days.length === 0) throw new ValidationError(field, days, 'must list at least one day');
  for (const d of days) {
    if (!WEEK_DAYS.includes(d)) throw new ValidationError(field, d, `must be one of ${WEEK_DAYS.join(', ')}`);
  }
  if (new Set(days).size !== days.length) throw new ValidationError(field, days, 'must not repeat a day');
  return days.join(',');
}

export interface CronChaosTriggerProps {
  /** The engine to re-arm. */
  readonly engine: ChaosEngine;
  /** Cron expression (five fields, in the cluster's time zone unless `timeZone` is set). */
  readonly schedule: string;
  /**
   * IANA time zone of the schedule.
   * @default - the controller-manager's time zone
   */
  readonly timeZone?: string;
  /**
   * kubectl image, pinned.
   * @default IMAGES.kubectl
   */
  readonly image?: string;
}

/**
 * Re-runs an engine on a cron schedule without the chaos-scheduler: a CronJob patches the engine's
 * `spec.engineState` back to `active` (which re-runs a completed engine). Its ServiceAccount may only get and
 * patch that one engine.
 */
export class CronChaosTrigger extends Construct {
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: CronChaosTriggerProps) {
    super(scope, id);
    const { engine } = props;
    this.name = assertDnsLabel('CronChaosTrigger.name', `${engine.name}-rearm`.slice(0, 52).replace(/-+$/, ''));
    const field = `CronChaosTrigger '${this.name}'`;
    const schedule = assertCron(`${field}.schedule`, props.schedule).trim();
    if (props.timeZone !== undefined) assertTimeZone(`${field}.timeZone`, props.timeZone);
    const image = assertPinned(`${field}.image`, props.image ?? IMAGES.kubectl);
    const metadata = { name: this.name, namespace: engine.namespace, labels: { 'app.kubernetes.io/part-of': 'chaos-stack' } };
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: true });
    new k8s.KubeRole(this, 'Role', {
      metadata,
      rules: [{ apiGroups: ['litmuschaos.io'], resources: ['chaosengines'], resourceNames: [engine.name], verbs: ['get', 'patch'] }],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: engine.namespace }],
    });
    new k8s.KubeCronJob(this, 'Resource', {
      metadata,
      spec: {
        schedule,
        timeZone: props.timeZone,
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 1,
            activeDeadlineSeconds: 120,
            template: {
              spec: {
                serviceAccountName: this.name,
                restartPolicy: 'Never',
                securityContext: restrictedPod(65532, { fsGroup: false }),
                containers: [{
                  name: 'kubectl',
                  image,
                  imagePullPolicy: 'IfNotPresent',
                  args: ['patch', 'chaosengine', engine.name, '--namespace', engine.namespace, '--type', 'merge',
                    '--patch', '{"spec":{"engineState":"active"}}'],
                  resources: {
                    requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
                    limits: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('64Mi') },
                  },
                  securityContext: RESTRICTED_CONTAINER,
                }],
              },
            },
          },
        },
      },
    });
  }
}
